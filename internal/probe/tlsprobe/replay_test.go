package tlsprobe

import (
	"bufio"
	"bytes"
	"crypto/ecdh"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The replay tests feed the parser what real servers answered to the
// probe's ClientHellos: flights recorded from the nginx of the e2e lab
// (e2e/lab.sh, OpenSSL behind it) and kept in testdata/replay, one
// NAME.flight per case (the ClientHello sent, then the server's bytes) and
// beside it NAME.want, what the parser must conclude. See
// testdata/replay/README.md for how they are made and refreshed.
//
// Environment of a recording (e2e/tlsrecord.sh sets both):
//
//	VIGIE_UPDATE=1          the module-wide update switch
//	VIGIE_TLS_LAB=DIR       the directory of a running lab (its sites.tsv
//	                        gives the sites' addresses)
const envTLSLab = "VIGIE_TLS_LAB"

// replayCase is one ClientHello of the probe sent to one site of the lab.
type replayCase struct {
	name string
	site string // a domain of the lab's sites.tsv, sent as SNI
	// hello builds the ClientHello with the probe's own constructors.
	hello func(p *prober) *hello
	// wholeFlight is the argument of readResponse: the probe's first
	// hello of a version reads on to ServerHelloDone.
	wholeFlight bool
}

// onlyKeyExchange keeps the suites of ids with key exchange kx, as the
// probe's enumeration ends up offering once the others are taken.
func onlyKeyExchange(ids []uint16, kx string) []uint16 {
	var out []uint16
	for _, id := range ids {
		if suiteByID[id].KeyExchange == kx {
			out = append(out, id)
		}
	}
	return out
}

// replayCases are the recorded exchanges. What each must give is in its
// .want file; the comments say why, from e2e/lab/nginx.conf.
var replayCases = []replayCase{
	// legacy.test: TLS 1.0 to 1.2, its own order of suites, CBC, static
	// RSA and DHE, no TLS 1.3.
	{name: "legacy-tls10", site: "legacy.test", wholeFlight: true,
		// The probe's first TLS 1.0 hello: ECDHE-RSA-AES128-SHA, the
		// first suite of the server's order that TLS 1.0 has, with the
		// certificate chain and the curve of the ServerKeyExchange.
		hello: func(p *prober) *hello { return p.hello(versionTLS10, offered(versionTLS10)) }},
	{name: "legacy-tls10-rsa", site: "legacy.test", wholeFlight: true,
		// Static RSA only: AES128-SHA, no ServerKeyExchange.
		hello: func(p *prober) *hello {
			return p.hello(versionTLS10, onlyKeyExchange(offered(versionTLS10), "RSA"))
		}},
	{name: "legacy-tls11-dhe", site: "legacy.test", wholeFlight: true,
		// Finite-field DHE: a ServerKeyExchange with no curve in it.
		hello: func(p *prober) *hello {
			return p.hello(versionTLS11, onlyKeyExchange(offered(versionTLS11), "DHE"))
		}},
	{name: "legacy-tls12", site: "legacy.test", wholeFlight: true,
		hello: func(p *prober) *hello { return p.hello(versionTLS12, offered(versionTLS12)) }},
	{name: "legacy-tls13", site: "legacy.test",
		// No TLS 1.3: the server has no version in common with
		// supported_versions and refuses.
		hello: func(p *prober) *hello { return p.hello(versionTLS13, offered(versionTLS13)) }},

	// good.test: TLS 1.2 and 1.3, ECDHE and AEAD only, the client's
	// order.
	{name: "good-tls13-retry", site: "good.test",
		// The probe's first TLS 1.3 hello has no key share: a
		// HelloRetryRequest names the suite and the group.
		hello: func(p *prober) *hello { return p.retryHello(offered(versionTLS13), helloGroups) }},
	{name: "good-tls13-share", site: "good.test",
		// With the probe's X25519 share: a ServerHello, then the
		// encrypted flight, which the parser does not read.
		hello: func(p *prober) *hello { return p.hello(versionTLS13, offered(versionTLS13)) }},
	{name: "good-groups13", site: "good.test",
		// The first hello of the group enumeration (hybrids first).
		hello: func(p *prober) *hello { return p.retryHello(offered(versionTLS13), groups13) }},
	{name: "good-groups13-rest", site: "good.test",
		// Later in the enumeration, X25519 and P-256 taken: P-384.
		hello: func(p *prober) *hello {
			return p.retryHello(offered(versionTLS13), []uint16{groupSecp384r1, groupSecp521r1, groupX448, groupFFDHE2048})
		}},
	{name: "good-groups13-none", site: "good.test",
		// The end of the enumeration: no group the server has.
		hello: func(p *prober) *hello {
			return p.retryHello(offered(versionTLS13), []uint16{groupSecp521r1, groupX448, groupFFDHE2048, groupFFDHE8192})
		}},
	{name: "good-tls12", site: "good.test", wholeFlight: true,
		hello: func(p *prober) *hello { return p.hello(versionTLS12, offered(versionTLS12)) }},
	{name: "good-tls12-rsa", site: "good.test",
		// Static RSA only, which good.test does not have.
		hello: func(p *prober) *hello {
			return p.hello(versionTLS12, onlyKeyExchange(offered(versionTLS12), "RSA"))
		}},
	{name: "good-tls10", site: "good.test", wholeFlight: true,
		// TLS 1.0 is off.
		hello: func(p *prober) *hello { return p.hello(versionTLS10, offered(versionTLS10)) }},
	{name: "good-ssl3", site: "good.test", wholeFlight: true,
		hello: func(p *prober) *hello { return p.hello(versionSSL30, offered(versionSSL30)) }},
}

// replayKeyShare is the X25519 share of every recorded TLS 1.3 hello, from
// a fixed private key, so that the hello rebuilt at replay is the recorded
// one byte for byte. The server's part (its random, its share, its
// encrypted records) is recorded as it came: the parser's conclusions do
// not depend on it.
func replayKeyShare(t *testing.T) []byte {
	seed := sha256.Sum256([]byte("vigie tls replay: key share"))
	key, err := ecdh.X25519().NewPrivateKey(seed[:])
	if err != nil {
		t.Fatal(err)
	}
	return key.PublicKey().Bytes()
}

// clientHello builds the case's ClientHello with a random (and TLS 1.3
// session id) fixed by the case's name.
func (c *replayCase) clientHello(t *testing.T) []byte {
	p := &prober{serverName: c.site, keyShare: replayKeyShare(t)}
	h := c.hello(p)
	h.random = sha256.Sum256([]byte("vigie tls replay: " + c.name))
	return h.marshal()
}

func TestReplay(t *testing.T) {
	var sites map[string]string
	if lab := os.Getenv(envTLSLab); lab != "" && update() {
		sites = labSites(t, lab)
	} else if update() {
		t.Logf("%s is not set: the recordings are replayed as they are (e2e/tlsrecord.sh refreshes them)", envTLSLab)
	}
	for _, c := range replayCases {
		t.Run(c.name, func(t *testing.T) {
			base := filepath.Join("testdata", "replay", c.name)
			hello := c.clientHello(t)
			if sites != nil {
				addr, ok := sites[c.site]
				if !ok {
					t.Fatalf("%s is not a site of the lab", c.site)
				}
				server := recordFlight(t, addr, hello)
				writeFlight(t, base+".flight", c, addr, hello, server)
			}
			client, server := readFlight(t, base+".flight")
			if !bytes.Equal(client, hello) {
				i := 0
				for i < min(len(client), len(hello)) && client[i] == hello[i] {
					i++
				}
				t.Fatalf("the probe's ClientHello is not the recorded one (%d bytes, recorded %d, first difference at byte %d): "+
					"if the hello changed on purpose, refresh the recordings with e2e/tlsrecord.sh", len(hello), len(client), i)
			}
			r := bytes.NewReader(server)
			resp, err := readResponse(r, c.wholeFlight)
			got := describeResponse(resp, err) + describeUnread(server[len(server)-r.Len():])
			wantFile := base + ".want"
			want, rerr := readWant(wantFile)
			if errors.Is(rerr, fs.ErrNotExist) && sites != nil {
				// A new case: write what the parser concludes, for
				// review; an existing .want is never rewritten.
				text := "# Written by the first recording: check it against e2e/lab/nginx.conf.\n" + got
				if err := os.WriteFile(wantFile, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				t.Logf("wrote %s: review it", wantFile)
				return
			}
			if rerr != nil {
				t.Fatal(rerr)
			}
			if diff := cmp.Diff(strings.Split(want, "\n"), strings.Split(got, "\n")); diff != "" {
				t.Errorf("%s (-want +got):\n%s", wantFile, diff)
			}
		})
	}
}

// update reports whether the module-wide update switch is on.
func update() bool {
	v := os.Getenv("VIGIE_UPDATE")
	return v != "" && v != "0"
}

// labSites reads the lab's sites.tsv (domain, IPv4 address, kind) into the
// HTTPS address of each site, refusing any address outside loopback.
func labSites(t *testing.T, lab string) map[string]string {
	f, err := os.Open(filepath.Join(lab, "sites.tsv"))
	if err != nil {
		t.Fatalf("%s: %v (is the lab running?)", envTLSLab, err)
	}
	defer f.Close()
	sites := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 || fields[2] != "tls" {
			continue
		}
		ip, err := netip.ParseAddr(fields[1])
		if err != nil || !ip.IsLoopback() {
			t.Fatalf("sites.tsv: %s at %q, not a loopback address", fields[0], fields[1])
		}
		sites[fields[0]] = net.JoinHostPort(ip.String(), "443")
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return sites
}

// recordFlight sends hello to addr and returns what the server sends
// back: everything until it closes the connection or falls silent for
// half a second (waiting for the client's next flight), 64 KiB at most.
// It does not go through the parser, so that the recording shows where
// the parser stops.
func recordFlight(t *testing.T, addr string, hello []byte) []byte {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(hello); err != nil {
		t.Fatal(err)
	}
	var got []byte
	buf := make([]byte, 16<<10)
	for len(got) < 64<<10 {
		conn.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		n, err := conn.Read(buf)
		got = append(got, buf[:n]...)
		var ne net.Error
		switch {
		case err == nil:
		case err == io.EOF || isReset(err) || errors.As(err, &ne) && ne.Timeout():
			return got
		default:
			t.Fatalf("reading from %s: %v", addr, err)
		}
	}
	return got
}

// A .flight file: comment lines (#), then "client" and the ClientHello
// record in hex, then "server" and the server's bytes in hex, 32 bytes a
// line.

func writeFlight(t *testing.T, path string, c replayCase, addr string, client, server []byte) {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: the probe's ClientHello to %s (%s) of the e2e lab, and the answer.\n", c.name, c.site, addr)
	fmt.Fprintf(&b, "# Recorded by TestReplay (e2e/tlsrecord.sh); do not edit.\n")
	for _, part := range []struct {
		name string
		data []byte
	}{{"client", client}, {"server", server}} {
		b.WriteString(part.name + "\n")
		for d := part.data; len(d) > 0; {
			n := min(32, len(d))
			b.WriteString(hex.EncodeToString(d[:n]) + "\n")
			d = d[n:]
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFlight(t testing.TB, path string) (client, server []byte) {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (record it with e2e/tlsrecord.sh)", err)
	}
	var part *[]byte
	for i, line := range strings.Split(string(data), "\n") {
		switch line = strings.TrimSpace(line); {
		case line == "" || strings.HasPrefix(line, "#"):
		case line == "client":
			part = &client
		case line == "server":
			part = &server
		default:
			b, err := hex.DecodeString(line)
			if err != nil || part == nil {
				t.Fatalf("%s:%d: not a line of hex in a client or server part", path, i+1)
			}
			*part = append(*part, b...)
		}
	}
	if len(client) == 0 {
		t.Fatalf("%s: no ClientHello", path)
	}
	return client, server
}

// readWant returns the .want file without its comment lines.
func readWant(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for line := range strings.Lines(string(data)) {
		if !strings.HasPrefix(line, "#") {
			b.WriteString(line)
		}
	}
	return b.String(), nil
}

// describeResponse says what the parser concluded, one "key: value" a
// line, in the form of the .want files.
func describeResponse(resp *response, err error) string {
	var b strings.Builder
	line := func(key, format string, args ...any) {
		fmt.Fprintf(&b, "%s: %s\n", key, fmt.Sprintf(format, args...))
	}
	if err != nil {
		line("error", "%v", err)
		return b.String()
	}
	if a := resp.alert; a != nil {
		level := "warning"
		if a.level == 2 {
			level = "fatal"
		}
		line("alert", "%s %s", level, strings.TrimPrefix(a.String(), "alert "))
		return b.String()
	}
	sh := resp.hello
	kind := "ServerHello"
	if sh.retry {
		kind = "HelloRetryRequest"
	}
	line("hello", "%s", kind)
	line("version", "%s", versionName(sh.version))
	line("suite", "%s", suiteFor(sh.suite).Name)
	if sh.group != 0 {
		line("group", "%s", groupName(sh.group))
	}
	if sh.version < versionTLS13 {
		line("renegotiation_info", "%t", sh.renegotiationInfo)
		line("extended_master_secret", "%t", sh.extendedMasterSecret)
	}
	for _, der := range resp.certificates {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			line("certificate", "unparsable: %v", err)
			continue
		}
		line("certificate", "%s", c.Subject.CommonName)
	}
	if resp.curve != 0 {
		line("curve", "%s", groupName(resp.curve))
	}
	return b.String()
}

var recordNames = map[byte]string{
	20: "change_cipher_spec", recordAlert: "alert", recordHandshake: "handshake", 23: "application_data",
}

// describeUnread says what the parser left of the recording: the records
// the server sent after the point where the probe stops reading.
func describeUnread(rest []byte) string {
	if len(rest) == 0 {
		return ""
	}
	var names []string
	for len(rest) > 0 {
		n := 5
		if len(rest) >= 5 {
			n += int(rest[3])<<8 | int(rest[4])
		}
		if len(rest) < n {
			names = append(names, fmt.Sprintf("%d bytes of a record", len(rest)))
			break
		}
		name, ok := recordNames[rest[0]]
		if !ok {
			name = fmt.Sprintf("type %d", rest[0])
		}
		names = append(names, name)
		rest = rest[n:]
	}
	return "unread: " + strings.Join(names, ", ") + "\n"
}
