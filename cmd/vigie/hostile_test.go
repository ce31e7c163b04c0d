package main

import (
	"crypto/tls"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
	"github.com/rogpeppe/go-internal/testscript"

	"vigie.eu/vigie/internal/dnstest"
	"vigie.eu/vigie/internal/tlstest"
)

// hostileZone is the DNS of the hostile lab: 127.0.0.1, which the scripts
// allow (--allow-private 127.0.0.1/32), stands for the internet;
// 127.0.0.2, which they do not allow, stands for the operator's own
// network. Every name here tries to lead vigie there. PORT_HTTP,
// PORT_HTTPS and PORT_SMTP are the lab's ports, the same on both
// addresses.
const hostileZone = `
	.                   86400 IN SOA ns.root. hostmaster.root. 1 7200 3600 1209600 300
	.                   86400 IN NS  ns.root.
	ns.root.            86400 IN A   127.0.0.1
	test.               86400 IN SOA ns.test. hostmaster.test. 1 7200 3600 1209600 300
	test.               86400 IN NS  ns.test.
	ns.test.            86400 IN A   127.0.0.1
	redir-literal.test. 300 IN A 127.0.0.1
	redir-mapped.test.  300 IN A 127.0.0.1
	redir-nat64.test.   300 IN A 127.0.0.1
	redir-name.test.    300 IN A 127.0.0.1
	inside.redir-name.test. 300 IN A 127.0.0.2
	inside.redir-name.test. 300 IN AAAA ::ffff:127.0.0.2
	redir-port.test.    300 IN A 127.0.0.1
	www-inside.test.    300 IN A 127.0.0.1
	www.www-inside.test. 300 IN A 127.0.0.2
	www.www-inside.test. 300 IN AAAA ::ffff:127.0.0.2
	implicit-mx.test.   300 IN A 127.0.0.2
	rebind.test.        300 IN A 127.0.0.1
	www.rebind.test.    300 IN A 127.0.0.1
	mx-inside.test.     300 IN A 127.0.0.1
	mx-inside.test.     300 IN TXT "v=spf1 mx -all"
	_mta-sts.mx-inside.test. 300 IN TXT "v=STSv1; id=1"
	mta-sts.mx-inside.test.  300 IN A 127.0.0.2
	mx-inside.test.     300 IN MX 1 mx1.mx-inside.test.
	mx-inside.test.     300 IN MX 2 mx2.mx-inside.test.
	mx-inside.test.     300 IN MX 3 mx3.mx-inside.test.
	mx-inside.test.     300 IN MX 4 mx4.mx-inside.test.
	mx-inside.test.     300 IN MX 5 mx5.mx-inside.test.
	mx-inside.test.     300 IN MX 6 mx6.mx-inside.test.
	mx-inside.test.     300 IN MX 7 mx7.mx-inside.test.
	mx-inside.test.     300 IN MX 8 mx8.mx-inside.test.
	mx-inside.test.     300 IN MX 9 mx9.mx-inside.test.
	mx-inside.test.     300 IN MX 10 mx10.mx-inside.test.
	mx1.mx-inside.test. 300 IN A 127.0.0.2
	mx2.mx-inside.test. 300 IN AAAA ::ffff:127.0.0.2
	mx3.mx-inside.test. 300 IN AAAA 64:ff9b::7f00:2
	mx4.mx-inside.test. 300 IN A 127.0.0.2
	mx5.mx-inside.test. 300 IN A 127.0.0.2
	mx6.mx-inside.test. 300 IN A 127.0.0.2
	mx7.mx-inside.test. 300 IN A 127.0.0.2
	mx8.mx-inside.test. 300 IN A 127.0.0.2
	mx9.mx-inside.test. 300 IN A 127.0.0.2
	mx10.mx-inside.test. 300 IN A 127.0.0.2
	keytrap.test.       300 IN SOA ns.test. hostmaster.keytrap.test. 1 7200 3600 1209600 300
	keytrap.test.       300 IN NS  ns.test.
	keytrap.test.       300 IN A   127.0.0.1
	keytrap.test.       300 IN TXT "v=spf1 -all"
	_dmarc.keytrap.test. 300 IN TXT "v=DMARC1; p=reject"
	keytrap.test.       300 IN MX 1 mx1.keytrap.test.
	keytrap.test.       300 IN MX 2 mx2.keytrap.test.
	keytrap.test.       300 IN MX 3 mx3.keytrap.test.
	keytrap.test.       300 IN MX 4 mx4.keytrap.test.
	keytrap.test.       300 IN MX 5 mx5.keytrap.test.
	keytrap.test.       300 IN MX 6 mx6.keytrap.test.
	keytrap.test.       300 IN MX 7 mx7.keytrap.test.
	keytrap.test.       300 IN MX 8 mx8.keytrap.test.
	keytrap.test.       300 IN MX 9 mx9.keytrap.test.
	keytrap.test.       300 IN MX 10 mx10.keytrap.test.
	mx1.keytrap.test.   300 IN A 127.0.0.2
	mx2.keytrap.test.   300 IN A 127.0.0.2
	mx3.keytrap.test.   300 IN A 127.0.0.2
	mx4.keytrap.test.   300 IN A 127.0.0.2
	mx5.keytrap.test.   300 IN A 127.0.0.2
	mx6.keytrap.test.   300 IN A 127.0.0.2
	mx7.keytrap.test.   300 IN A 127.0.0.2
	mx8.keytrap.test.   300 IN A 127.0.0.2
	mx9.keytrap.test.   300 IN A 127.0.0.2
	mx10.keytrap.test.  300 IN A 127.0.0.2
	_25._tcp.mx1.keytrap.test. 300 IN TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000001
	_25._tcp.mx2.keytrap.test. 300 IN TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000002
	_25._tcp.mx3.keytrap.test. 300 IN TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000003
	_25._tcp.mx4.keytrap.test. 300 IN TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000004
	_25._tcp.mx5.keytrap.test. 300 IN TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000005
	_25._tcp.mx6.keytrap.test. 300 IN TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000006
	_25._tcp.mx7.keytrap.test. 300 IN TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000007
	_25._tcp.mx8.keytrap.test. 300 IN TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000008
	_25._tcp.mx9.keytrap.test. 300 IN TLSA 3 1 1 0000000000000000000000000000000000000000000000000000000000000009
	_25._tcp.mx10.keytrap.test. 300 IN TLSA 3 1 1 000000000000000000000000000000000000000000000000000000000000000a
`

// hostileLab is the servers of the hostile lab and the traps that count
// the connections that reach the refused address.
type hostileLab struct {
	resolver            string
	httpPort, httpsPort int
	smtpPort, otherPort int
	ca                  []byte
	anchors             string       // the trust anchor, in zone-file syntax
	trapped             atomic.Int64 // connections accepted by the traps
	trapMu              sync.Mutex
	trapLog             []string // which trap, for the failure message
}

// trap listens on addr and counts the connections it accepts.
func (l *hostileLab) trap(t *testing.T, addr string) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("hostile lab: trap %s: %v", addr, err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			l.trapped.Add(1)
			l.trapMu.Lock()
			l.trapLog = append(l.trapLog, addr)
			l.trapMu.Unlock()
			c.Close()
		}
	}()
}

// newHostileLab starts the hostile lab: a DNS server, web servers on
// 127.0.0.1 that redirect into 127.0.0.2, traps on 127.0.0.2 on the lab's
// ports, and a trap on 127.0.0.1 on a port that is not the web's.
func newHostileLab(t *testing.T) *hostileLab {
	l := &hostileLab{}
	ca := tlstest.NewCA(t, "hostile lab CA")
	l.ca = ca.RootPEM()
	names := []string{"redir-literal.test", "redir-mapped.test", "redir-nat64.test", "redir-name.test",
		"inside.redir-name.test", "redir-port.test", "www-inside.test", "www.www-inside.test",
		"rebind.test", "www.rebind.test", "mx-inside.test", "keytrap.test", "mta-sts.mx-inside.test", "implicit-mx.test"}
	cert := ca.Issue(t, tlstest.CertOptions{DNSNames: names})

	// The redirects, by scheme and host ("https:redir-name.test"); they
	// are set once the ports are known, before any request.
	redirects := map[string]string{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.Host)
		scheme := "http:"
		if r.TLS != nil {
			scheme = "https:"
		}
		if loc, ok := redirects[scheme+host]; ok {
			http.Redirect(w, r, loc, http.StatusFound)
			return
		}
		// Formula payloads in what the server controls, for the
		// open data (see noformulas).
		w.Header().Set("Server", "=cmd|' /C calc'!A0")
		w.Header().Set("X-Powered-By", "+SUM(1+1)*cmd|' /C calc'!A0")
		http.SetCookie(w, &http.Cookie{Name: "@SUM(1+1)", Value: "x"})
		fmt.Fprintln(w, "<p>hostile lab</p>")
	})
	quiet := log.New(io.Discard, "", 0) // vigie's probes close many handshakes early
	plain := httptest.NewUnstartedServer(handler)
	plain.Config.ErrorLog = quiet
	plain.Start()
	t.Cleanup(plain.Close)
	secure := httptest.NewUnstartedServer(handler)
	secure.Config.ErrorLog = quiet
	secure.TLS = &tls.Config{Certificates: []tls.Certificate{cert.TLS(false)}}
	secure.StartTLS()
	t.Cleanup(secure.Close)
	l.httpPort = portOf(plain.Listener.Addr())
	l.httpsPort = portOf(secure.Listener.Addr())

	// The SMTP port: a trap on 127.0.0.2 only, on a port free on
	// 127.0.0.1 too (the MX hosts all point inside).
	smtp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.smtpPort = portOf(smtp.Addr())
	smtp.Close()
	other, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l.otherPort = portOf(other.Addr())
	other.Close()

	for _, p := range []int{l.httpPort, l.httpsPort, l.smtpPort} {
		l.trap(t, "127.0.0.2:"+strconv.Itoa(p))
	}
	// A server on an allowed address, on a port a redirect may not
	// lead to.
	l.trap(t, "127.0.0.1:"+strconv.Itoa(l.otherPort))

	hp, hsp := strconv.Itoa(l.httpPort), strconv.Itoa(l.httpsPort)
	for host, loc := range map[string][2]string{
		"redir-literal.test": {"http://127.0.0.2:" + hp + "/", "https://127.0.0.2:" + hsp + "/"},
		"redir-mapped.test":  {"http://[::ffff:127.0.0.2]:" + hp + "/", "https://[::ffff:7f00:2]:" + hsp + "/"},
		"redir-nat64.test":   {"http://[64:ff9b::7f00:2]:" + hp + "/", "https://[64:ff9b::127.0.0.2]:" + hsp + "/"},
		"redir-name.test":    {"http://inside.redir-name.test:" + hp + "/", "https://inside.redir-name.test:" + hsp + "/"},
		"redir-port.test":    {"http://redir-port.test:" + strconv.Itoa(l.otherPort) + "/", "https://redir-port.test:" + strconv.Itoa(l.otherPort) + "/"},
	} {
		redirects["http:"+host] = loc[0]
		redirects["https:"+host] = loc[1]
	}

	// rebind.test answers 127.0.0.1 to its first question of each
	// type, then 127.0.0.2, with a TTL of 0: a guard that trusted
	// the first answer would dial the second.
	var rebinds atomic.Int64
	srv := dnstest.NewServer(t, hostileZone, dnstest.Signed(),
		// keytrap.test: 20 keys sharing its key's tag (under the
		// validator's refusal of large sets) and 8 failing RRSIGs
		// before each good one, on every RRset: the worst a zone can
		// do within the bounds.
		dnstest.KeyTrap("keytrap.test", 20, 8),
		dnstest.Modify(func(req, resp *dns.Msg) {
			for _, rr := range resp.Answer {
				a, ok := rr.(*dns.A)
				if !ok || !strings.HasSuffix(a.Hdr.Name, "rebind.test.") {
					continue
				}
				a.Hdr.Ttl = 0
				if rebinds.Add(1) > 1 {
					a.A = net.ParseIP("127.0.0.2")
				}
			}
		}))
	l.resolver = srv.Addr
	for _, rr := range srv.Anchors() {
		l.anchors += rr.String() + "\n"
	}
	return l
}

func portOf(a net.Addr) int {
	return a.(*net.TCPAddr).Port
}

// TestHostile runs the scripts of testdata/hostile against the hostile
// lab: vigie audit and vigie campaign run must open no connection to the
// refused address (the traps count zero), and must say what they refused.
// "traps N" checks the count. The scripts share one lab and its count: keep
// them to one file, or make the count per script.
func TestHostile(t *testing.T) {
	l := newHostileLab(t)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/hostile",
		Setup: func(env *testscript.Env) error {
			env.Values["lab"] = l
			ca := filepath.Join(env.WorkDir, "ca.pem")
			if err := os.WriteFile(ca, l.ca, 0o644); err != nil {
				return err
			}
			anchor := filepath.Join(env.WorkDir, "anchor.ds")
			if err := os.WriteFile(anchor, []byte(l.anchors), 0o644); err != nil {
				return err
			}
			env.Setenv("ANCHOR", anchor)
			env.Setenv("RESOLVER", l.resolver)
			env.Setenv("HTTP_PORT", strconv.Itoa(l.httpPort))
			env.Setenv("HTTPS_PORT", strconv.Itoa(l.httpsPort))
			env.Setenv("SMTP_PORT", strconv.Itoa(l.smtpPort))
			env.Setenv("SSL_CERT_FILE", ca)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":       cmdExits,
			"auditbounds": cmdAuditBounds,
			"noformulas":  cmdNoFormulas,
			"traps": func(ts *testscript.TestScript, neg bool, args []string) {
				l := ts.Value("lab").(*hostileLab)
				got := l.trapped.Load()
				l.trapMu.Lock()
				log := strings.Join(l.trapLog, " ")
				l.trapMu.Unlock()
				switch {
				case len(args) != 1:
					ts.Fatalf("usage: traps N | traps some")
				case args[0] == "some":
					if got == 0 {
						ts.Fatalf("traps: no connection reached the traps, want some")
					}
				default:
					want, err := strconv.ParseInt(args[0], 10, 64)
					if err != nil {
						ts.Fatalf("traps: %v", err)
					}
					if got != want {
						ts.Fatalf("traps: %d connections reached the traps (%s), want %d", got, log, want)
					}
				}
			},
		},
		RequireExplicitExec: true,
	})
}

// cmdAuditBounds checks the audit printed as JSON on stdout against the
// issue's bounds: it ended within TIMEOUT plus one second and used under
// MAXCPU of CPU.
//
//	auditbounds 10s 1s
func cmdAuditBounds(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: auditbounds TIMEOUT MAXCPU")
	}
	timeout, err1 := time.ParseDuration(args[0])
	maxCPU, err2 := time.ParseDuration(args[1])
	if err1 != nil || err2 != nil {
		ts.Fatalf("auditbounds: %v %v", err1, err2)
	}
	var res struct {
		Domain     string `json:"domain"`
		DurationMS int64  `json:"duration_ms"`
		CPUMS      int64  `json:"cpu_ms"`
	}
	if err := json.Unmarshal([]byte(ts.ReadFile("stdout")), &res); err != nil {
		ts.Fatalf("auditbounds: stdout: %v", err)
	}
	ts.Logf("%s: %d ms, %d ms of CPU", res.Domain, res.DurationMS, res.CPUMS)
	if d := time.Duration(res.DurationMS) * time.Millisecond; d > timeout+time.Second {
		ts.Fatalf("auditbounds: %s took %v, over its %v timeout plus a second", res.Domain, d, timeout)
	}
	if c := time.Duration(res.CPUMS) * time.Millisecond; c >= maxCPU {
		ts.Fatalf("auditbounds: %s used %v of CPU, want under %v", res.Domain, c, maxCPU)
	}
}

// cmdNoFormulas checks that no cell of the CSV files of an export starts
// with a character that a spreadsheet takes for a formula.
//
//	noformulas DIR
func cmdNoFormulas(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: noformulas DIR")
	}
	files, _ := filepath.Glob(filepath.Join(ts.MkAbs(args[0]), "*.csv"))
	if len(files) == 0 {
		ts.Fatalf("noformulas: no CSV file in %s", args[0])
	}
	for _, f := range files {
		r, err := os.Open(f)
		if err != nil {
			ts.Fatalf("noformulas: %v", err)
		}
		rows, err := csv.NewReader(r).ReadAll()
		r.Close()
		if err != nil {
			ts.Fatalf("noformulas: %s: %v", f, err)
		}
		for i, row := range rows {
			for j, cell := range row {
				if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
					// A negative number is a number, not a formula.
					if _, err := strconv.ParseFloat(cell, 64); err == nil {
						continue
					}
					ts.Fatalf("noformulas: %s line %d column %d starts with a formula character: %q", filepath.Base(f), i+1, j+1, cell)
				}
			}
		}
	}
}
