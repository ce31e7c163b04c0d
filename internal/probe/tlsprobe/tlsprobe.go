// Package tlsprobe finds out what TLS a server speaks: which protocol
// versions (SSLv3 to TLS 1.3) and cipher suites it accepts, whether it
// imposes its order, which key-exchange groups it supports (the hybrid
// post-quantum ones included), whether it supports secure renegotiation and
// the extended master secret, and which certificate chain it sends.
//
// Versions, suites and groups are found with raw ClientHello messages,
// built here with golang.org/x/crypto/cryptobyte: the probe reads the
// server's ServerHello (or alert) and closes the connection, so it can
// offer what Go's crypto/tls no longer speaks (SSLv3, EXPORT, RC4,
// anonymous suites). The certificate chain, ALPN and OCSP stapling come
// from a normal handshake with crypto/tls.
//
// The probe records what it sees and never judges it: see
// internal/check/tlscheck for the judgement.
package tlsprobe

import (
	"context"
	"crypto/ecdh"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/probe"
)

// Config says how to probe.
type Config struct {
	// Lookup resolves host names; nil means the system resolver.
	Lookup probe.LookupFunc
	// Guard checks every address dialled; nil refuses the addresses
	// that are not on the public internet (see package guard).
	Guard *guard.Guard
	// Roots are the trusted roots; nil means the system roots (or
	// the file named by SSL_CERT_FILE).
	Roots *x509.CertPool
	// RootsName is recorded in CertVerification.Roots; "" with nil
	// Roots means "system".
	RootsName string
	// Now gives the verification time; nil means time.Now.
	Now func() time.Time
	// Timeout bounds each connection, from dial to last byte read;
	// 0 means 5s.
	Timeout time.Duration
	// Parallel is how many connections the probe opens at once to
	// the address; 0 means 8.
	Parallel int
	// Upgrade, when set, runs on every connection just after it is
	// dialled and before any TLS byte is sent, to bring it to the
	// point where TLS starts (SMTP STARTTLS, for instance). It must
	// respect ctx and leave no byte of the server's unread.
	Upgrade func(ctx context.Context, conn net.Conn) error
	// Warm is how many connections, dialled and upgraded, the probe
	// keeps ready ahead of its hellos (within Parallel): most hellos
	// wait for the answer to the one before, and with Upgrade a new
	// connection costs several round trips (TCP, banner, EHLO,
	// STARTTLS) that a ready one spares. A ready connection left at
	// the end is closed unused. 0 means none.
	Warm int
	// Cache, when set, shares enumerations between the audits of a
	// campaign (see Cache); CacheKind tells apart the ways TLS is
	// reached on one address and port ("smtp" for STARTTLS), and
	// Auditing names the domain of the audit, recorded in what others
	// take (SharedFrom).
	Cache     *Cache
	CacheKind string
	Auditing  string
}

// Probe probes host on port: it resolves host with cfg.Lookup and probes
// the first IPv4 address (the first address when there is no IPv4). It
// never returns nil: when no TLS could be spoken at all, the
// observation's Error says why.
func Probe(ctx context.Context, cfg Config, host string, port int) *audit.TLSObservation {
	obs := &audit.TLSObservation{Host: host, Port: port}
	p := newProber(ctx, cfg, host, port, obs)
	if p == nil {
		return obs
	}
	defer p.stopWarming()
	cfg.Cache.probe(ctx, p, obs)
	return obs
}

// newProber resolves host and prepares the probe of its first address
// that the guard allows; nil, with obs.Error set, when there is none.
func newProber(ctx context.Context, cfg Config, host string, port int, obs *audit.TLSObservation) *prober {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 8
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RootsName == "" && cfg.Roots == nil {
		cfg.RootsName = "system"
	}
	d := probe.Dialer{Lookup: cfg.Lookup, Guard: cfg.Guard}
	addrs, err := d.Resolve(ctx, host)
	if err != nil {
		obs.Error = fmt.Sprintf("tlsprobe: %s: %v", host, err)
		return nil
	}
	// The first address the guard allows: one refused address is not
	// dialled, and is not a reason to leave the others unprobed.
	var addr netip.AddrPort
	for _, a := range addrs {
		ap := netip.AddrPortFrom(a, uint16(port))
		if err = cfg.Guard.CheckAddrPort(ap); err == nil {
			addr = ap
			break
		}
	}
	if !addr.IsValid() {
		obs.Address = probe.HostPort(addrs[0].String(), port)
		obs.Error = fmt.Sprintf("tlsprobe: %s: %v", host, err)
		return nil
	}
	p := &prober{
		cfg:  cfg,
		host: host,
		addr: addr.String(),
		sem:  make(chan struct{}, cfg.Parallel),
	}
	obs.Address = p.addr
	if _, err := netip.ParseAddr(host); err != nil {
		p.serverName = host
	}
	key, err := ecdh.X25519().GenerateKey(rand.Reader)
	if err != nil {
		obs.Error = "tlsprobe: " + err.Error()
		return nil
	}
	p.keyShare = key.PublicKey().Bytes()
	if cfg.Warm > 0 {
		p.spares, p.warmCtx = make(chan spare, min(cfg.Warm, cfg.Parallel)), ctx
	}
	return p
}

// prober holds one probe of one address.
type prober struct {
	cfg        Config
	host       string
	serverName string // host when it is a name, for SNI
	addr       string // "ip:port"
	keyShare   []byte // X25519 public key for TLS 1.3 hellos
	sem        chan struct{}

	// Connections kept ready (Config.Warm): spares holds them, made by
	// goroutines of warming under warmCtx; warmMu guards warmStop and
	// warmInFlight.
	spares       chan spare
	warmCtx      context.Context
	warming      sync.WaitGroup
	warmMu       sync.Mutex
	warmStop     bool
	warmInFlight int
}

// spare is a connection made ready ahead of its hello.
type spare struct {
	conn    net.Conn
	release func()
	made    time.Time
}

// versionResult is what the probe found for one protocol version.
type versionResult struct {
	proto audit.TLSProtocol
	// first is the answer to the first hello, read to the end of the
	// server's first flight.
	first *response
	// tls says whether the server answered in TLS at all (a
	// ServerHello or an alert), and err why not.
	tls bool
	err error
}

var versions = []struct {
	v    uint16
	name string
}{
	{versionSSL30, audit.SSL30},
	{versionTLS10, audit.TLS10},
	{versionTLS11, audit.TLS11},
	{versionTLS12, audit.TLS12},
	{versionTLS13, audit.TLS13},
}

func (p *prober) run(ctx context.Context, obs *audit.TLSObservation) {
	var (
		wg      probe.Group
		results = make([]versionResult, len(versions))
		groups  []string
		gErr    error
		state   *tls.ConnectionState
		hsErr   error
	)
	for i, v := range versions {
		wg.Go(func() {
			var onAccept func()
			if v.v == versionTLS13 {
				// Groups are found by HelloRetryRequest, as soon
				// as TLS 1.3 is known to work, beside the
				// enumeration of its suites: each is a sequence
				// of hellos that waits for the one before.
				onAccept = func() { wg.Go(func() { groups, gErr = p.groups13(ctx) }) }
			}
			results[i] = p.protocol(ctx, v.v, v.name, onAccept)
		})
	}
	wg.Go(func() { state, hsErr = p.handshake(ctx) })
	wg.Wait()

	anyTLS := state != nil
	var firstErr error
	for _, r := range results {
		anyTLS = anyTLS || r.tls
		if firstErr == nil || errors.Is(firstErr, errClosed) && r.err != nil {
			firstErr = r.err
		}
	}
	if !anyTLS {
		if firstErr == nil {
			firstErr = hsErr
		}
		obs.Error = fmt.Sprintf("tlsprobe: %s: no TLS answer: %v", p.addr, firstErr)
		return
	}
	for _, r := range results {
		obs.Protocols = append(obs.Protocols, r.proto)
	}

	// Renegotiation and EMS, from the highest version up to TLS 1.2
	// (RFC 5746 section 3.6, RFC 7627 section 5.2).
	var legacy *versionResult
	for i := len(results) - 2; i >= 0; i-- {
		if results[i].proto.Accepted && results[i].first != nil {
			legacy = &results[i]
			break
		}
	}
	if legacy != nil {
		reneg := legacy.first.hello.renegotiationInfo
		ems := legacy.first.hello.extendedMasterSecret
		obs.SecureRenegotiation, obs.ExtendedMasterSecret = &reneg, &ems
	}
	if !results[len(results)-1].proto.Accepted && legacy != nil {
		groups, gErr = p.groups12(ctx, legacy)
	}
	obs.Groups = groups
	if gErr != nil {
		obs.GroupsError = "tlsprobe: groups: " + gErr.Error()
	}

	if state != nil {
		p.describeHandshake(obs, state)
		return
	}
	obs.HandshakeError = hsErr.Error()
	// Go refused what the server speaks: take the chain from the raw
	// hello of the highest version that sent one.
	var chain []*x509.Certificate
	for i := len(results) - 1; i >= 0 && chain == nil; i-- {
		if f := results[i].first; f != nil && len(f.certificates) > 0 {
			for _, der := range f.certificates {
				c, err := x509.ParseCertificate(der)
				if err != nil {
					chain = nil
					break
				}
				chain = append(chain, c)
			}
		}
	}
	p.describeChain(obs, chain)
}

// describeHandshake records what the normal handshake negotiated, and
// its certificate chain.
func (p *prober) describeHandshake(obs *audit.TLSObservation, state *tls.ConnectionState) {
	obs.Handshake = &audit.TLSHandshake{
		Version:     versionName(state.Version),
		CipherSuite: tls.CipherSuiteName(state.CipherSuite),
		ALPN:        state.NegotiatedProtocol,
	}
	if state.CurveID != 0 {
		obs.Handshake.Group = groupName(uint16(state.CurveID))
	}
	obs.OCSPStapled = len(state.OCSPResponse) > 0
	p.describeChain(obs, state.PeerCertificates)
}

// describeChain records chain and its verification for the probe's
// host.
func (p *prober) describeChain(obs *audit.TLSObservation, chain []*x509.Certificate) {
	if len(chain) == 0 {
		return
	}
	for _, c := range chain {
		obs.Certificates = append(obs.Certificates, describeCertificate(c))
	}
	roots := p.cfg.Roots
	if roots == nil {
		var err error
		roots, err = x509.SystemCertPool()
		if err != nil {
			roots = x509.NewCertPool()
		}
	}
	obs.Verification = verifyChain(chain, p.host, roots, p.cfg.RootsName, p.cfg.Now())
}

// protocol finds whether the server accepts version v and with which
// suites. It calls onAccept, when not nil, as soon as a hello of version v
// is accepted.
func (p *prober) protocol(ctx context.Context, v uint16, name string, onAccept func()) versionResult {
	res := versionResult{proto: audit.TLSProtocol{Version: name}}
	candidates := offered(v)
	var resp *response
	var err error
	if v == versionTLS13 {
		resp, err = p.suiteHello(ctx, v, candidates)
	} else {
		resp, err = p.exchange(ctx, p.hello(v, candidates), true)
	}
	if errors.Is(err, errClosed) && len(candidates) > smallHello {
		// Some stacks close the connection on a long hello rather
		// than refuse it: try again with a short one.
		short, err2 := p.exchange(ctx, p.hello(v, candidates[:smallHello]), v < versionTLS13)
		if err2 == nil {
			return p.chunked(ctx, v, name, candidates, short, onAccept)
		}
	}
	switch {
	case errors.Is(err, errClosed):
		// Closing without a word is a common way to refuse an old
		// version; count it as a refusal.
		res.err = err
		return res
	case err != nil:
		res.err = err
		res.proto.Error = fmt.Sprintf("tlsprobe: %s hello: %v", name, err)
		return res
	}
	res.tls = true
	if !accepted(resp, v) {
		return res
	}
	res.first = resp
	res.proto.Accepted = true
	if onAccept != nil {
		onAccept()
	}
	chosen, err := p.enumerate(ctx, v, candidates, resp.hello.suite)
	if err != nil {
		res.proto.Error = fmt.Sprintf("tlsprobe: %s suites: %v", name, err)
	}
	res.proto.ServerOrder, chosen, err = p.order(ctx, v, chosen, false)
	if err != nil && res.proto.Error == "" {
		res.proto.Error = fmt.Sprintf("tlsprobe: %s order: %v", name, err)
	}
	for _, id := range chosen {
		res.proto.Suites = append(res.proto.Suites, suiteFor(id))
	}
	return res
}

// smallHello is the number of suites in a hello short enough for picky
// stacks.
const smallHello = 32

// chunked enumerates the suites of version v in hellos of at most
// smallHello suites, for a server that refuses longer ones. first is the
// answer to the first short hello; onAccept is protocol's.
func (p *prober) chunked(ctx context.Context, v uint16, name string, candidates []uint16, first *response, onAccept func()) versionResult {
	res := versionResult{proto: audit.TLSProtocol{Version: name}, tls: true}
	var all []uint16
	var errs []error
	for i := 0; i < len(candidates); i += smallHello {
		chunk := candidates[i:min(i+smallHello, len(candidates))]
		resp := first
		if i > 0 {
			var err error
			resp, err = p.exchange(ctx, p.hello(v, chunk), v < versionTLS13)
			if err != nil && !errors.Is(err, errClosed) {
				errs = append(errs, err)
				continue
			}
		}
		if !accepted(resp, v) {
			continue
		}
		if res.first == nil {
			res.first = resp
			if onAccept != nil {
				onAccept()
			}
		}
		chosen, err := p.enumerate(ctx, v, chunk, resp.hello.suite)
		if err != nil {
			errs = append(errs, err)
		}
		all = append(all, chosen...)
	}
	if len(all) > 0 {
		res.proto.Accepted = true
		var err error
		res.proto.ServerOrder, all, err = p.order(ctx, v, all, true)
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		res.proto.Error = fmt.Sprintf("tlsprobe: %s suites: %v", name, errors.Join(errs...))
	}
	for _, id := range all {
		res.proto.Suites = append(res.proto.Suites, suiteFor(id))
	}
	return res
}

// accepted says whether resp is a ServerHello for version v.
func accepted(resp *response, v uint16) bool {
	return resp != nil && resp.hello != nil && resp.hello.version == v
}

// enumerate finds the suites of candidates that the server accepts in
// version v: it offers them all, notes the one chosen, removes it and
// offers the rest again, until the server refuses. first is the suite
// the server chose from the whole list. The result is in the order the
// server chose them.
func (p *prober) enumerate(ctx context.Context, v uint16, candidates []uint16, first uint16) ([]uint16, error) {
	chosen := []uint16{first}
	rest := slices.Clone(candidates)
	for {
		i := slices.Index(rest, chosen[len(chosen)-1])
		if i < 0 {
			return chosen[:len(chosen)-1], fmt.Errorf("the server chose %s, which was not offered", suiteFor(chosen[len(chosen)-1]).Name)
		}
		rest = slices.Delete(rest, i, i+1)
		if len(rest) == 0 {
			return chosen, nil
		}
		resp, err := p.suiteHello(ctx, v, rest)
		if errors.Is(err, errClosed) {
			return chosen, nil
		}
		if err != nil {
			return chosen, err
		}
		if !accepted(resp, v) {
			return chosen, nil
		}
		chosen = append(chosen, resp.hello.suite)
	}
}

// order tells whether the server imposes its own order on the suites it
// accepts (chosen, in the order the server chose them from the probe's
// list): it offers them reversed and sees whether the server still picks
// the first. With sort set, the chosen list did not come from one
// sequence of hellos (it was enumerated in chunks) and, when the server
// imposes its order, is put in that order with one more sequence.
func (p *prober) order(ctx context.Context, v uint16, chosen []uint16, sort bool) (*bool, []uint16, error) {
	if len(chosen) < 2 {
		return nil, chosen, nil
	}
	reversed := slices.Clone(chosen)
	slices.Reverse(reversed)
	resp, err := p.suiteHello(ctx, v, reversed)
	if err != nil {
		return nil, chosen, err
	}
	if !accepted(resp, v) {
		return nil, chosen, errors.New("refused a hello of suites it had accepted")
	}
	server := resp.hello.suite != reversed[0]
	if server && sort {
		ordered, err := p.enumerate(ctx, v, chosen, resp.hello.suite)
		if err != nil || len(ordered) != len(chosen) {
			return &server, chosen, err
		}
		chosen = ordered
	}
	return &server, chosen, nil
}

// groups13 finds the TLS 1.3 groups the server supports: hellos with an
// empty key_share and the groups left in supported_groups make the server
// name its choice in a HelloRetryRequest (RFC 8446 section 4.1.4); each
// named group is removed and the rest offered again.
func (p *prober) groups13(ctx context.Context) ([]string, error) {
	suites := offered(versionTLS13)
	var found []string
	rest := slices.Clone(groups13)
	for len(rest) > 0 {
		resp, err := p.exchange(ctx, p.retryHello(suites, rest), false)
		if errors.Is(err, errClosed) {
			return found, nil
		}
		if err != nil {
			return found, err
		}
		if !accepted(resp, versionTLS13) {
			return found, nil
		}
		i := slices.Index(rest, resp.hello.group)
		if i < 0 {
			return found, fmt.Errorf("the server chose group %s, which was not offered", groupName(resp.hello.group))
		}
		found = append(found, groupName(rest[i]))
		rest = slices.Delete(rest, i, i+1)
	}
	return found, nil
}

// groups12 finds the elliptic curves of a server without TLS 1.3: it
// offers the ECDHE suites the server accepted with the curves left, and
// reads the curve from the ServerKeyExchange (RFC 8422 section 5.4).
func (p *prober) groups12(ctx context.Context, r *versionResult) ([]string, error) {
	var suites []uint16
	for _, s := range r.proto.Suites {
		if s.KeyExchange == "ECDHE" {
			suites = append(suites, s.ID)
		}
	}
	if len(suites) == 0 {
		return nil, nil
	}
	v := r.first.hello.version
	var found []string
	rest := slices.Clone(groups12)
	for len(rest) > 0 {
		h := p.hello(v, suites)
		h.groups = rest
		resp, err := p.exchange(ctx, h, true)
		if errors.Is(err, errClosed) {
			return found, nil
		}
		if err != nil {
			return found, err
		}
		if !accepted(resp, v) || resp.curve == 0 {
			return found, nil
		}
		i := slices.Index(rest, resp.curve)
		if i < 0 {
			return found, fmt.Errorf("the server chose curve %s, which was not offered", groupName(resp.curve))
		}
		found = append(found, groupName(rest[i]))
		rest = slices.Delete(rest, i, i+1)
	}
	return found, nil
}

// suiteHello offers suites in version v, for the suite the server
// chooses. In TLS 1.3 the hello goes first without a key share: the
// server names the suite it chose in a HelloRetryRequest (RFC 8446
// section 4.1.4) and makes neither a key nor a signature, which spares
// it most of the cost of the probe's hellos. A refusal is checked with a
// hello that has a key share, for a server that does not answer the
// first kind as it should.
func (p *prober) suiteHello(ctx context.Context, v uint16, suites []uint16) (*response, error) {
	if v != versionTLS13 {
		return p.exchange(ctx, p.hello(v, suites), false)
	}
	resp, err := p.exchange(ctx, p.retryHello(suites, helloGroups), false)
	if err == nil && accepted(resp, v) || err != nil && !errors.Is(err, errClosed) {
		return resp, err
	}
	return p.exchange(ctx, p.hello(v, suites), false)
}

// hello returns a ClientHello for version v offering suites.
func (p *prober) hello(v uint16, suites []uint16) *hello {
	h := &hello{version: v, suites: suites, groups: helloGroups, serverName: p.serverName}
	if v == versionTLS13 {
		h.keyShare = p.keyShare
	}
	rand.Read(h.random[:])
	return h
}

// retryHello returns a TLS 1.3 ClientHello offering suites and groups
// with an empty key_share, which a server answers with a
// HelloRetryRequest naming the suite and the group it chose (RFC 8446
// section 4.1.4).
func (p *prober) retryHello(suites, groups []uint16) *hello {
	h := p.hello(versionTLS13, suites)
	h.groups = groups
	h.keyShare = nil
	return h
}

// connect returns a connection ready for a hello: a spare when one is
// ready and young enough (warm is then true), a new one otherwise; it
// starts making the next spare.
func (p *prober) connect(ctx context.Context) (conn net.Conn, release func(), warm bool, err error) {
	if p.spares == nil {
		conn, release, err = p.dial(ctx)
		return conn, release, false, err
	}
	defer p.warm()
	young := func(s spare) bool {
		if time.Since(s.made) < p.cfg.Timeout/2 {
			return true
		}
		s.release()
		return false
	}
	for {
		select {
		case s := <-p.spares:
			if young(s) {
				return s.conn, s.release, true, nil
			}
			continue
		default:
		}
		// No spare ready: a slot to dial, or the spare that a slot's
		// holder is making, whichever comes first (waiting for a slot
		// alone would wait forever when spares hold every slot).
		select {
		case s := <-p.spares:
			if young(s) {
				return s.conn, s.release, true, nil
			}
			continue
		case p.sem <- struct{}{}:
			conn, release, err = p.dialHeld(ctx)
			return conn, release, false, err
		case <-ctx.Done():
			return nil, nil, false, ctx.Err()
		}
	}
}

// warm starts making one spare connection, unless enough are ready or
// being made.
func (p *prober) warm() {
	p.warmMu.Lock()
	defer p.warmMu.Unlock()
	if p.warmStop || len(p.spares)+p.warmInFlight >= cap(p.spares) {
		return
	}
	p.warmInFlight++
	p.warming.Go(func() {
		conn, release, err := p.dial(p.warmCtx)
		p.warmMu.Lock()
		defer p.warmMu.Unlock()
		p.warmInFlight--
		if err != nil {
			return
		}
		if p.warmStop {
			release()
			return
		}
		select {
		case p.spares <- spare{conn: conn, release: release, made: time.Now()}:
		default:
			release()
		}
	})
}

// stopWarming waits for the spares being made and closes every spare.
func (p *prober) stopWarming() {
	p.warmMu.Lock()
	p.warmStop = true
	p.warmMu.Unlock()
	p.warming.Wait()
	for {
		select {
		case s := <-p.spares:
			s.release()
		default:
			return
		}
	}
}

// dial opens a connection to the address, with the deadline of ctx, and
// runs cfg.Upgrade on it. It holds a slot of the semaphore until release
// is called.
func (p *prober) dial(ctx context.Context) (net.Conn, func(), error) {
	select {
	case p.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, ctx.Err()
	}
	return p.dialHeld(ctx)
}

// dialHeld is dial once the caller holds a slot of p.sem, which the
// returned release (or a failure) gives back.
func (p *prober) dialHeld(ctx context.Context) (net.Conn, func(), error) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.Timeout)
	conn, err := p.cfg.Guard.DialContext(ctx, "tcp", p.addr)
	if err != nil {
		cancel()
		<-p.sem
		return nil, nil, err
	}
	deadline, _ := ctx.Deadline()
	conn.SetDeadline(deadline)
	// A cancelled ctx unblocks reads and writes at once.
	stop := context.AfterFunc(ctx, func() { conn.SetDeadline(time.Unix(1, 0)) })
	release := func() {
		stop()
		conn.Close()
		cancel()
		<-p.sem
	}
	if p.cfg.Upgrade != nil {
		if err := p.cfg.Upgrade(ctx, conn); err != nil {
			release()
			return nil, nil, fmt.Errorf("upgrade: %w", err)
		}
	}
	return conn, release, nil
}

// exchange sends one ClientHello on a new connection and reads the answer
// (see readResponse for wholeFlight).
func (p *prober) exchange(ctx context.Context, h *hello, wholeFlight bool) (*response, error) {
	conn, release, warm, err := p.connect(ctx)
	if err != nil {
		return nil, err
	}
	resp, err := p.send(conn, h, wholeFlight)
	release()
	if warm && err != nil {
		// A ready connection the server may have dropped while it
		// waited: a refusal is only believed on a new one.
		if conn, release, err = p.dial(ctx); err != nil {
			return nil, err
		}
		defer release()
		return p.send(conn, h, wholeFlight)
	}
	return resp, err
}

// send writes hello h on conn and reads the answer.
func (p *prober) send(conn net.Conn, h *hello, wholeFlight bool) (*response, error) {
	if _, err := conn.Write(h.marshal()); err != nil {
		if isReset(err) {
			return nil, errClosed
		}
		return nil, err
	}
	return readResponse(conn, wholeFlight)
}

// handshake runs a normal handshake with crypto/tls. It does not verify
// the chain: the probe does, to record why it fails.
func (p *prober) handshake(ctx context.Context) (*tls.ConnectionState, error) {
	conn, release, err := p.dial(ctx)
	if err != nil {
		return nil, fmt.Errorf("tlsprobe: %w", err)
	}
	defer release()
	tc := tls.Client(conn, &tls.Config{
		ServerName:         p.host,
		InsecureSkipVerify: true,
		NextProtos:         []string{"h2", "http/1.1"},
		MinVersion:         tls.VersionTLS10,
		// Classical groups only: the hybrid post-quantum key share
		// doubles the CPU of a handshake on both sides, and whether the
		// server accepts X25519MLKEM768 is already known from the group
		// enumeration (TLSObservation.Groups).
		CurvePreferences: []tls.CurveID{tls.X25519, tls.CurveP256, tls.CurveP384, tls.CurveP521},
	})
	if err := tc.HandshakeContext(ctx); err != nil {
		return nil, fmt.Errorf("tlsprobe: handshake: %w", err)
	}
	st := tc.ConnectionState()
	return &st, nil
}

func isReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// versionName names a protocol version as audit does.
func versionName(v uint16) string {
	for _, x := range versions {
		if x.v == v {
			return x.name
		}
	}
	return "0x" + strconv.FormatUint(uint64(v), 16)
}
