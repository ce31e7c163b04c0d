// Package lab starts a simulated estate of many organisations on
// loopback, all in one process, for campaigns at scale: benchmarks,
// demonstrations and tests that need thousands of targets without the
// internet.
//
// Each organisation has a domain under "test.", its own 127.x.y.z address
// (or one shared with others at a hosting provider, about 30% of them),
// a zone in the lab's single authoritative DNS server (signed or not,
// under a signed root and a signed test.), HTTPS, HTTP and SMTP servers
// on its address, and certificates from the lab's CA. What each one gets
// right or wrong (TLS versions, certificates, headers, redirect, SPF,
// DMARC, STARTTLS, DNSSEC) is drawn from a seed: the same seed gives the
// same estate.
//
//	l, err := lab.Start(ctx, lab.Config{N: 1000, Seed: 1, Dir: "lab"})
//	// audit the domains of lab/targets.csv with l.Resolver, l.CAPEM, l.Anchor
//	defer l.Close()
//
// The name server, the SMTP responder and the CA are the fakes the tests
// use (internal/dnstest, smtptest, tlstest), which do not import testing:
// the lab is only their configuration, at scale.
//
// The real servers of e2e/ (nginx, knot, postfix) check correctness on a
// handful of sites; this lab is for scale: Go's crypto/tls and net/http
// on tens of thousands of sockets. Nothing listens beyond 127.0.0.0/8.
package lab

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/dnstest"
	"vigie.eu/vigie/internal/netdelay"
	"vigie.eu/vigie/internal/tcptest"
)

// Defaults of Config.
const (
	// DefaultDNS is the address of the lab's DNS server; not
	// 127.0.0.53, where systemd-resolved listens.
	DefaultDNS = "127.53.0.1:53"
	// DefaultBase is the address of the first hosting provider; the
	// organisations' addresses follow.
	DefaultBase = "127.1.0.1"
)

// Config says what lab to start.
type Config struct {
	// N is the number of organisations, 1 to 50,000.
	N int
	// Seed draws the estate: names, categories, configurations.
	Seed int64
	// Week moves the estate that many weeks forward: a few
	// organisations change their configuration each week (see
	// Org.Changes); 0 is the estate as drawn.
	Week int
	// Dir, when set, receives targets.csv, changes.csv, resolver.txt,
	// ca.pem and root.ds (created if needed).
	Dir string
	// BaseAddr is the first address given out (hosting providers
	// first, then organisations with their own address, skipping .0
	// and .255); the zero value means DefaultBase. It must be in
	// 127.0.0.0/8.
	BaseAddr netip.Addr
	// DNSAddr is where the DNS server listens, UDP and TCP ("ip:port",
	// port 0 for any free port); "" means DefaultDNS.
	DNSAddr string
	// HTTPPort, HTTPSPort and SMTPPort are the ports of the web and
	// mail servers; 0 means 80, 443 and 25.
	HTTPPort, HTTPSPort, SMTPPort int
	// Shared makes the lab listen with one socket per port, bound to
	// 0.0.0.0 and to the loopback interface (SO_BINDTODEVICE "lo"),
	// instead of one socket per address and port; it is chosen
	// anyway when the limit on open files is too low for the latter
	// and cannot be raised. Connections to an address or port the lab
	// does not serve are reset.
	Shared bool
	// Delay makes every server of the lab answer as across a network:
	// TCP connections (web, HTTPS, SMTP) cost a round trip to open and
	// each byte takes half a round trip each way; each DNS query costs
	// one round trip, over UDP or TCP (the TCP handshake of DNS is not
	// counted). The zero value delays nothing.
	Delay netdelay.Delay
	// Pages gives home pages for the page-load probe to the
	// organisations that serve HTTPS with a valid certificate on an
	// address of their own (see PageTrackers and the others, listed in
	// PagesFile), and serves their third parties under their real
	// names on the address after the organisations'.
	Pages bool
}

// connMargin is the number of descriptors kept for connections.
const connMargin = 4096

// Lab is a running lab.
type Lab struct {
	// Orgs are the organisations, in the order of targets.csv.
	Orgs []*Org
	// Resolver is the DNS server's address ("127.53.0.1:53").
	Resolver string
	// Anchor is the DS record of the lab root's key, in zone-file
	// syntax: the DNSSEC trust anchor (root.ds).
	Anchor string
	// AnchorRR is Anchor as a record.
	AnchorRR dns.RR
	// CAPEM is the lab CA's root certificate (ca.pem, for
	// SSL_CERT_FILE).
	CAPEM []byte
	// TargetsCSV is the content of targets.csv.
	TargetsCSV []byte
	// ChangesCSV is the content of changes.csv: what changed since
	// week 0, one line per change (id, domain, change).
	ChangesCSV []byte
	// IPDataASN and IPDataCountry are the files of IPDataDir.
	IPDataASN, IPDataCountry []byte
	// Addresses is how many addresses serve web and mail.
	Addresses int
	// Listeners is how many TCP listeners the lab holds.
	Listeners int
	// Shared reports that the lab listens with one socket per port on
	// every address of the loopback interface (Config.Shared, or the
	// limit on open files too low for one socket per address and
	// port).
	Shared bool

	httpPort, httpsPort, smtpPort int
	byName                        map[string]*site
	byAddr                        map[netip.Addr]*site
	tlsBase                       *tls.Config

	delay     netdelay.Delay
	listeners []*netdelay.DelayedListener
	// webListeners are those of listeners that serve the web (HTTP and
	// HTTPS), for WebPeaks.
	webListeners []*netdelay.DelayedListener

	cancel    context.CancelFunc
	stopDNS   func()
	web, sweb *http.Server
	smtp      []*tcptest.Server
	wg        sync.WaitGroup
	closeOnce sync.Once
}

// Files written in Config.Dir.
const (
	TargetsFile  = "targets.csv"
	ChangesFile  = "changes.csv"
	ResolverFile = "resolver.txt"
	CAFile       = "ca.pem"
	AnchorFile   = "root.ds"
	// ConnectionsFile is written by "vigie lab" when it stops.
	ConnectionsFile = "connections.tsv"
	// PeaksFile is written by "vigie lab" when it stops and on
	// SIGHUP: the most web connections open at once per address.
	PeaksFile = "peaks.tsv"
)

// Canary is a name the lab's DNS serves, with an address, whatever the
// estate: the name a campaign against the lab checks its resolver with
// (vigie campaign run --canary); any name under it does not exist.
const Canary = "ns1.lab.test"

// Start draws the estate, builds and signs the zones, issues the
// certificates, raises the limit on open files if needed, starts every
// server and writes the files. The lab runs until Close or until ctx ends;
// Close must be called in both cases to wait for its goroutines.
func Start(ctx context.Context, cfg Config) (*Lab, error) {
	if cfg.N < 1 || cfg.N > maxOrgs {
		return nil, fmt.Errorf("lab: %d organisations: want 1 to %d", cfg.N, maxOrgs)
	}
	base := cfg.BaseAddr
	if !base.IsValid() {
		base = netip.MustParseAddr(DefaultBase)
	}
	if !base.Is4() || !base.IsLoopback() {
		return nil, fmt.Errorf("lab: base address %s: want an IPv4 address in 127.0.0.0/8", base)
	}
	dnsAddr := cfg.DNSAddr
	if dnsAddr == "" {
		dnsAddr = DefaultDNS
	}
	dnsAP, err := netip.ParseAddrPort(dnsAddr)
	if err != nil || !dnsAP.Addr().Is4() || !dnsAP.Addr().IsLoopback() {
		return nil, fmt.Errorf("lab: DNS address %q: want 127.x.y.z:PORT", dnsAddr)
	}
	l := &Lab{httpPort: orDefault(cfg.HTTPPort, 80), httpsPort: orDefault(cfg.HTTPSPort, 443), smtpPort: orDefault(cfg.SMTPPort, 25),
		byName: map[string]*site{}, byAddr: map[netip.Addr]*site{}}

	if cfg.Week < 0 {
		return nil, fmt.Errorf("lab: week %d: want 0 or more", cfg.Week)
	}
	e := draw(cfg.N, cfg.Seed, base)
	e.evolve(cfg.Seed, cfg.Week)
	last := e.orgs[len(e.orgs)-1].Addr
	for _, o := range e.orgs {
		last = maxAddr(last, o.Addr)
	}
	if !last.IsLoopback() {
		return nil, fmt.Errorf("lab: %d organisations from %s go beyond 127.255.255.254: choose a lower base address", cfg.N, base)
	}
	if a := dnsAP.Addr(); base.Compare(a) <= 0 && a.Compare(last) <= 0 {
		return nil, fmt.Errorf("lab: DNS address %s is among the organisations' addresses (%s to %s)", a, base, last)
	}
	l.Orgs, l.TargetsCSV, l.ChangesCSV = e.orgs, e.targetsCSV(), e.changesCSV()
	l.IPDataASN, l.IPDataCountry = e.ipData()

	var sites []*site
	for _, o := range e.orgs {
		s := &site{org: o}
		sites = append(sites, s)
		for _, n := range []string{o.Domain, "www." + o.Domain, "mx." + o.Domain} {
			l.byName[n] = s
		}
		if l.byAddr[o.Addr] == nil {
			l.byAddr[o.Addr] = s
		}
	}
	var third *site
	if cfg.Pages {
		if third, err = l.assignPages(sites, last); err != nil {
			return nil, err
		}
		if third.org.Addr == dnsAP.Addr() {
			return nil, fmt.Errorf("lab: DNS address %s is the third parties' address", dnsAP.Addr())
		}
	}
	l.Addresses = len(l.byAddr)
	listeners := 0
	for _, s := range l.byAddr {
		listeners += 2
		if s.org.Provider >= 0 || s.org.Profile.HTTPS {
			listeners++
		}
	}
	l.Listeners = listeners
	// Per-address listeners when the limit on open files allows them;
	// otherwise one listener per port bound to the loopback interface,
	// which needs three descriptors whatever N.
	limErr := raiseFileLimit(uint64(listeners) + 2 + connMargin)
	if cfg.Shared || limErr != nil {
		l.Shared, l.Listeners = true, 3
		if err := raiseFileLimit(3 + 2 + connMargin); err != nil {
			return nil, err
		}
	}

	ns, ds, err := buildZones(ctx, e, dnsAP.Addr(), thirdPartyRecords(third)...)
	if err != nil {
		return nil, fmt.Errorf("lab: zones: %v", err)
	}
	l.AnchorRR, l.Anchor = ds, ds.String()+"\n"
	p, err := newPKI()
	if err != nil {
		return nil, fmt.Errorf("lab: CA: %v", err)
	}
	l.CAPEM = p.rootPEM()
	if err := p.issueAll(sites); err != nil {
		return nil, fmt.Errorf("lab: certificates: %v", err)
	}
	if third != nil {
		if third.cert, err = p.issue(thirdPartyHosts, p.ecKey, CertValid); err != nil {
			return nil, fmt.Errorf("lab: certificates: %v", err)
		}
	}
	l.tlsBase = &tls.Config{GetConfigForClient: func(hello *tls.ClientHelloInfo) (*tls.Config, error) {
		s := l.siteFor(hello.ServerName, hello.Conn.LocalAddr())
		if s == nil {
			return nil, errors.New("no site")
		}
		return p.tlsConfig(s), nil
	}}

	ctx, l.cancel = context.WithCancel(ctx)
	var handler dns.Handler = ns
	if l.delay = cfg.Delay; !l.delay.Zero() {
		handler = dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
			l.delay.Sleep()
			ns.ServeDNS(w, r)
		})
	}
	if l.Resolver, l.stopDNS, err = dnstest.Listen(dnsAddr, handler); err != nil {
		l.cancel()
		// The system's words ("address already in use"), without
		// the fake's name, which means nothing to the user.
		if opErr := (*net.OpError)(nil); errors.As(err, &opErr) {
			err = opErr
		}
		return nil, fmt.Errorf("lab: DNS server on %s: %v", dnsAddr, err)
	}
	quiet := log.New(io.Discard, "", 0)
	l.web = &http.Server{Handler: http.HandlerFunc(l.serveHTTP), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 30 * time.Second, ErrorLog: quiet}
	l.sweb = &http.Server{Handler: http.HandlerFunc(l.serveHTTPS), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 30 * time.Second, ErrorLog: quiet}
	if err := l.listenAll(ctx); err != nil {
		l.Close()
		return nil, err
	}
	context.AfterFunc(ctx, func() { l.Close() })
	if cfg.Dir != "" {
		if err := l.writeFiles(cfg.Dir); err != nil {
			l.Close()
			return nil, err
		}
	}
	return l, nil
}

func orDefault(v, d int) int {
	if v == 0 {
		return d
	}
	return v
}

func maxAddr(a, b netip.Addr) netip.Addr {
	if a.Compare(b) < 0 {
		return b
	}
	return a
}

// listenAll opens the listeners and serves them.
func (l *Lab) listenAll(ctx context.Context) error {
	serve := func(web, sweb, smtp net.Listener) {
		n := len(l.listeners)
		web, sweb = l.delayed(web), l.delayed(sweb)
		for _, dl := range l.listeners[n:] {
			dl.TrackPeaks()
			l.webListeners = append(l.webListeners, dl)
		}
		smtp = l.delayed(smtp)
		if web != nil {
			l.wg.Go(func() { l.web.Serve(web) })
		}
		if sweb != nil {
			l.wg.Go(func() { l.sweb.Serve(tls.NewListener(sweb, l.tlsBase)) })
		}
		if smtp != nil {
			l.smtp = append(l.smtp, tcptest.Start(smtp, l.smtpSession))
		}
	}
	if l.Shared {
		var lns [3]net.Listener
		for i, port := range []int{l.httpPort, l.httpsPort, l.smtpPort} {
			ln, err := listenLoopback(ctx, port)
			if err != nil {
				for _, ln := range lns[:i] {
					ln.Close()
				}
				return err
			}
			lns[i] = &filterListener{Listener: ln, serves: func(a netip.Addr) bool {
				s := l.byAddr[a]
				return s != nil && (port != l.httpsPort || s.org.Provider >= 0 || s.org.Profile.HTTPS)
			}}
		}
		serve(lns[0], lns[1], lns[2])
		return nil
	}
	listen := func(a netip.Addr, port int) (net.Listener, error) {
		ln, err := net.Listen("tcp", netip.AddrPortFrom(a, uint16(port)).String())
		if err != nil {
			return nil, fmt.Errorf("lab: %v", err)
		}
		return ln, nil
	}
	for a, s := range l.byAddr {
		web, err := listen(a, l.httpPort)
		if err != nil {
			return err
		}
		var sweb net.Listener
		if s.org.Provider >= 0 || s.org.Profile.HTTPS {
			if sweb, err = listen(a, l.httpsPort); err != nil {
				web.Close()
				return err
			}
		}
		smtp, err := listen(a, l.smtpPort)
		if err != nil {
			web.Close()
			if sweb != nil {
				sweb.Close()
			}
			return err
		}
		serve(web, sweb, smtp)
	}
	return nil
}

// delayed wraps ln in the lab's delay, and counts its connections; nil
// stays nil.
func (l *Lab) delayed(ln net.Listener) net.Listener {
	if ln == nil {
		return nil
	}
	dl := netdelay.Listener(ln, l.delay)
	l.listeners = append(l.listeners, dl)
	return dl
}

// Connections returns the TCP connections the lab's servers accepted so
// far, per address and port.
func (l *Lab) Connections() map[netip.AddrPort]int64 {
	m := map[netip.AddrPort]int64{}
	for _, dl := range l.listeners {
		dl.Counts(m)
	}
	return m
}

// WebPeaks returns, per address, the most web connections (HTTP and
// HTTPS) that were open at once since the lab started or since the last
// call with reset set: how many audits of one web address ran at once
// is at most this. reset starts the count again.
func (l *Lab) WebPeaks(reset bool) map[netip.Addr]int64 {
	m := map[netip.Addr]int64{}
	for _, dl := range l.webListeners {
		dl.Peaks(m, reset)
	}
	return m
}

// listenLoopback listens on port of every address of the loopback
// interface, and of no other: bound to 0.0.0.0 and to the device "lo".
func listenLoopback(ctx context.Context, port int) (net.Listener, error) {
	lc := net.ListenConfig{Control: func(network, address string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) {
			serr = syscall.SetsockoptString(int(fd), syscall.SOL_SOCKET, syscall.SO_BINDTODEVICE, "lo")
		})
		return errors.Join(err, serr)
	}}
	ln, err := lc.Listen(ctx, "tcp4", net.JoinHostPort("0.0.0.0", strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("lab: port %d on the loopback interface: %v (is another server using port %d on 127.0.0.0/8?)", port, err, port)
	}
	return ln, nil
}

// filterListener accepts only the connections to the addresses it
// serves, and resets the others as a closed port would refuse them.
type filterListener struct {
	net.Listener
	serves func(netip.Addr) bool
}

func (f *filterListener) Accept() (net.Conn, error) {
	for {
		c, err := f.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if ta, ok := c.LocalAddr().(*net.TCPAddr); ok {
			if a, ok := netip.AddrFromSlice(ta.IP); ok && f.serves(a.Unmap()) {
				return c, nil
			}
		}
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0) // RST, as near as can be to a refusal
		}
		c.Close()
	}
}

// Close stops every server and waits for them; it may be called more than
// once.
func (l *Lab) Close() error {
	l.closeOnce.Do(func() {
		l.cancel()
		if l.stopDNS != nil {
			l.stopDNS()
		}
		l.web.Close()
		l.sweb.Close()
		for _, s := range l.smtp {
			s.Close()
		}
		l.wg.Wait()
	})
	return nil
}

// writeFiles writes the lab's files in dir.
func (l *Lab) writeFiles(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("lab: %v", err)
	}
	for name, data := range map[string][]byte{
		TargetsFile:  l.TargetsCSV,
		ChangesFile:  l.ChangesCSV,
		ResolverFile: []byte(l.Resolver + "\n"),
		CAFile:       l.CAPEM,
		AnchorFile:   []byte(l.Anchor),
		PagesFile:    l.pagesTSV(),
	} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return fmt.Errorf("lab: %v", err)
		}
	}
	ipdir := filepath.Join(dir, IPDataDir)
	if err := os.MkdirAll(ipdir, 0o755); err != nil {
		return fmt.Errorf("lab: %v", err)
	}
	for name, data := range map[string][]byte{"asn-ipv4.csv": l.IPDataASN, "country-ipv4.csv": l.IPDataCountry} {
		if err := os.WriteFile(filepath.Join(ipdir, name), data, 0o644); err != nil {
			return fmt.Errorf("lab: %v", err)
		}
	}
	return nil
}

// raiseFileLimit makes sure the process may open need files: it raises
// the soft limit, and the hard one when allowed (root), or explains what
// to do.
func raiseFileLimit(need uint64) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return fmt.Errorf("lab: limit on open files: %v", err)
	}
	if lim.Cur >= need {
		return nil
	}
	want := lim
	want.Cur = need
	if want.Max < need {
		want.Max = need
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want); err == nil {
		return nil
	}
	if lim.Max > lim.Cur {
		want = syscall.Rlimit{Cur: lim.Max, Max: lim.Max}
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &want)
	}
	return fmt.Errorf("lab: this lab needs about %d open files and the limit is %d (hard %d): "+
		"run it as root, raise the limit first (ulimit -n %d, or LimitNOFILE=%d in a systemd unit, "+
		"or nofile in /etc/security/limits.conf), or start fewer organisations",
		need, lim.Cur, lim.Max, need, need)
}

// String describes the lab in one line.
func (l *Lab) String() string {
	return strconv.Itoa(len(l.Orgs)) + " organisations on " + strconv.Itoa(l.Addresses) + " addresses, DNS " + l.Resolver
}
