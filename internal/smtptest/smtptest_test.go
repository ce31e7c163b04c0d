package smtptest_test

import (
	"crypto/tls"
	"io"
	"net"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"vigie.eu/vigie/internal/smtptest"
	"vigie.eu/vigie/internal/tlstest"
)

func tlsConfig(t *testing.T) (*tls.Config, *tlstest.CA) {
	ca := tlstest.NewCA(t, "smtptest")
	cert := ca.Issue(t, tlstest.CertOptions{DNSNames: []string{"mx.example.test"}})
	return &tls.Config{Certificates: []tls.Certificate{cert.TLS(false)}}, ca
}

func TestSTARTTLS(t *testing.T) {
	cfg, ca := tlsConfig(t)
	srv := smtptest.NewServer(t, smtptest.Options{TLS: cfg})
	c, err := smtp.Dial(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("STARTTLS not offered")
	}
	if err := c.StartTLS(&tls.Config{ServerName: "mx.example.test", RootCAs: ca.Pool()}); err != nil {
		t.Fatal(err)
	}
	if st, ok := c.TLSConnectionState(); !ok || !st.HandshakeComplete {
		t.Fatal("no TLS after STARTTLS")
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered again over TLS")
	}
	if err := c.Quit(); err != nil {
		t.Error(err)
	}
}

func TestPlain(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{})
	c, err := smtp.Dial(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("STARTTLS offered without a TLS configuration")
	}
	if ok, _ := c.Extension("PIPELINING"); !ok {
		t.Error("PIPELINING not offered")
	}
}

func TestRefuseSTARTTLS(t *testing.T) {
	srv := smtptest.NewServer(t, smtptest.Options{RefuseSTARTTLS: true})
	c, err := smtp.Dial(srv.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	err = c.StartTLS(&tls.Config{ServerName: "mx.example.test"})
	if err == nil || !strings.HasPrefix(err.Error(), "454") {
		t.Errorf("StartTLS = %v, want a 454 refusal", err)
	}
}

func TestBadServers(t *testing.T) {
	for _, tc := range []struct {
		name string
		srv  *smtptest.Server
		want string // prefix of what the first read returns; "" for a timeout
	}{
		{"hang", smtptest.NewRawServer(t, "", smtptest.Hang), ""},
		{"garbage", smtptest.NewRawServer(t, "", smtptest.Garbage), "\x16\x03\x01"},
		{"drip", smtptest.NewRawServer(t, "", smtptest.Drip(10*time.Millisecond)), "220-slow"},
		{"banner", smtptest.NewServer(t, smtptest.Options{Banner: "554 go away\r\n"}), "554 go away"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", tc.srv.Addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
			buf := make([]byte, max(len(tc.want), 1))
			n, err := io.ReadFull(conn, buf)
			if tc.want == "" {
				if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
					t.Errorf("read %q, %v; want a timeout", buf[:n], err)
				}
				return
			}
			if got := string(buf[:n]); got != tc.want {
				t.Errorf("read %q (%v), want %q", got, err, tc.want)
			}
		})
	}
}

func TestNonLoopbackRefused(t *testing.T) {
	ft := &fatalRecorder{TB: t}
	func() {
		defer func() { recover() }()
		smtptest.NewRawServer(ft, "0.0.0.0:0", smtptest.Hang)
	}()
	if !ft.failed {
		t.Error("NewRawServer accepted a non-loopback address")
	}
}

// fatalRecorder records Fatalf instead of stopping the test.
type fatalRecorder struct {
	testing.TB
	failed bool
}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.failed = true
	panic("fatal")
}
func (f *fatalRecorder) Helper() {}
