// Package enginetest starts a small simulated estate on 127.0.0.1 for the
// tests of the engine and of the command line: a DNS server for a signed
// root, the "test." zone and a few domains, and one HTTP and one HTTPS
// server that answer for all of them, each on a random port.
//
// The domains:
//
//   - good.test: signed zone, HTTP redirects to HTTPS, every security
//     header, a secure cookie, a valid security.txt, TLS 1.2 and 1.3 with
//     AEAD suites only: an audit should find nothing above low.
//   - example.test: unsigned zone, HTTPS without HSTS nor the other
//     headers, no redirect from HTTP, a cookie without flags, no
//     security.txt.
//   - nowww.test: like good.test, but www.nowww.test does not exist.
//   - mairie-évry.test (xn--mairie-vry-h7a.test): like good.test, in the
//     zone test. itself, for internationalised names.
//   - absent.test does not exist (NXDOMAIN).
//
// Every name resolves to 127.0.0.1; the ports are Lab.HTTPPort and
// Lab.HTTPSPort, to be given to the engine (Config.HTTPPort, HTTPSPort).
// Nothing here listens beyond loopback.
package enginetest

import (
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/dnstest"
	"vigie.eu/vigie/internal/tlstest"
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
}

// domains served by the web servers, and whether each is the good kind.
var domains = map[string]bool{"good.test": true, "example.test": false, "nowww.test": true, "xn--mairie-vry-h7a.test": true}

// zone is the lab's DNS data; every zone is signed but example.test.
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
	example.test.      300 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 300
	example.test.      300 IN NS  ns1.example.test.
	ns1.example.test.  300 IN A   127.0.0.1
	example.test.      300 IN A   127.0.0.1
	www.example.test.  300 IN A   127.0.0.1
	nowww.test.        300 IN SOA ns1.nowww.test. hostmaster.nowww.test. 1 7200 3600 1209600 300
	nowww.test.        300 IN NS  ns1.nowww.test.
	nowww.test.        300 IN NS  ns2.nowww.test.
	ns1.nowww.test.    300 IN A   127.0.0.1
	ns2.nowww.test.    300 IN A   127.0.0.1
	nowww.test.        300 IN A   127.0.0.1
	xn--mairie-vry-h7a.test.     300 IN A 127.0.0.1
	www.xn--mairie-vry-h7a.test. 300 IN A 127.0.0.1
`

// NewLab starts the lab; it stops when the test ends. The web servers
// listen on 127.0.0.1 only (IPv6 addresses in the zone are there for the
// DNS checks; nothing listens on ::1).
func NewLab(t testing.TB) *Lab {
	t.Helper()
	dnsSrv := dnstest.NewServer(t, zone, dnstest.Signed(), dnstest.Unsigned("example.test."))
	lab := &Lab{Resolver: dnsSrv.Addr, Anchors: dnsSrv.Anchors(), CA: tlstest.NewCA(t, "lab")}
	var b strings.Builder
	for _, rr := range lab.Anchors {
		b.WriteString(rr.String())
		b.WriteByte('\n')
	}
	lab.AnchorsText = b.String()

	var names []string
	for d := range domains {
		names = append(names, d, "www."+d)
	}
	cert := lab.CA.Issue(t, tlstest.CertOptions{DNSNames: names})

	https := httptest.NewUnstartedServer(http.HandlerFunc(serveHTTPS))
	https.TLS = &tls.Config{
		Certificates: []tls.Certificate{cert.TLS(false)},
		MinVersion:   tls.VersionTLS12,
		// ECDHE with AEAD only: nothing for a TLS check to object to.
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		},
	}
	https.Config.ErrorLog = discardLog()
	https.StartTLS()
	t.Cleanup(https.Close)
	lab.HTTPSPort = port(t, https.Listener.Addr())

	plain := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
	if !domains[strings.TrimPrefix(hostOnly(r.Host), "www.")] {
		serveBad(w, r)
		return
	}
	h := w.Header()
	h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains; preload")
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
	h.Set("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
	if r.URL.Path == "/.well-known/security.txt" {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintf(w, "Contact: mailto:security@%s\nExpires: %s\nPreferred-Languages: fr, en\n",
			hostOnly(r.Host), time.Now().Add(180*24*time.Hour).UTC().Format(time.RFC3339))
		return
	}
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "session", Value: "x", Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	h.Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, `<!doctype html><html lang="fr"><head><title>Mairie</title><script src="/app.js"></script></head><body><p>Bonjour</p></body></html>`)
}

// serveBad is a site without any protection: no HSTS, no headers, a
// cookie without flags, a server that tells its version, no
// security.txt.
func serveBad(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Server", "Apache/2.4.41 (Ubuntu)")
	h.Set("X-Powered-By", "PHP/7.4.3")
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: "PHPSESSID", Value: "x", Path: "/"})
	h.Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprint(w, `<!doctype html><html><head><title>Exemple</title></head><body><p>Bienvenue</p></body></html>`)
}

// discardLog silences the servers: the TLS probe's enumeration makes
// many handshakes fail on purpose.
func discardLog() *log.Logger { return log.New(io.Discard, "", 0) }
