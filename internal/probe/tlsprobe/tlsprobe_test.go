package tlsprobe

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/tlstest"
)

// loopback resolves every name to 127.0.0.1.
func loopback(ctx context.Context, host string) ([]netip.Addr, error) {
	return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
}

func probeServer(t *testing.T, srv *tlstest.Server, host string) *audit.TLSObservation {
	t.Helper()
	cfg := Config{Lookup: loopback, Guard: guard.ForLab(), Timeout: 5 * time.Second}
	if srv.CA != nil {
		cfg.Roots, cfg.RootsName = srv.CA.Pool(), "test CA"
	}
	return Probe(t.Context(), cfg, host, srv.Port)
}

func acceptedVersions(obs *audit.TLSObservation) map[string]bool {
	m := map[string]bool{}
	for _, p := range obs.Protocols {
		m[p.Version] = p.Accepted
		if p.Error != "" {
			m[p.Version+" error: "+p.Error] = true
		}
	}
	return m
}

func suiteNamesOf(p audit.TLSProtocol) []string {
	var names []string
	for _, s := range p.Suites {
		names = append(names, s.Name)
	}
	return names
}

func protocol(t *testing.T, obs *audit.TLSObservation, version string) audit.TLSProtocol {
	t.Helper()
	for _, p := range obs.Protocols {
		if p.Version == version {
			return p
		}
	}
	t.Fatalf("no %s in %+v", version, obs.Protocols)
	return audit.TLSProtocol{}
}

func TestVersions(t *testing.T) {
	tests := []struct {
		name     string
		min, max uint16
		want     map[string]bool
	}{
		{"tls12 only", tls.VersionTLS12, tls.VersionTLS12,
			map[string]bool{"SSLv3": false, "TLS1.0": false, "TLS1.1": false, "TLS1.2": true, "TLS1.3": false}},
		{"tls13 only", tls.VersionTLS13, tls.VersionTLS13,
			map[string]bool{"SSLv3": false, "TLS1.0": false, "TLS1.1": false, "TLS1.2": false, "TLS1.3": true}},
		{"tls10 to tls13", tls.VersionTLS10, tls.VersionTLS13,
			map[string]bool{"SSLv3": false, "TLS1.0": true, "TLS1.1": true, "TLS1.2": true, "TLS1.3": true}},
		{"tls10 and tls11", tls.VersionTLS10, tls.VersionTLS11,
			map[string]bool{"SSLv3": false, "TLS1.0": true, "TLS1.1": true, "TLS1.2": false, "TLS1.3": false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := tlstest.NewServer(t, tlstest.Options{MinVersion: tt.min, MaxVersion: tt.max})
			obs := probeServer(t, srv, "localhost")
			if obs.Error != "" {
				t.Fatalf("Error = %q", obs.Error)
			}
			if diff := cmp.Diff(tt.want, acceptedVersions(obs)); diff != "" {
				t.Errorf("accepted versions (-want +got):\n%s", diff)
			}
			wantReneg := tt.min <= tls.VersionTLS12
			if (obs.SecureRenegotiation != nil) != wantReneg || (obs.ExtendedMasterSecret != nil) != wantReneg {
				t.Fatalf("SecureRenegotiation = %v, ExtendedMasterSecret = %v, want set: %v",
					obs.SecureRenegotiation, obs.ExtendedMasterSecret, wantReneg)
			}
			if wantReneg && (!*obs.SecureRenegotiation || !*obs.ExtendedMasterSecret) {
				t.Errorf("crypto/tls supports RFC 5746 and RFC 7627, got renegotiation %v, EMS %v",
					*obs.SecureRenegotiation, *obs.ExtendedMasterSecret)
			}
			wantHS := versionName(tt.max)
			if obs.Handshake == nil || obs.Handshake.Version != wantHS {
				t.Errorf("Handshake = %+v, want version %s", obs.Handshake, wantHS)
			}
		})
	}
}

func TestSuites(t *testing.T) {
	rsaCA := tlstest.NewCA(t, "rsa")
	rsaCert := rsaCA.Issue(t, tlstest.CertOptions{Key: tlstest.RSA2048})
	// In the server's order of preference, which is not the probe's.
	served := []uint16{
		tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
		tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
		tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA,
	}
	names := func(ids ...uint16) []string {
		var n []string
		for _, id := range ids {
			n = append(n, tls.CipherSuiteName(id))
		}
		return n
	}
	tests := []struct {
		name        string
		version     uint16
		clientOrder bool
		want        []string
	}{
		{"tls12 server order", tls.VersionTLS12, false, names(served...)},
		{"tls12 client order", tls.VersionTLS12, true, names(
			// the probe's table order
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
			tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA,
			tls.TLS_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
		)},
		{"tls10 server order", tls.VersionTLS10, false, names(
			// TLS 1.2 suites are not offered in TLS 1.0
			tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA,
			tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA,
			tls.TLS_ECDHE_RSA_WITH_RC4_128_SHA,
		)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := tlstest.NewServer(t, tlstest.Options{
				MinVersion: tt.version, MaxVersion: tt.version,
				CipherSuites: served, ClientOrder: tt.clientOrder, Cert: rsaCert,
			})
			obs := probeServer(t, srv, "localhost")
			p := protocol(t, obs, versionName(tt.version))
			if p.Error != "" || !p.Accepted {
				t.Fatalf("%s: accepted %v, error %q", p.Version, p.Accepted, p.Error)
			}
			if diff := cmp.Diff(tt.want, suiteNamesOf(p)); diff != "" {
				t.Errorf("suites (-want +got):\n%s", diff)
			}
			if p.ServerOrder == nil || *p.ServerOrder == tt.clientOrder {
				t.Errorf("ServerOrder = %v, want %v", p.ServerOrder, !tt.clientOrder)
			}
		})
	}
}

func TestSuiteProperties(t *testing.T) {
	srv := tlstest.NewServer(t, tlstest.Options{
		MaxVersion:   tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256},
	})
	obs := probeServer(t, srv, "localhost")
	p := protocol(t, obs, audit.TLS12)
	want := []audit.CipherSuite{{
		ID: 0xc02b, Name: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
		KeyExchange: "ECDHE", Auth: "ECDSA", Cipher: "AES_128_GCM", MAC: "AEAD", Bits: 128,
	}}
	if diff := cmp.Diff(want, p.Suites); diff != "" {
		t.Errorf("suites (-want +got):\n%s", diff)
	}
	if p.ServerOrder != nil {
		t.Errorf("ServerOrder = %v with one suite, want nil", *p.ServerOrder)
	}
}

func TestGroups(t *testing.T) {
	tests := []struct {
		name   string
		max    uint16
		curves []tls.CurveID
		want   []string
	}{
		{"x25519 only", tls.VersionTLS13, []tls.CurveID{tls.X25519}, []string{"x25519"}},
		{"with mlkem", tls.VersionTLS13, []tls.CurveID{tls.X25519MLKEM768, tls.X25519, tls.CurveP256},
			[]string{"X25519MLKEM768", "secp256r1", "x25519"}},
		{"tls12 curves", tls.VersionTLS12, []tls.CurveID{tls.CurveP256, tls.CurveP384},
			[]string{"secp256r1", "secp384r1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := tlstest.NewServer(t, tlstest.Options{MaxVersion: tt.max, CurvePreferences: tt.curves})
			obs := probeServer(t, srv, "localhost")
			got := slices.Clone(obs.Groups)
			slices.Sort(got)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("groups (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCertificates(t *testing.T) {
	ca := tlstest.NewCA(t, "main")
	other := tlstest.NewCA(t, "other")
	now := time.Now()
	type summary struct {
		Subject             string
		KeyType             string
		KeyBits             int
		SignatureAlgorithm  string
		SelfSigned          bool
		Chain               int
		AIA                 []string
		Trusted             bool
		HostnameMatch       bool
		MissingIntermediate bool
	}
	tests := []struct {
		name     string
		host     string
		cert     *tlstest.Cert
		omit     bool
		trustErr string
		want     summary
	}{
		{name: "good", host: "localhost", cert: ca.Issue(t, tlstest.CertOptions{}),
			want: summary{"CN=localhost,O=vigie tests", "ECDSA", 256, "ECDSA-SHA256", false, 2, nil, true, true, false}},
		{name: "ip literal", host: "127.0.0.1", cert: ca.Issue(t, tlstest.CertOptions{}),
			want: summary{"CN=localhost,O=vigie tests", "ECDSA", 256, "ECDSA-SHA256", false, 2, nil, true, true, false}},
		{name: "expired", host: "localhost", trustErr: "expired",
			cert: ca.Issue(t, tlstest.CertOptions{NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-24 * time.Hour)}),
			want: summary{"CN=localhost,O=vigie tests", "ECDSA", 256, "ECDSA-SHA256", false, 2, nil, false, true, false}},
		{name: "not yet valid", host: "localhost", trustErr: "not yet valid",
			cert: ca.Issue(t, tlstest.CertOptions{NotBefore: now.Add(24 * time.Hour), NotAfter: now.Add(48 * time.Hour)}),
			want: summary{"CN=localhost,O=vigie tests", "ECDSA", 256, "ECDSA-SHA256", false, 2, nil, false, true, false}},
		{name: "wrong name", host: "www.example.test",
			cert: ca.Issue(t, tlstest.CertOptions{DNSNames: []string{"other.example.test"}}),
			want: summary{"CN=other.example.test,O=vigie tests", "ECDSA", 256, "ECDSA-SHA256", false, 2, nil, true, false, false}},
		{name: "self-signed", host: "localhost", trustErr: "unknown authority",
			cert: ca.Issue(t, tlstest.CertOptions{SelfSigned: true, Key: tlstest.RSA2048}),
			want: summary{"CN=localhost,O=vigie tests", "RSA", 2048, "SHA256-RSA", true, 1, nil, false, true, false}},
		{name: "untrusted ca", host: "localhost", trustErr: "unknown authority",
			cert: other.Issue(t, tlstest.CertOptions{Key: tlstest.ECDSAP384}),
			want: summary{"CN=localhost,O=vigie tests", "ECDSA", 384, "ECDSA-SHA256", false, 2, nil, false, true, false}},
		{name: "missing intermediate with aia", host: "localhost", omit: true, trustErr: "unknown authority",
			cert: ca.Issue(t, tlstest.CertOptions{IssuingCertificateURL: []string{"http://127.0.0.1:9/inter.crt"}}),
			want: summary{"CN=localhost,O=vigie tests", "ECDSA", 256, "ECDSA-SHA256", false, 1, []string{"http://127.0.0.1:9/inter.crt"}, false, true, true}},
		{name: "missing intermediate without aia", host: "localhost", omit: true, trustErr: "unknown authority",
			cert: ca.Issue(t, tlstest.CertOptions{}),
			want: summary{"CN=localhost,O=vigie tests", "ECDSA", 256, "ECDSA-SHA256", false, 1, nil, false, true, false}},
		{name: "rsa 1024 by root", host: "localhost",
			cert: ca.Issue(t, tlstest.CertOptions{Key: tlstest.RSA1024, ByRoot: true}),
			want: summary{"CN=localhost,O=vigie tests", "RSA", 1024, "ECDSA-SHA256", false, 1, nil, true, true, false}},
		{name: "sha1 signature", host: "localhost", trustErr: "insecure algorithm",
			cert: ca.Issue(t, tlstest.CertOptions{SHA1: true}),
			want: summary{"CN=localhost,O=vigie tests", "ECDSA", 256, "ECDSA-SHA1", false, 2, nil, false, true, false}},
		{name: "self-signed sha1", host: "localhost", trustErr: "unknown authority",
			cert: ca.Issue(t, tlstest.CertOptions{SHA1: true, SelfSigned: true, Key: tlstest.RSA2048}),
			want: summary{"CN=localhost,O=vigie tests", "RSA", 2048, "SHA1-RSA", true, 1, nil, false, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := tlstest.NewServer(t, tlstest.Options{Cert: tt.cert, OmitIntermediates: tt.omit})
			obs := Probe(t.Context(), Config{Lookup: loopback, Guard: guard.ForLab(), Roots: ca.Pool(), RootsName: "test CA"}, tt.host, srv.Port)
			if len(obs.Certificates) == 0 || obs.Verification == nil {
				t.Fatalf("no certificates: error %q, handshake error %q", obs.Error, obs.HandshakeError)
			}
			c, v := obs.Certificates[0], obs.Verification
			got := summary{c.Subject, c.KeyType, c.KeyBits, c.SignatureAlgorithm, c.SelfSigned,
				len(obs.Certificates), c.IssuingCertificateURL, v.Trusted, v.HostnameMatch, v.MissingIntermediate}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("certificate (-want +got):\n%s", diff)
			}
			if !strings.Contains(v.TrustError, tt.trustErr) || (tt.trustErr == "") != (v.TrustError == "") {
				t.Errorf("TrustError = %q, want it to contain %q", v.TrustError, tt.trustErr)
			}
			if v.HostnameMatch == (v.HostnameError != "") {
				t.Errorf("HostnameMatch = %v with HostnameError %q", v.HostnameMatch, v.HostnameError)
			}
			if v.Roots != "test CA" {
				t.Errorf("Roots = %q, want %q", v.Roots, "test CA")
			}
			if c.SHA256 != sha256Hex(tt.cert.Leaf.Raw) {
				t.Errorf("SHA256 = %s, want the leaf's", c.SHA256)
			}
			if !c.NotAfter.Equal(tt.cert.Leaf.NotAfter) {
				t.Errorf("NotAfter = %v, want %v", c.NotAfter, tt.cert.Leaf.NotAfter)
			}
		})
	}
}

// TestCertificateFromRawHello checks that the chain is still recorded when
// crypto/tls refuses everything the server speaks (3DES with static RSA
// key exchange).
func TestCertificateFromRawHello(t *testing.T) {
	ca := tlstest.NewCA(t, "raw")
	cert := ca.Issue(t, tlstest.CertOptions{Key: tlstest.RSA2048})
	srv := tlstest.NewServer(t, tlstest.Options{
		MaxVersion: tls.VersionTLS12, Cert: cert,
		CipherSuites: []uint16{tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA},
	})
	obs := Probe(t.Context(), Config{Lookup: loopback, Guard: guard.ForLab(), Roots: ca.Pool()}, "localhost", srv.Port)
	if obs.Handshake != nil || obs.HandshakeError == "" {
		t.Fatalf("Handshake = %+v, HandshakeError = %q: crypto/tls should refuse 3DES", obs.Handshake, obs.HandshakeError)
	}
	if len(obs.Certificates) != 2 || obs.Certificates[0].SHA256 != sha256Hex(cert.Leaf.Raw) {
		t.Fatalf("Certificates = %+v, want the leaf and intermediate", obs.Certificates)
	}
	if obs.Verification == nil || !obs.Verification.Trusted {
		t.Errorf("Verification = %+v, want trusted", obs.Verification)
	}
	p := protocol(t, obs, audit.TLS12)
	if diff := cmp.Diff([]string{"TLS_RSA_WITH_3DES_EDE_CBC_SHA"}, suiteNamesOf(p)); diff != "" {
		t.Errorf("suites (-want +got):\n%s", diff)
	}
}

func TestHandshake(t *testing.T) {
	srv := tlstest.NewServer(t, tlstest.Options{OCSPStaple: []byte{0x30, 0x03, 0x0a, 0x01, 0x00}})
	srv.Config.NextProtos = []string{"h2", "http/1.1"}
	obs := probeServer(t, srv, "localhost")
	// The normal handshake offers classical groups only; the server's
	// post-quantum support shows in the enumerated groups.
	want := &audit.TLSHandshake{Version: "TLS1.3", CipherSuite: "TLS_AES_128_GCM_SHA256", Group: "x25519", ALPN: "h2"}
	if diff := cmp.Diff(want, obs.Handshake); diff != "" {
		t.Errorf("Handshake (-want +got):\n%s", diff)
	}
	if !slices.Contains(obs.Groups, "X25519MLKEM768") {
		t.Errorf("Groups = %v, want X25519MLKEM768 among them", obs.Groups)
	}
	if !obs.OCSPStapled {
		t.Errorf("OCSPStapled = false, want true")
	}
	if obs.Address != srv.Addr {
		t.Errorf("Address = %q, want %q", obs.Address, srv.Addr)
	}
}

func TestBadServers(t *testing.T) {
	tests := []struct {
		name string
		addr string
		want string
	}{
		{"closed port", tlstest.ClosedAddr(t), "connection refused"},
		{"hanging", tlstest.NewRawServer(t, tlstest.Hang), "i/o timeout"},
		{"closes at once", tlstest.NewRawServer(t, tlstest.CloseAtOnce), "connection closed"},
		{"http answer", tlstest.NewRawServer(t, tlstest.Reply([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))), "not TLS"},
		{"binary garbage", tlstest.NewRawServer(t, tlstest.Reply([]byte{0x00, 0xff, 0x13, 0x37, 0x42, 0x42})), "not TLS"},
		{"drip", tlstest.NewRawServer(t, tlstest.Drip([]byte{0x16, 0x03, 0x03, 0x40, 0x00}, 50*time.Millisecond)), "i/o timeout"},
		{"huge record", tlstest.NewRawServer(t, tlstest.Reply([]byte{0x16, 0x03, 0x03, 0xff, 0xff})), "over the"},
		{"alert only", tlstest.NewRawServer(t, tlstest.Reply([]byte{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28})), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obs := Probe(t.Context(), Config{Lookup: loopback, Guard: guard.ForLab(), Timeout: 500 * time.Millisecond}, "localhost", port(t, tt.addr))
			if tt.want == "" {
				// A server that refuses every hello with an alert
				// speaks TLS: no global error, nothing accepted.
				if obs.Error != "" {
					t.Fatalf("Error = %q, want none", obs.Error)
				}
				for _, pr := range obs.Protocols {
					if pr.Accepted || pr.Error != "" {
						t.Errorf("%s: accepted %v, error %q", pr.Version, pr.Accepted, pr.Error)
					}
				}
				if obs.HandshakeError == "" {
					t.Errorf("HandshakeError empty")
				}
				return
			}
			if !strings.Contains(obs.Error, tt.want) {
				t.Errorf("Error = %q, want it to contain %q", obs.Error, tt.want)
			}
			if obs.Protocols != nil || obs.Certificates != nil || obs.Handshake != nil {
				t.Errorf("fields set beside Error: %+v", obs)
			}
		})
	}
}

func TestNoAddress(t *testing.T) {
	lookup := func(ctx context.Context, host string) ([]netip.Addr, error) {
		return nil, errors.New("no such host")
	}
	obs := Probe(t.Context(), Config{Lookup: lookup, Guard: guard.ForLab()}, "nowhere.test", 443)
	if want := "tlsprobe: nowhere.test: no such host"; obs.Error != want {
		t.Errorf("Error = %q, want %q", obs.Error, want)
	}
}

// TestUpgrade runs the probe through a plain-text preamble, as SMTP
// STARTTLS would need.
func TestUpgrade(t *testing.T) {
	backend := tlstest.NewServer(t, tlstest.Options{})
	addr := tlstest.NewRawServer(t, func(ctx context.Context, conn net.Conn) {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(conn, "220 ready\r\n")
		line, err := bufio.NewReader(io.LimitReader(conn, 10)).ReadString('\n')
		if err != nil || line != "STARTTLS\n" {
			return
		}
		io.WriteString(conn, "220 go\r\n")
		tls.Server(conn, backend.Config).HandshakeContext(ctx)
	})
	upgrade := func(ctx context.Context, conn net.Conn) error {
		for _, step := range []string{"220 ready\r\n", "220 go\r\n"} {
			buf := make([]byte, len(step))
			if _, err := io.ReadFull(conn, buf); err != nil {
				return err
			}
			if string(buf) != step {
				return errors.New("unexpected greeting")
			}
			if step == "220 ready\r\n" {
				io.WriteString(conn, "STARTTLS\n")
			}
		}
		return nil
	}
	obs := Probe(t.Context(), Config{Lookup: loopback, Guard: guard.ForLab(), Roots: backend.CA.Pool(), Upgrade: upgrade}, "localhost", port(t, addr))
	want := map[string]bool{"SSLv3": false, "TLS1.0": false, "TLS1.1": false, "TLS1.2": true, "TLS1.3": true}
	if diff := cmp.Diff(want, acceptedVersions(obs)); diff != "" {
		t.Errorf("accepted versions (-want +got):\n%s", diff)
	}
	if obs.Verification == nil || !obs.Verification.Trusted {
		t.Errorf("Verification = %+v, want trusted", obs.Verification)
	}
}

// TestWarm checks that connections made ready ahead of their hellos
// (Config.Warm) find what new ones find, even when the server drops the
// ones that wait: a dropped ready connection is not taken for a refusal.
func TestWarm(t *testing.T) {
	backend := tlstest.NewServer(t, tlstest.Options{MinVersion: tls.VersionTLS10})
	var idleDrops atomic.Int64
	addr := tlstest.NewRawServer(t, func(ctx context.Context, conn net.Conn) {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(conn, "220 ready\r\n")
		r := bufio.NewReader(io.LimitReader(conn, 10))
		if line, err := r.ReadString('\n'); err != nil || line != "STARTTLS\n" {
			return
		}
		io.WriteString(conn, "220 go\r\n")
		// An impatient server: a hello must come within 30 ms.
		conn.SetReadDeadline(time.Now().Add(30 * time.Millisecond))
		first := make([]byte, 1)
		if _, err := io.ReadFull(conn, first); err != nil {
			idleDrops.Add(1)
			return
		}
		// A slow one too: the ready connections wait longer than it
		// tolerates.
		time.Sleep(60 * time.Millisecond)
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		tls.Server(&prefixConn{Conn: conn, prefix: first}, backend.Config).HandshakeContext(ctx)
	})
	upgrade := func(ctx context.Context, conn net.Conn) error {
		buf := make([]byte, len("220 ready\r\n"))
		if _, err := io.ReadFull(conn, buf); err != nil {
			return err
		}
		io.WriteString(conn, "STARTTLS\n")
		buf = make([]byte, len("220 go\r\n"))
		_, err := io.ReadFull(conn, buf)
		return err
	}
	cfg := Config{Lookup: loopback, Guard: guard.ForLab(), Roots: backend.CA.Pool(), Upgrade: upgrade, Parallel: 4}
	cold := Probe(t.Context(), cfg, "localhost", port(t, addr))
	cfg.Warm = 2
	warm := Probe(t.Context(), cfg, "localhost", port(t, addr))
	if cold.Error != "" || warm.Error != "" {
		t.Fatalf("errors: %q, %q", cold.Error, warm.Error)
	}
	if diff := cmp.Diff(cold.Protocols, warm.Protocols); diff != "" {
		t.Errorf("protocols and suites, warm (-cold +warm):\n%s", diff)
	}
	if !slices.Equal(cold.Groups, warm.Groups) {
		t.Errorf("groups: cold %v, warm %v", cold.Groups, warm.Groups)
	}
	t.Logf("ready connections the server dropped: %d", idleDrops.Load())
}

// prefixConn reads prefix before the connection's bytes.
type prefixConn struct {
	net.Conn
	prefix []byte
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.prefix) > 0 {
		n := copy(p, c.prefix)
		c.prefix = c.prefix[n:]
		return n, nil
	}
	return c.Conn.Read(p)
}

func BenchmarkProbe(b *testing.B) {
	srv := tlstest.NewServer(b, tlstest.Options{MinVersion: tls.VersionTLS10})
	cfg := Config{Lookup: loopback, Guard: guard.ForLab(), Roots: srv.CA.Pool()}
	for b.Loop() {
		obs := Probe(b.Context(), cfg, "localhost", srv.Port)
		if obs.Error != "" {
			b.Fatal(obs.Error)
		}
	}
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func port(t *testing.T, addr string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestLongHelloClosed probes through a proxy that drops every hello over
// 300 bytes, as some stacks do: the suites are then found with short
// hellos, and their order with one more sequence.
func TestLongHelloClosed(t *testing.T) {
	served := []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_ECDSA_WITH_RC4_128_SHA,
	}
	backend := tlstest.NewServer(t, tlstest.Options{MaxVersion: tls.VersionTLS12, CipherSuites: served})
	addr := tlstest.NewRawServer(t, func(ctx context.Context, conn net.Conn) {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		hdr := make([]byte, 5)
		if _, err := io.ReadFull(conn, hdr); err != nil || int(hdr[3])<<8|int(hdr[4]) > 300 {
			return
		}
		relay(conn, backend.Addr, hdr)
	})
	obs := Probe(t.Context(), Config{Lookup: loopback, Guard: guard.ForLab(), Roots: backend.CA.Pool()}, "localhost", port(t, addr))
	p := protocol(t, obs, audit.TLS12)
	var want []string
	for _, id := range served {
		want = append(want, tls.CipherSuiteName(id))
	}
	if diff := cmp.Diff(want, suiteNamesOf(p)); diff != "" {
		t.Errorf("suites (-want +got):\n%s", diff)
	}
	if p.ServerOrder == nil || !*p.ServerOrder || p.Error != "" {
		t.Errorf("ServerOrder = %v, Error = %q, want true and none", p.ServerOrder, p.Error)
	}
	// crypto/tls's own hello, without a post-quantum key share, is
	// short enough to pass.
	if obs.HandshakeError != "" || len(obs.Certificates) != 2 {
		t.Errorf("HandshakeError = %q, %d certificates; want none and 2", obs.HandshakeError, len(obs.Certificates))
	}
}

// TestContextDeadline checks that the context bounds the probe even when
// the per-connection timeout is long.
func TestContextDeadline(t *testing.T) {
	addr := tlstest.NewRawServer(t, tlstest.Hang)
	ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	obs := Probe(ctx, Config{Lookup: loopback, Guard: guard.ForLab(), Timeout: time.Hour}, "localhost", port(t, addr))
	if !strings.Contains(obs.Error, "i/o timeout") && !strings.Contains(obs.Error, "deadline exceeded") {
		t.Errorf("Error = %q, want a timeout", obs.Error)
	}
}

// TestNoRetryServer: a TLS 1.3 server that closes the connection on a
// hello without a key share, instead of answering with a
// HelloRetryRequest, still has its suites found, with hellos that carry
// one.
func TestNoRetryServer(t *testing.T) {
	backend := tlstest.NewServer(t, tlstest.Options{MinVersion: tls.VersionTLS13})
	// The key_share extension (51) with an empty list of shares.
	emptyShare := []byte{0x00, 0x33, 0x00, 0x02, 0x00, 0x00}
	var refused atomic.Int32
	addr := tlstest.NewRawServer(t, func(ctx context.Context, conn net.Conn) {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		hdr := make([]byte, 5)
		if _, err := io.ReadFull(conn, hdr); err != nil {
			return
		}
		body := make([]byte, int(hdr[3])<<8|int(hdr[4]))
		if _, err := io.ReadFull(conn, body); err != nil {
			return
		}
		if bytes.Contains(body, emptyShare) {
			refused.Add(1)
			return
		}
		relay(conn, backend.Addr, append(hdr, body...))
	})
	obs := Probe(t.Context(), Config{Lookup: loopback, Guard: guard.ForLab(), Roots: backend.CA.Pool()}, "localhost", port(t, addr))
	p := protocol(t, obs, audit.TLS13)
	want := []string{"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}
	got := suiteNamesOf(p)
	slices.Sort(got)
	if !p.Accepted || p.Error != "" || !slices.Equal(got, want) {
		t.Errorf("TLS 1.3: accepted %v, error %q, suites %v; want %v", p.Accepted, p.Error, got, want)
	}
	if refused.Load() == 0 {
		t.Error("no hello without a key share was sent")
	}
}

// relay sends first, already read from conn, to a new connection to
// addr, then copies both ways until either side closes.
func relay(conn net.Conn, addr string, first []byte) {
	back, err := net.Dial("tcp", addr)
	if err != nil {
		return
	}
	back.Write(first)
	done := make(chan struct{})
	go func() {
		io.Copy(back, conn)
		back.Close()
		close(done)
	}()
	io.Copy(conn, back)
	back.Close()
	conn.Close()
	<-done
}

// TestWarmEverySlot: when the ready connections may take every slot
// (Warm == Parallel), a hello waits for a ready one rather than for a
// slot that only a hello would give back (which waited until the
// deadline: the probe ended with nothing).
func TestWarmEverySlot(t *testing.T) {
	backend := tlstest.NewServer(t, tlstest.Options{MinVersion: tls.VersionTLS12})
	cfg := Config{Lookup: loopback, Guard: guard.ForLab(), Roots: backend.CA.Pool(), Parallel: 1, Warm: 1, Timeout: 3 * time.Second}
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	got := Probe(ctx, cfg, "localhost", port(t, backend.Addr))
	if got.Error != "" || ctx.Err() != nil {
		t.Fatalf("error %q, context %v", got.Error, ctx.Err())
	}
	accepted := 0
	for _, pr := range got.Protocols {
		if pr.Accepted && pr.Error == "" {
			accepted++
		}
	}
	if accepted == 0 || got.Handshake == nil {
		t.Errorf("protocols %+v, handshake %v: want TLS 1.2 and 1.3 found", got.Protocols, got.Handshake)
	}
}
