package tlstest

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestIssue(t *testing.T) {
	ca := NewCA(t, "issue")
	now := time.Now()
	tests := []struct {
		name      string
		opts      CertOptions
		wantAlg   x509.SignatureAlgorithm
		wantChain int
		wantOK    bool
	}{
		{"default", CertOptions{}, x509.ECDSAWithSHA256, 1, true},
		{"rsa by root", CertOptions{Key: RSA2048, ByRoot: true}, x509.ECDSAWithSHA256, 0, true},
		{"expired", CertOptions{NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-time.Hour)}, x509.ECDSAWithSHA256, 1, false},
		{"sha1", CertOptions{SHA1: true}, x509.ECDSAWithSHA1, 1, false},
		{"self-signed rsa sha1", CertOptions{SelfSigned: true, SHA1: true, Key: RSA1024}, x509.SHA1WithRSA, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ca.Issue(t, tt.opts)
			if c.Leaf.SignatureAlgorithm != tt.wantAlg || len(c.Intermediates) != tt.wantChain {
				t.Errorf("signature %v, %d intermediates; want %v, %d", c.Leaf.SignatureAlgorithm, len(c.Intermediates), tt.wantAlg, tt.wantChain)
			}
			inter := x509.NewCertPool()
			for _, i := range c.Intermediates {
				inter.AddCert(i)
			}
			_, err := c.Leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), Intermediates: inter, DNSName: "localhost"})
			if (err == nil) != tt.wantOK {
				t.Errorf("Verify: %v, want success %v", err, tt.wantOK)
			}
		})
	}
}

func TestPickSuite(t *testing.T) {
	served := []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA}
	offered := []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256}
	tests := []struct {
		name        string
		clientOrder bool
		version     uint16
		ecKey       bool
		want        uint16
	}{
		{"server order", false, tls.VersionTLS12, false, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256},
		{"client order", true, tls.VersionTLS12, false, tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		{"no gcm in tls10", false, tls.VersionTLS10, false, tls.TLS_RSA_WITH_AES_128_CBC_SHA},
		{"ecdsa key", false, tls.VersionTLS12, true, tls.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA},
	}
	for _, tt := range tests {
		if got := pickSuite(offered, served, tt.clientOrder, tt.version, tt.ecKey); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, tls.CipherSuiteName(got), tls.CipherSuiteName(tt.want))
		}
	}
}

func TestNewServer(t *testing.T) {
	srv := NewServer(t, Options{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA}})
	var d tls.Dialer
	d.Config = &tls.Config{RootCAs: srv.CA.Pool(), ServerName: "localhost"}
	conn, err := d.DialContext(t.Context(), "tcp", srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	st := conn.(*tls.Conn).ConnectionState()
	got := []string{tls.VersionName(st.Version), tls.CipherSuiteName(st.CipherSuite)}
	want := []string{"TLS 1.2", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(st.PeerCertificates) != 2 {
		t.Errorf("%d certificates sent, want leaf and intermediate", len(st.PeerCertificates))
	}
}

func TestReply(t *testing.T) {
	addr := NewRawServer(t, Reply([]byte("garbage")))
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	conn.Write([]byte("hello"))
	buf := make([]byte, 16)
	n, _ := conn.Read(buf)
	if got := string(buf[:n]); got != "garbage" {
		t.Errorf("got %q, want %q", got, "garbage")
	}
}
