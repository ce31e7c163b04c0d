// Package tlstest starts TLS servers on 127.0.0.1 for tests, with chosen
// protocol versions, cipher suites, groups and certificates, and issues
// those certificates from a test CA. It also starts servers that
// misbehave: one that never answers, one that answers garbage, one that
// drips bytes, one that closes at once.
//
// The servers are Go's crypto/tls, which still serves TLS 1.0 and 1.1,
// static RSA key exchange, 3DES and RC4 when configured to; it does not
// serve SSLv3, DHE, EXPORT, NULL or anonymous suites, so tests of those
// need another stack (nginx with OpenSSL refuses 3DES and SSLv3 too).
//
// The CA (CreateCA, CA.Create) is also the lab's (internal/lab): like
// net/http/httptest, the package does not import testing, so that the
// vigie binary may link it. The wrappers that fail a test on error
// (NewServer, NewCA, CA.Issue) take a TB, which every testing.TB is.
package tlstest

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
	"vigie.eu/vigie/internal/tcptest"
)

// Options configures a TLS server.
type Options struct {
	// MinVersion and MaxVersion bound the protocol versions
	// (tls.VersionTLS10 ...); zero means TLS 1.2 and TLS 1.3.
	MinVersion, MaxVersion uint16
	// CipherSuites are the TLS 1.0 to 1.2 suites served, in the
	// server's order of preference; nil means Go's defaults and Go's
	// own choice. Insecure suites (tls.InsecureCipherSuites) are
	// served when listed. TLS 1.3 suites cannot be chosen.
	CipherSuites []uint16
	// ClientOrder makes the server pick the first of the client's
	// suites that it serves, instead of its own first (only with
	// CipherSuites).
	ClientOrder bool
	// CurvePreferences are the key-exchange groups served; nil means
	// Go's defaults (X25519MLKEM768 and the classic curves).
	CurvePreferences []tls.CurveID
	// Cert is the server's certificate; nil means one issued by a new
	// CA (Server.CA) for localhost and 127.0.0.1.
	Cert *Cert
	// OmitIntermediates sends the leaf alone, as a misconfigured
	// server does.
	OmitIntermediates bool
	// OCSPStaple, when set, is stapled to every handshake.
	OCSPStaple []byte
}

// Server is a running TLS server.
type Server struct {
	// Addr is "127.0.0.1:port".
	Addr string
	// Port is the port it listens on.
	Port int
	// CA issued the default certificate; nil when Options.Cert was
	// given.
	CA *CA
	// Cert is the certificate served.
	Cert *Cert
	// Config is the server's configuration.
	Config *tls.Config
}

// NewServer starts a TLS server on 127.0.0.1 that completes handshakes
// and closes the connections. It stops when the test ends.
func NewServer(t TB, opts Options) *Server {
	t.Helper()
	s := &Server{Cert: opts.Cert}
	if s.Cert == nil {
		s.CA = NewCA(t, t.Name())
		s.Cert = s.CA.Issue(t, CertOptions{})
	}
	cfg := &tls.Config{
		MinVersion:       opts.MinVersion,
		MaxVersion:       opts.MaxVersion,
		CipherSuites:     opts.CipherSuites,
		CurvePreferences: opts.CurvePreferences,
		Certificates:     []tls.Certificate{s.Cert.TLS(opts.OmitIntermediates)},
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	if cfg.MaxVersion == 0 {
		cfg.MaxVersion = tls.VersionTLS13
	}
	cfg.Certificates[0].OCSPStaple = opts.OCSPStaple
	if len(opts.CipherSuites) > 0 {
		base := cfg.Clone()
		_, ecKey := s.Cert.Key.(*ecdsa.PrivateKey)
		cfg.GetConfigForClient = func(hi *tls.ClientHelloInfo) (*tls.Config, error) {
			v := mutualVersion(hi.SupportedVersions, base.MinVersion, base.MaxVersion)
			pick := pickSuite(hi.CipherSuites, opts.CipherSuites, opts.ClientOrder, v, ecKey)
			if pick == 0 {
				return nil, nil // crypto/tls refuses with its own alert
			}
			c := base.Clone()
			c.CipherSuites = []uint16{pick}
			return c, nil
		}
	}
	s.Config = cfg
	s.Addr = tcptest.Serve(t, "", func(ctx context.Context, conn net.Conn) {
		tc := tls.Server(conn, cfg)
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		tc.HandshakeContext(ctx)
	}).String()
	_, port, _ := net.SplitHostPort(s.Addr)
	s.Port, _ = strconv.Atoi(port)
	return s
}

var suiteInfo = func() map[uint16]*tls.CipherSuite {
	m := map[uint16]*tls.CipherSuite{}
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		m[s.ID] = s
	}
	return m
}()

// mutualVersion is the version crypto/tls will negotiate: the highest the
// client offers within [lo, hi].
func mutualVersion(client []uint16, lo, hi uint16) uint16 {
	var best uint16
	for _, v := range client {
		if v >= lo && v <= hi && v > best {
			best = v
		}
	}
	return best
}

// pickSuite chooses the suite, by the server's order (served) or the
// client's, among those that fit version v and the certificate's key.
func pickSuite(offered, served []uint16, clientOrder bool, v uint16, ecKey bool) uint16 {
	fits := func(id uint16) bool {
		s, ok := suiteInfo[id]
		if !ok || !slices.Contains(s.SupportedVersions, v) {
			return false
		}
		return strings.Contains(s.Name, "_ECDSA_") == ecKey
	}
	first, second := served, offered
	if clientOrder {
		first, second = offered, served
	}
	for _, id := range first {
		if slices.Contains(second, id) && fits(id) {
			return id
		}
	}
	return 0
}

// NewRawServer starts a TCP server on 127.0.0.1 that runs handle for each
// connection (see Hang, Reply, Drip, CloseAtOnce) and returns its
// address. Connections are closed when handle returns or the test ends.
func NewRawServer(t TB, handle func(ctx context.Context, conn net.Conn)) string {
	t.Helper()
	return tcptest.Serve(t, "", handle).String()
}

// Hang accepts and never answers: it reads and discards what comes.
func Hang(ctx context.Context, conn net.Conn) { tcptest.Hang(ctx, conn) }

// CloseAtOnce closes every connection as soon as it is accepted.
func CloseAtOnce(ctx context.Context, conn net.Conn) {}

// Reply answers every connection with b after its first bytes, then
// closes it.
func Reply(b []byte) func(ctx context.Context, conn net.Conn) {
	return func(ctx context.Context, conn net.Conn) {
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		buf := make([]byte, 4096)
		if _, err := conn.Read(buf); err != nil {
			return
		}
		conn.Write(b)
	}
}

// Drip answers every connection with b, one byte every interval, forever
// (b is repeated), until the client or the test goes away.
func Drip(b []byte, interval time.Duration) func(ctx context.Context, conn net.Conn) {
	return tcptest.Drip(b, interval)
}

// ClosedAddr returns a 127.0.0.1 address where nothing listens (a port
// that was just opened and closed).
func ClosedAddr(t TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("tlstest: listen: %v", err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
