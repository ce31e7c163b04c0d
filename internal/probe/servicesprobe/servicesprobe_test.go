package servicesprobe

import (
	"bufio"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/tcptest"
)

// port returns the port of a server's address.
func port(a net.Addr) int { return a.(*net.TCPAddr).Port }

// fakes starts one fake server per service on 127.0.0.1 and returns the
// ports to probe, and a counter of the connections each received.
func fakes(t *testing.T, accepted *atomic.Int32) []Port {
	t.Helper()
	count := func(h tcptest.Handler) tcptest.Handler {
		return func(ctx context.Context, c net.Conn) {
			accepted.Add(1)
			h(ctx, c)
		}
	}
	ssh := tcptest.Serve(t, "", count(func(_ context.Context, c net.Conn) {
		io.WriteString(c, "SSH-2.0-OpenSSH_7.4 Debian\r\n")
		io.Copy(io.Discard, c)
	}))
	ftp := tcptest.Serve(t, "", count(func(_ context.Context, c net.Conn) {
		io.WriteString(c, "220 (vsFTPd 3.0.3)\r\n")
		io.Copy(io.Discard, c)
	}))
	redis := tcptest.Serve(t, "", count(func(_ context.Context, c net.Conn) {
		line, _ := bufio.NewReader(c).ReadString('\n')
		if line != "INFO server\r\n" {
			return
		}
		body := "# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n"
		io.WriteString(c, "$"+strconv.Itoa(len(body))+"\r\n"+body+"\r\n")
	}))
	redisAuth := tcptest.Serve(t, "", count(func(_ context.Context, c net.Conn) {
		bufio.NewReader(c).ReadString('\n')
		io.WriteString(c, "-NOAUTH Authentication required.\r\n")
	}))
	memcached := tcptest.Serve(t, "", count(func(_ context.Context, c net.Conn) {
		bufio.NewReader(c).ReadString('\n')
		io.WriteString(c, "VERSION 1.6.18\r\n")
	}))
	vnc := tcptest.Serve(t, "", count(func(_ context.Context, c net.Conn) {
		io.WriteString(c, "RFB 003.008\n")
		var v [12]byte
		if _, err := io.ReadFull(c, v[:]); err != nil {
			return
		}
		c.Write([]byte{2, 1, 2}) // None and VNC authentication
	}))
	rdp := func(failure bool) net.Addr {
		return tcptest.Serve(t, "", count(func(_ context.Context, c net.Conn) {
			var hdr [4]byte
			if _, err := io.ReadFull(c, hdr[:]); err != nil {
				return
			}
			body := make([]byte, int(binary.BigEndian.Uint16(hdr[2:]))-4)
			io.ReadFull(c, body)
			neg := []byte{2, 0, 8, 0, 1, 0, 0, 0} // TLS selected
			if failure {
				neg = []byte{3, 0, 8, 0, 5, 0, 0, 0} // HYBRID_REQUIRED_BY_SERVER
			}
			x224 := append([]byte{14, 0xD0, 0, 0, 0x12, 0x34, 0}, neg...)
			c.Write(append([]byte{3, 0, 0, byte(4 + len(x224))}, x224...))
		}))
	}
	rdpOpen, rdpNLA := rdp(false), rdp(true)
	// A port that refuses: listen, note the port, close.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := port(ln.Addr())
	ln.Close()
	return []Port{
		{port(ftp), "ftp", false},
		{port(ssh), "ssh", false},
		{port(redis), "redis", false},
		{port(redisAuth), "redis", false},
		{port(memcached), "memcached", false},
		{port(vnc), "vnc", false},
		{port(rdpOpen), "rdp", false},
		{port(rdpNLA), "rdp", false},
		{closed, "telnet", false},
	}
}

func lookup(ctx context.Context, host string) ([]netip.Addr, error) {
	switch host {
	case "example.test", "www.example.test", "vpn.example.test":
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestProbe(t *testing.T) {
	var accepted atomic.Int32
	ports := fakes(t, &accepted)
	cfg := Config{Lookup: lookup, Guard: guard.ForLab(), Ports: ports, Interval: time.Millisecond}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	o := Probe(ctx, cfg, "example.test")
	if o.Error != "" || len(o.Addresses) != 1 {
		t.Fatalf("error %q, %d addresses, want one", o.Error, len(o.Addresses))
	}
	a := o.Addresses[0]
	if got, want := strings.Join(a.Names, " "), "example.test vpn.example.test www.example.test"; got != want {
		t.Errorf("names %q, want %q", got, want)
	}
	if a.Closed != 1 || len(a.Open) != len(ports)-1 {
		t.Errorf("closed %d, open %d, want 1 and %d", a.Closed, len(a.Open), len(ports)-1)
	}
	// One connection per port, and the servers saw no more.
	if o.Connections != len(ports) || int(accepted.Load()) != len(ports)-1 {
		t.Errorf("connections %d, accepted %d, want %d and %d", o.Connections, accepted.Load(), len(ports), len(ports)-1)
	}
	by := map[int]*audit.Service{}
	for _, s := range a.Open {
		by[s.Port] = s
		if !s.Identified || s.Name != s.Expected {
			t.Errorf("port %d: %s identified=%v, want %s identified (error %q)", s.Port, s.Name, s.Identified, s.Expected, s.Error)
		}
	}
	if s := by[ports[0].Number]; s.Product != "vsftpd" || s.Version != "3.0.3" {
		t.Errorf("ftp: %q %q", s.Product, s.Version)
	}
	if s := by[ports[1].Number]; s.Product != "OpenSSH" || s.Version != "7.4" {
		t.Errorf("ssh: %q %q (banner %q)", s.Product, s.Version, s.Banner)
	}
	if s := by[ports[2].Number]; !s.NoAuth || s.Version != "7.0.15" {
		t.Errorf("redis without password: no_auth %v version %q", s.NoAuth, s.Version)
	}
	if s := by[ports[3].Number]; s.NoAuth {
		t.Errorf("redis with a password: no_auth")
	}
	if s := by[ports[4].Number]; !s.NoAuth || s.Version != "1.6.18" {
		t.Errorf("memcached: no_auth %v version %q", s.NoAuth, s.Version)
	}
	if s := by[ports[5].Number]; s.VNC == nil || s.VNC.Version != "3.8" || len(s.VNC.SecurityTypes) != 2 || s.VNC.SecurityTypes[0] != 1 {
		t.Errorf("vnc: %+v", s.VNC)
	}
	if s := by[ports[6].Number]; s.RDP == nil || s.RDP.NLARequired || s.RDP.Selected != "tls" {
		t.Errorf("rdp without NLA: %+v", s.RDP)
	}
	if s := by[ports[7].Number]; s.RDP == nil || !s.RDP.NLARequired || s.RDP.Failure != 5 {
		t.Errorf("rdp with NLA: %+v", s.RDP)
	}
}

// TestGuard checks that the probe dials nothing the guard refuses.
func TestGuard(t *testing.T) {
	var accepted atomic.Int32
	ports := fakes(t, &accepted)
	cfg := Config{Lookup: lookup, Guard: guard.New(nil), Ports: ports, Names: []string{}}
	o := Probe(context.Background(), cfg, "example.test")
	if accepted.Load() != 0 || o.Connections != 0 {
		t.Fatalf("%d connections accepted, %d counted, want none", accepted.Load(), o.Connections)
	}
	if a := o.Addresses[0]; a.Refused != len(ports) || len(a.Open) != 0 {
		t.Errorf("refused %d, open %d", a.Refused, len(a.Open))
	}
}

// TestCache checks that audits sharing a cache probe an address once.
func TestCache(t *testing.T) {
	var accepted atomic.Int32
	ports := fakes(t, &accepted)
	cfg := Config{Lookup: lookup, Guard: guard.ForLab(), Ports: ports, Names: []string{}, Cache: NewCache(), Interval: time.Millisecond}
	first := Probe(context.Background(), cfg, "example.test")
	n := accepted.Load()
	second := Probe(context.Background(), cfg, "example.test")
	if accepted.Load() != n || second.Connections != 0 {
		t.Errorf("second probe: %d more connections, %d counted", accepted.Load()-n, second.Connections)
	}
	if len(second.Addresses[0].Open) != len(first.Addresses[0].Open) {
		t.Errorf("second probe saw %d open ports, first %d", len(second.Addresses[0].Open), len(first.Addresses[0].Open))
	}
}

// TestHostile checks that a hostile banner is bounded and valid UTF-8.
func TestHostile(t *testing.T) {
	long := "SSH-2.0-" + strings.Repeat("\xff\x00x", 1000)
	s := &audit.Service{}
	classifyBanner(nil, []byte(long), s)
	if len(s.Banner) > maxBanner+3 || !strings.HasPrefix(s.Banner, "SSH-2.0-") {
		t.Errorf("banner of %d bytes: %q", len(s.Banner), s.Banner[:20])
	}
	m := bsonTop([]byte{0xff, 0xff, 0xff, 0x7f, 0x02, 'a', 0, 0xff, 0xff, 0xff, 0x7f})
	if len(m) != 0 {
		t.Errorf("bson of a truncated string: %v", m)
	}
}

func FuzzBSON(f *testing.F) {
	f.Add(bsonDoc("buildInfo", 1, "$db", "admin"))
	f.Fuzz(func(t *testing.T, b []byte) { bsonTop(b) })
}

// TestOWABuild reads the Exchange build from the paths of an Outlook on
// the web login page that sends no X-OWA-Version header.
func TestOWABuild(t *testing.T) {
	for _, tt := range []struct{ page, want string }{
		{`<link rel="shortcut icon" href="/owa/auth/15.1.2507/themes/resources/favicon.ico">`, "15.1.2507"},
		{`<script src="/owa/15.2.1544.4/scripts/boot.js"></script> /owa/auth/logon.aspx`, "15.2.1544.4"},
		{`<form action="/owa/auth.owa">no build here</form>`, ""},
		{`<a href="/owa/auth/99999999999999/x/">`, ""},
	} {
		owa := tcptest.Serve(t, "", func(_ context.Context, c net.Conn) {
			bufio.NewReader(c).ReadString('\n')
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n\r\n<title>Outlook</title>"+tt.page)
		})
		cfg := Config{Lookup: lookup, Guard: guard.ForLab(), Ports: []Port{{port(owa), "http", false}}, Interval: time.Millisecond}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		o := Probe(ctx, cfg, "example.test")
		cancel()
		if len(o.Addresses) != 1 || len(o.Addresses[0].Open) != 1 || o.Addresses[0].Open[0].Web == nil {
			t.Fatalf("%q: no web answer read: %+v", tt.page, o)
		}
		w := o.Addresses[0].Open[0].Web
		if w.OWAVersion != tt.want || w.Product != "Microsoft Exchange (Outlook on the web)" {
			t.Errorf("%q: product %q build %q, want Exchange %q", tt.page, w.Product, w.OWAVersion, tt.want)
		}
	}
}
