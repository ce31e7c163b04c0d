// Package enginetest starts a small simulated estate on loopback for the
// tests of the engine and of the command line: a DNS server for a signed
// root, the "test." zone and a few domains, one HTTP and one HTTPS server
// that answer for all of them, and two SMTP servers, each on a random port.
//
// The domains:
//
//   - good.test: signed zone, HTTP redirects to HTTPS, every security
//     header, a secure cookie, a valid security.txt, TLS 1.2 and 1.3 with
//     AEAD suites only; mail to mx.good.test with STARTTLS and a DANE
//     record, SPF "mx -all", DMARC p=reject with reports, MTA-STS in
//     enforce mode, TLS-RPT, and a DKIM key under the selector
//     DKIMSelector: an audit should find nothing above low.
//   - example.test: unsigned zone, HTTPS without HSTS nor the other
//     headers, no redirect from HTTP, a cookie without flags, no
//     security.txt; mail to mx.example.test (127.0.0.2), which offers no
//     STARTTLS, SPF "+all", no DMARC, no MTA-STS, no TLS-RPT.
//   - nowww.test: like good.test, but www.nowww.test does not exist, and
//     it receives no mail: null MX, SPF "-all", DMARC p=reject.
//   - mairie-évry.test (xn--mairie-vry-h7a.test): like nowww.test, with
//     www, in the zone test. itself, for internationalised names.
//   - absent.test does not exist (NXDOMAIN).
//
// Every web name resolves to 127.0.0.1; the ports are Lab.HTTPPort,
// Lab.HTTPSPort and Lab.SMTPPort, to be given to the engine
// (Config.HTTPPort, HTTPSPort, SMTPPort). Nothing here listens beyond
// loopback.
package enginetest

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/dnstest"
	"vigie.eu/vigie/internal/smtptest"
	"vigie.eu/vigie/internal/tlstest"
	"vigie.eu/vigie/internal/webtest"
)

// Lab is a running simulated estate.
type Lab struct {
	// Resolver is the address of the DNS server ("127.0.0.1:PORT").
	Resolver string
	// Anchors is the trust anchor of the lab's signed root.
	Anchors []dns.RR
	// AnchorsText is Anchors in zone-file syntax, for --trust-anchor.
	AnchorsText string
	// CA issued the HTTPS server's certificate; trust CA.Pool() or
	// CA.RootPEM() (as SSL_CERT_FILE).
	CA *tlstest.CA
	// HTTPPort and HTTPSPort are the ports of the web servers.
	HTTPPort, HTTPSPort int
	// SMTPPort is the port of both mail servers: mx.good.test on
	// 127.0.0.1, mx.example.test on 127.0.0.2.
	SMTPPort int

	mu sync.Mutex
	// agents are the requests the web servers answered, as "scheme
	// host path User-Agent".
	agents []string
}

// Requests returns the requests the web servers have answered, in order,
// each as "scheme host path User-Agent" (to check what the probes send).
func (l *Lab) Requests() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.agents)
}

// record wraps h so that the lab records each request it answers.
func (l *Lab) record(scheme string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l.mu.Lock()
		l.agents = append(l.agents, scheme+" "+hostOnly(r.Host)+" "+r.URL.Path+" "+r.UserAgent())
		l.mu.Unlock()
		h(w, r)
	}
}

// DKIMSelector is the selector of good.test's DKIM key, which is not
// among the common selectors the mail probe tries by itself.
const DKIMSelector = "lab2026"

// mtaSTSPolicy is good.test's MTA-STS policy (RFC 8461 section 3.2).
const mtaSTSPolicy = "version: STSv1\r\nmode: enforce\r\nmx: mx.good.test\r\nmax_age: 604800\r\n"

// domains served by the web servers, and whether each is the good kind.
var domains = map[string]bool{"good.test": true, "example.test": false, "nowww.test": true, "xn--mairie-vry-h7a.test": true}

// zone is the lab's DNS data; every zone is signed but example.test.
// TLSA_DATA and DKIM_KEY are replaced when the lab starts.
const zone = `
	.                  86400 IN SOA ns.root. hostmaster.root. 1 7200 3600 1209600 300
	.                  86400 IN NS  ns.root.
	ns.root.           86400 IN A   127.0.0.1
	test.              86400 IN SOA ns.test. hostmaster.test. 1 7200 3600 1209600 300
	test.              86400 IN NS  ns.test.
	ns.test.           86400 IN A   127.0.0.1
	good.test.         300 IN SOA ns1.good.test. hostmaster.good.test. 1 7200 3600 1209600 300
	good.test.         300 IN NS  ns1.good.test.
	good.test.         300 IN NS  ns2.good.test.
	ns1.good.test.     300 IN A   127.0.0.1
	ns1.good.test.     300 IN AAAA ::1
	ns2.good.test.     300 IN A   127.0.0.1
	ns2.good.test.     300 IN AAAA ::1
	good.test.         300 IN A   127.0.0.1
	good.test.         300 IN AAAA ::1
	www.good.test.     300 IN A   127.0.0.1
	good.test.         300 IN CAA 0 issue "ca.good.test"
	good.test.         300 IN MX  10 mx.good.test.
	mx.good.test.      300 IN A   127.0.0.1
	_25._tcp.mx.good.test. 300 IN TLSA 3 1 1 TLSA_DATA
	good.test.         300 IN TXT "v=spf1 mx -all"
	_dmarc.good.test.  300 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@good.test"
	lab2026._domainkey.good.test. 300 IN TXT "v=DKIM1; k=ed25519; p=DKIM_KEY"
	_mta-sts.good.test. 300 IN TXT "v=STSv1; id=2026112301"
	mta-sts.good.test. 300 IN A   127.0.0.1
	_smtp._tls.good.test. 300 IN TXT "v=TLSRPTv1; rua=mailto:tlsrpt@good.test"
	example.test.      300 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 300
	example.test.      300 IN NS  ns1.example.test.
	ns1.example.test.  300 IN A   127.0.0.1
	example.test.      300 IN A   127.0.0.1
	www.example.test.  300 IN A   127.0.0.1
	example.test.      300 IN MX  10 mx.example.test.
	mx.example.test.   300 IN A   127.0.0.2
	example.test.      300 IN TXT "v=spf1 +all"
	nowww.test.        300 IN SOA ns1.nowww.test. hostmaster.nowww.test. 1 7200 3600 1209600 300
	nowww.test.        300 IN NS  ns1.nowww.test.
	nowww.test.        300 IN NS  ns2.nowww.test.
	ns1.nowww.test.    300 IN A   127.0.0.1
	ns2.nowww.test.    300 IN A   127.0.0.1
	nowww.test.        300 IN A   127.0.0.1
	nowww.test.        300 IN MX  0 .
	nowww.test.        300 IN TXT "v=spf1 -all"
	_dmarc.nowww.test. 300 IN TXT "v=DMARC1; p=reject"
	xn--mairie-vry-h7a.test.     300 IN A 127.0.0.1
	www.xn--mairie-vry-h7a.test. 300 IN A 127.0.0.1
	xn--mairie-vry-h7a.test.     300 IN MX 0 .
	xn--mairie-vry-h7a.test.     300 IN TXT "v=spf1 -all"
	_dmarc.xn--mairie-vry-h7a.test. 300 IN TXT "v=DMARC1; p=reject"
`

// NewLab starts the lab; it stops when the test ends. The web servers
// listen on 127.0.0.1 only (IPv6 addresses in the zone are there for the
// DNS checks; nothing listens on ::1).
func NewLab(t testing.TB) *Lab {
	t.Helper()
	lab := &Lab{CA: tlstest.NewCA(t, "lab")}

	// The mail servers: mx.good.test with STARTTLS, then mx.example.test
	// without, on the same port of 127.0.0.2.
	mxCert := lab.CA.Issue(t, tlstest.CertOptions{DNSNames: []string{"mx.good.test"}})
	good := smtptest.NewServer(t, smtptest.Options{Hostname: "mx.good.test", TLS: &tls.Config{
		Certificates: []tls.Certificate{mxCert.TLS(false)},
		MinVersion:   tls.VersionTLS12,
		CipherSuites: aeadSuites,
	}})
	lab.SMTPPort = good.Port
	smtptest.NewServer(t, smtptest.Options{Addr: net.JoinHostPort("127.0.0.2", strconv.Itoa(good.Port)), Hostname: "mx.example.test"})

	// RFC 7672 section 3.1.1: DANE-EE(3) SPKI(1) SHA-256(1) of the MX.
	spki := sha256.Sum256(mxCert.Leaf.RawSubjectPublicKeyInfo)
	dkimKey, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	z := strings.NewReplacer("TLSA_DATA", hex.EncodeToString(spki[:]), "DKIM_KEY", base64.StdEncoding.EncodeToString(dkimKey)).Replace(zone)
	dnsSrv := dnstest.NewServer(t, z, dnstest.Signed(), dnstest.Unsigned("example.test."))
	lab.Resolver, lab.Anchors = dnsSrv.Addr, dnsSrv.Anchors()
	var b strings.Builder
	for _, rr := range lab.Anchors {
		b.WriteString(rr.String())
		b.WriteByte('\n')
	}
	lab.AnchorsText = b.String()

	names := []string{"mta-sts.good.test"}
	for d := range domains {
		names = append(names, d, "www."+d)
	}
	cert := lab.CA.Issue(t, tlstest.CertOptions{DNSNames: names})

	https := httptest.NewUnstartedServer(lab.record("https", serveHTTPS))
	https.TLS = &tls.Config{
		Certificates: []tls.Certificate{cert.TLS(false)},
		MinVersion:   tls.VersionTLS12,
		CipherSuites: aeadSuites,
	}
	https.Config.ErrorLog = discardLog()
	https.StartTLS()
	t.Cleanup(https.Close)
	lab.HTTPSPort = port(t, https.Listener.Addr())

	plain := httptest.NewUnstartedServer(lab.record("http", func(w http.ResponseWriter, r *http.Request) {
		host := hostOnly(r.Host)
		if domains[strings.TrimPrefix(host, "www.")] {
			http.Redirect(w, r, "https://"+net.JoinHostPort(host, strconv.Itoa(lab.HTTPSPort))+r.URL.RequestURI(), http.StatusMovedPermanently)
			return
		}
		serveBad(w, r)
	}))
	plain.Config.ErrorLog = discardLog()
	plain.Start()
	t.Cleanup(plain.Close)
	lab.HTTPPort = port(t, plain.Listener.Addr())
	return lab
}

// aeadSuites are ECDHE with AEAD only: nothing for a TLS check to object
// to.
var aeadSuites = []uint16{
	tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
	tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
	tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
}

func port(t testing.TB, a net.Addr) int {
	t.Helper()
	_, p, err := net.SplitHostPort(a.String())
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return strings.ToLower(h)
	}
	return strings.ToLower(hostport)
}

func serveHTTPS(w http.ResponseWriter, r *http.Request) {
	if hostOnly(r.Host) == "mta-sts.good.test" {
		if r.URL.Path != "/.well-known/mta-sts.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, mtaSTSPolicy)
		return
	}
	if !domains[strings.TrimPrefix(hostOnly(r.Host), "www.")] {
		serveBad(w, r)
		return
	}
	h := w.Header()
	webtest.SetGoodHeaders(h, true)
	if r.URL.Path == "/.well-known/security.txt" {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, webtest.SecurityTxt(hostOnly(r.Host), time.Now()))
		return
	}
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	http.SetCookie(w, webtest.GoodCookie(true))
	h.Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, `<!doctype html><html lang="fr"><head><title>Mairie</title><script src="/app.js"></script></head><body><p>Bonjour</p></body></html>`)
}

// serveBad is a site without any protection: no HSTS, no headers, a
// cookie without flags, a server that tells its version, no
// security.txt.
func serveBad(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	webtest.SetNeglectedHeaders(h)
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	http.SetCookie(w, webtest.NeglectedCookie())
	h.Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, `<!doctype html><html><head><title>Exemple</title></head><body><p>Bienvenue</p></body></html>`)
}

// discardLog silences the servers: the TLS probe's enumeration makes
// many handshakes fail on purpose.
func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }
