// Package servicesprobe finds the doors that attacks come through: which
// of a short, documented list of risky TCP ports (remote desktop, file
// sharing, Telnet, databases and caches, container APIs, admin and VPN
// web ports; see DefaultPorts) answer on the addresses an audit meets (the
// domain, www, its MX hosts and a few usual names such as vpn. or
// webmail. that the DNS answers; see DefaultNames), and what answers
// there, lightly identified: SSH and FTP banners, the RDP connection
// confirm and whether network level authentication is required, the SMB
// dialects and whether SMBv1 is on, the VNC protocol and security types,
// whether Redis, memcached, MongoDB, Elasticsearch or a Docker API answer
// without authentication, and the product and version an admin or VPN
// web page shows.
//
// It is opt-in (vigie audit --services, for operators only). It never
// logs in, never sends an exploit, never guesses a password: each
// question it asks is one that any client asks before authenticating, or
// one that a server with authentication refuses. Every connection goes
// through the address guard; it opens at most one connection per port
// and address, plus one for the identification of SMB (the SMBv1
// question), paced per address (Config.Interval), each bounded in time.
//
// It records what it sees and judges nothing: see
// internal/check/servicecheck.
package servicesprobe

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/probe"
)

// Port is one port tried and the service it is known for.
type Port struct {
	Number int
	// Service is the service expected there (see audit.Service.Name).
	Service string
	// NamedOnly ports are tried only on the addresses of usual names
	// (vpn., webmail.), where an appliance's page is expected: the
	// domain's and www's own web is the web probe's.
	NamedOnly bool
}

// DefaultPorts is the documented list of ports tried, chosen from the
// services that CERT-FR's alerts and reports on ransomware name as
// ways in, and from ANSSI's guide on exposing services to the internet:
// remote access and file sharing, cleartext administration, databases
// and caches that are often left without a password, container and
// orchestration APIs, and the usual ports of admin and VPN web pages.
var DefaultPorts = []Port{
	{21, "ftp", false},
	{22, "ssh", false},
	{23, "telnet", false},
	{443, "https", true},
	{445, "smb", false},
	{1433, "mssql", false},
	{2375, "docker", false},
	{3306, "mysql", false},
	{3389, "rdp", false},
	{4443, "https", false},
	{5432, "postgresql", false},
	{5900, "vnc", false},
	{5985, "http", false},
	{6379, "redis", false},
	{6443, "kubernetes", false},
	{8080, "http", false},
	{8443, "https", false},
	{9200, "elasticsearch", false},
	{10000, "https", false},
	{10443, "https", false},
	{11211, "memcached", false},
	{27017, "mongodb", false},
}

// DefaultNames are the usual names of remote access, webmail and
// extranet hosts tried under the domain: each that the DNS answers is
// probed like the domain itself.
var DefaultNames = []string{
	"vpn", "sslvpn", "remote", "webmail", "owa", "mail", "extranet",
	"portail", "citrix", "gateway", "ftp", "rdp",
}

// Config says how to probe.
type Config struct {
	// Lookup resolves host names; nil means probe.SystemLookup.
	Lookup probe.LookupFunc
	// MX returns the MX host names of a domain; nil probes none.
	MX func(ctx context.Context, domain string) ([]string, error)
	// Guard checks every address dialled; nil refuses every address
	// outside the public internet.
	Guard *guard.Guard
	// Ports are the ports tried; nil means DefaultPorts. Tests and
	// labs give their own.
	Ports []Port
	// Names are the usual names tried under the domain; nil means
	// DefaultNames, an empty non-nil slice none.
	Names []string
	// Interval is the least time between two connections to one
	// address; 0 means DefaultInterval.
	Interval time.Duration
	// Timeout bounds each connection and its identification; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// Cache, when set, is shared by the audits of a campaign: an
	// address met by many audited domains (a hosting platform, a mail
	// relay) is probed once.
	Cache *Cache
}

// DefaultInterval paces the connections to one address: 50 a second at
// most.
const DefaultInterval = 20 * time.Millisecond

// DefaultTimeout bounds each connection attempt and each identification.
const DefaultTimeout = 3 * time.Second

// maxAddresses bounds the addresses probed for one domain.
const maxAddresses = 16

// Probe probes domain's addresses and those of its usual names and MX
// hosts. It never returns nil.
func Probe(ctx context.Context, cfg Config, domain string) *audit.ServicesObservation {
	start := time.Now()
	ports := cfg.Ports
	if ports == nil {
		ports = DefaultPorts
	}
	o := &audit.ServicesObservation{}
	for _, p := range ports {
		o.Ports = append(o.Ports, p.Number)
	}
	defer func() { o.DurationMS = time.Since(start).Milliseconds() }()

	hosts := []string{domain, "www." + domain}
	names := cfg.Names
	if names == nil {
		names = DefaultNames
	}
	named := map[string]bool{}
	for _, n := range names {
		h := n + "." + domain
		hosts = append(hosts, h)
		named[h] = true
	}
	if cfg.MX != nil {
		mx, err := cfg.MX(ctx, domain)
		if err == nil {
			for _, h := range mx {
				h = strings.TrimSuffix(strings.ToLower(h), ".")
				if h != "" && h != "." && !slices.Contains(hosts, h) {
					hosts = append(hosts, h)
				}
			}
		}
	}

	// Resolve every host at once; an address is probed once, whatever
	// the names that lead to it.
	type found struct {
		names     []string
		namedOnly bool // every name is a usual name
		sni       string
	}
	var mu sync.Mutex
	addrs := map[netip.Addr]*found{}
	var wg sync.WaitGroup
	d := &probe.Dialer{Lookup: cfg.Lookup}
	for _, h := range hosts {
		wg.Go(func() {
			as, err := d.Resolve(ctx, h)
			if err != nil {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			for _, a := range as {
				f := addrs[a]
				if f == nil {
					f = &found{namedOnly: true}
					addrs[a] = f
				}
				f.names = append(f.names, h)
				if named[h] {
					if f.sni == "" || h < f.sni {
						f.sni = h
					}
				} else {
					f.namedOnly = false
				}
			}
		})
	}
	wg.Wait()
	if ctx.Err() != nil && len(addrs) == 0 {
		o.Error = "servicesprobe: " + ctx.Err().Error()
		return o
	}

	keys := make([]netip.Addr, 0, len(addrs))
	for a := range addrs {
		keys = append(keys, a)
	}
	slices.SortFunc(keys, func(a, b netip.Addr) int { return a.Compare(b) })
	if len(keys) > maxAddresses {
		keys = keys[:maxAddresses]
	}
	o.Addresses = make([]*audit.ServiceAddress, len(keys))
	conns := make([]int, len(keys))
	for i, a := range keys {
		f := addrs[a]
		slices.Sort(f.names)
		f.names = slices.Compact(f.names)
		wg.Go(func() {
			var tried []Port
			for _, p := range ports {
				if !p.NamedOnly || f.sni != "" {
					tried = append(tried, p)
				}
			}
			sa, n := cfg.Cache.probe(ctx, cfg, a, tried, f.sni)
			sa.Names = f.names
			o.Addresses[i], conns[i] = sa, n
		})
	}
	wg.Wait()
	for _, n := range conns {
		o.Connections += n
	}
	return o
}

// Cache keeps what was seen on each address for the audits that share
// it (a campaign's), so that an address is probed once; concurrent
// probes of one address share one. It is safe for concurrent use.
type Cache struct {
	mu      sync.Mutex
	entries map[string]*entry
}

type entry struct {
	done chan struct{}
	sa   audit.ServiceAddress
}

// NewCache returns an empty cache.
func NewCache() *Cache { return &Cache{entries: map[string]*entry{}} }

// cacheLimit bounds the addresses a Cache holds; past it, it starts
// afresh.
const cacheLimit = 1 << 14

// probe probes ports of a, through c when c is not nil. It returns the
// address's observation (a copy, without names) and the connections it
// opened for this call (0 when the cache answered).
func (c *Cache) probe(ctx context.Context, cfg Config, a netip.Addr, ports []Port, sni string) (*audit.ServiceAddress, int) {
	if c == nil {
		return probeAddr(ctx, cfg, a, ports, sni)
	}
	var key strings.Builder
	key.WriteString(a.String())
	key.WriteString("|" + sni)
	c.mu.Lock()
	if len(c.entries) >= cacheLimit {
		c.entries = map[string]*entry{}
	}
	e, ok := c.entries[key.String()]
	if !ok {
		e = &entry{done: make(chan struct{})}
		c.entries[key.String()] = e
	}
	c.mu.Unlock()
	if !ok {
		sa, n := probeAddr(ctx, cfg, a, ports, sni)
		e.sa = *sa
		close(e.done)
		return sa, n
	}
	select {
	case <-e.done:
	case <-ctx.Done():
		return &audit.ServiceAddress{Address: a.String(), Filtered: len(ports)}, 0
	}
	sa := e.sa
	sa.Open = slices.Clone(sa.Open)
	return &sa, 0
}

// probeAddr tries every port of a, one connection each, paced by
// cfg.Interval, and identifies what answers on the same connection (SMB
// takes a second one).
func probeAddr(ctx context.Context, cfg Config, a netip.Addr, ports []Port, sni string) (*audit.ServiceAddress, int) {
	interval := cfg.Interval
	if interval <= 0 {
		interval = DefaultInterval
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	sa := &audit.ServiceAddress{Address: a.String()}
	var mu sync.Mutex
	conns := 0
	var wg sync.WaitGroup
	p := &prober{guard: cfg.Guard, timeout: timeout, sni: sni, addr: a}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for i, port := range ports {
		if i > 0 {
			select {
			case <-tick.C:
			case <-ctx.Done():
			}
		}
		wg.Go(func() {
			svc, state, n := p.port(ctx, port)
			mu.Lock()
			defer mu.Unlock()
			conns += n
			switch state {
			case stateOpen:
				sa.Open = append(sa.Open, svc)
			case stateClosed:
				sa.Closed++
			case stateRefused:
				sa.Refused++
			default:
				sa.Filtered++
			}
		})
	}
	wg.Wait()
	slices.SortFunc(sa.Open, func(x, y *audit.Service) int { return x.Port - y.Port })
	return sa, conns
}

type state int

const (
	stateFiltered state = iota
	stateOpen
	stateClosed
	stateRefused
)

// prober dials the ports of one address.
type prober struct {
	guard   *guard.Guard
	timeout time.Duration
	sni     string
	addr    netip.Addr
}

// dial opens one connection to port, bounded by the prober's timeout.
func (p *prober) dial(ctx context.Context, port int) (net.Conn, state, error) {
	dctx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	ap := netip.AddrPortFrom(p.addr, uint16(port))
	c, err := p.guard.DialIP(dctx, p.guard.Dialer(), "tcp", ap)
	if err == nil {
		return c, stateOpen, nil
	}
	var re *guard.RefusedError
	switch {
	case errors.As(err, &re):
		return nil, stateRefused, err
	case errors.Is(err, syscall.ECONNREFUSED):
		return nil, stateClosed, err
	}
	return nil, stateFiltered, err
}

// port tries one port and identifies what answers. It returns the
// service (nil unless open), the port's state and the connections it
// opened.
func (p *prober) port(ctx context.Context, port Port) (*audit.Service, state, int) {
	c, st, _ := p.dial(ctx, port.Number)
	if st == stateRefused {
		return nil, st, 0
	}
	if c == nil {
		return nil, st, 1
	}
	svc := &audit.Service{Port: port.Number, Name: port.Service, Expected: port.Service}
	ictx, cancel := context.WithTimeout(ctx, p.timeout)
	defer cancel()
	extra := identify(ictx, p, c, svc)
	return svc, stateOpen, 1 + extra
}
