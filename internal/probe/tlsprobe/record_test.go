package tlsprobe

import (
	"bytes"
	"crypto/tls"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/cryptobyte"
)

// serverHelloBody builds a ServerHello body with the given extensions.
func serverHelloBody(version, suite uint16, random []byte, exts ...extension) []byte {
	return build(func(b *cryptobyte.Builder) {
		b.AddUint16(version)
		b.AddBytes(random)
		b.AddUint8LengthPrefixed(func(b *cryptobyte.Builder) {})
		b.AddUint16(suite)
		b.AddUint8(0)
		if exts == nil {
			return
		}
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) {
			for _, e := range exts {
				b.AddUint16(e.typ)
				b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(e.data) })
			}
		})
	})
}

func handshakeMsg(typ uint8, body []byte) []byte {
	return build(func(b *cryptobyte.Builder) {
		b.AddUint8(typ)
		b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(body) })
	})
}

func record(typ uint8, body []byte) []byte {
	return build(func(b *cryptobyte.Builder) {
		b.AddUint8(typ)
		b.AddUint16(versionTLS12)
		b.AddUint16LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes(body) })
	})
}

var zeroRandom = make([]byte, 32)

func TestParseServerHello(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		want    serverHello
		wantErr bool
	}{
		{name: "tls12 no extensions", body: serverHelloBody(versionTLS12, 0xc02f, zeroRandom),
			want: serverHello{version: versionTLS12, suite: 0xc02f}},
		{name: "tls12 reneg and ems", body: serverHelloBody(versionTLS12, 0xc02f, zeroRandom,
			extension{extRenegotiationInfo, []byte{0}}, extension{extExtendedMasterSecret, nil}),
			want: serverHello{version: versionTLS12, suite: 0xc02f, renegotiationInfo: true, extendedMasterSecret: true}},
		{name: "tls13", body: serverHelloBody(versionTLS12, 0x1301, zeroRandom,
			extension{extSupportedVersions, []byte{3, 4}}, extension{extKeyShare, append([]byte{0, 29, 0, 32}, zeroRandom...)}),
			want: serverHello{version: versionTLS13, suite: 0x1301, group: groupX25519}},
		{name: "hello retry request", body: serverHelloBody(versionTLS12, 0x1302, helloRetryRandom[:],
			extension{extSupportedVersions, []byte{3, 4}}, extension{extKeyShare, []byte{0x11, 0xec}}),
			want: serverHello{version: versionTLS13, suite: 0x1302, group: groupX25519MLKEM768, retry: true}},
		{name: "truncated", body: serverHelloBody(versionTLS12, 0xc02f, zeroRandom)[:20], wantErr: true},
		{name: "bad extension length", body: append(serverHelloBody(versionTLS12, 0xc02f, zeroRandom), 0, 9, 0), wantErr: true},
		{name: "empty supported_versions", body: serverHelloBody(versionTLS12, 0x1301, zeroRandom,
			extension{extSupportedVersions, nil}), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseServerHello(tt.body)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error: %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			if diff := cmp.Diff(tt.want, *got, cmp.AllowUnexported(serverHello{})); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadResponse(t *testing.T) {
	sh := handshakeMsg(msgServerHello, serverHelloBody(versionTLS12, 0xc02f, zeroRandom))
	cert := handshakeMsg(msgCertificate, build(func(b *cryptobyte.Builder) {
		b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) {
			b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte("leaf")) })
			b.AddUint24LengthPrefixed(func(b *cryptobyte.Builder) { b.AddBytes([]byte("inter")) })
		})
	}))
	ske := handshakeMsg(msgServerKeyExchange, []byte{3, 0, 24, 1, 4})
	done := handshakeMsg(msgServerHelloDone, nil)
	flight := append(append(append(slicesClone(sh), cert...), ske...), done...)
	// The flight split across records in the middle of a message.
	split := append(record(recordHandshake, flight[:50]), record(recordHandshake, flight[50:])...)

	tests := []struct {
		name        string
		in          []byte
		wholeFlight bool
		wantSuite   uint16
		wantCerts   []string
		wantCurve   uint16
		wantAlert   uint8
		wantErr     string
	}{
		{name: "hello only", in: record(recordHandshake, flight), wantSuite: 0xc02f},
		{name: "whole flight", in: record(recordHandshake, flight), wholeFlight: true,
			wantSuite: 0xc02f, wantCerts: []string{"leaf", "inter"}, wantCurve: groupSecp384r1},
		{name: "split flight", in: split, wholeFlight: true,
			wantSuite: 0xc02f, wantCerts: []string{"leaf", "inter"}, wantCurve: groupSecp384r1},
		{name: "alert", in: record(recordAlert, []byte{2, 70}), wantAlert: 70},
		{name: "empty", in: nil, wantErr: "closed without an answer"},
		{name: "http", in: []byte("HTTP/1.1 400 Bad Request\r\n"), wantErr: "not TLS"},
		{name: "cut record", in: record(recordHandshake, flight)[:30], wantErr: "middle of a record"},
		{name: "oversized record", in: []byte{22, 3, 3, 0xff, 0xff}, wantErr: "over the"},
		{name: "certificate first", in: record(recordHandshake, cert), wantErr: "before the ServerHello"},
		{name: "short alert", in: record(recordAlert, []byte{2}), wantErr: "truncated alert"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := readResponse(bytes.NewReader(tt.in), tt.wholeFlight)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantAlert != 0 {
				if resp.alert == nil || resp.alert.description != tt.wantAlert {
					t.Fatalf("alert = %v, want %d", resp.alert, tt.wantAlert)
				}
				return
			}
			var certs []string
			for _, c := range resp.certificates {
				certs = append(certs, string(c))
			}
			if resp.hello.suite != tt.wantSuite || resp.curve != tt.wantCurve {
				t.Errorf("suite %#x curve %d, want %#x %d", resp.hello.suite, resp.curve, tt.wantSuite, tt.wantCurve)
			}
			if diff := cmp.Diff(tt.wantCerts, certs); diff != "" {
				t.Errorf("certificates (-want +got):\n%s", diff)
			}
		})
	}
}

func slicesClone(b []byte) []byte { return append([]byte(nil), b...) }

// TestReadResponseBounded feeds an endless stream of handshake records and
// checks that reading stops at maxFlight.
func TestReadResponseBounded(t *testing.T) {
	sh := handshakeMsg(msgServerHello, serverHelloBody(versionTLS12, 0xc02f, zeroRandom))
	// A Certificate message announcing 16 MiB that never ends.
	huge := append(slicesClone(sh), msgCertificate, 0xff, 0xff, 0xff)
	r := &endless{first: record(recordHandshake, huge), rec: record(recordHandshake, make([]byte, 16000))}
	_, err := readResponse(r, true)
	if err == nil || !strings.Contains(err.Error(), "handshake") {
		t.Fatalf("err = %v, want a size error", err)
	}
	if r.n > maxFlight+32<<10 {
		t.Errorf("read %d bytes, want at most about %d", r.n, maxFlight)
	}
}

type endless struct {
	first, rec []byte
	buf        []byte
	n          int
}

func (e *endless) Read(p []byte) (int, error) {
	if len(e.buf) == 0 {
		if e.first != nil {
			e.buf, e.first = e.first, nil
		} else {
			e.buf = e.rec
		}
	}
	n := copy(p, e.buf)
	e.buf = e.buf[n:]
	e.n += n
	return n, nil
}

func TestHelloMarshal(t *testing.T) {
	for _, v := range []uint16{versionSSL30, versionTLS10, versionTLS12, versionTLS13} {
		for _, n := range []int{1, 60, 110, len(suiteTable)} {
			var suites []uint16
			for _, s := range suiteTable[:n] {
				suites = append(suites, s.ID)
			}
			h := &hello{version: v, suites: suites, groups: helloGroups, serverName: "www.example.test", keyShare: zeroRandom}
			rec := h.marshal()
			if rec[0] != recordHandshake || int(rec[3])<<8|int(rec[4]) != len(rec)-5 {
				t.Fatalf("version %#x, %d suites: bad record header % x", v, n, rec[:5])
			}
			if l := len(rec) - 5; v != versionSSL30 && l >= 256 && l < 512 {
				t.Errorf("version %#x, %d suites: hello of %d bytes, want padding out of 256..511", v, n, l)
			}
			// The hello parses as crypto/tls would read it: check the
			// suites come back.
			s := cryptobyte.String(rec[5+4+2+32:])
			var sid, cs cryptobyte.String
			if !s.ReadUint8LengthPrefixed(&sid) || !s.ReadUint16LengthPrefixed(&cs) || len(cs) != 2*n {
				t.Fatalf("version %#x, %d suites: cannot read the suites back", v, n)
			}
		}
	}
}

func TestSuiteTable(t *testing.T) {
	seen := map[uint16]bool{}
	for _, s := range suiteTable {
		if seen[s.ID] {
			t.Errorf("%#04x listed twice", s.ID)
		}
		seen[s.ID] = true
		if s.KeyExchange == "" || s.Cipher == "" || s.MAC == "" || (s.Bits == 0) != (s.Cipher == "NULL") {
			t.Errorf("%s: incomplete properties %+v", s.Name, s.CipherSuite)
		}
	}
	// Every suite crypto/tls knows is in the table under its name.
	for _, s := range append(tls.CipherSuites(), tls.InsecureCipherSuites()...) {
		if got := suiteFor(s.ID).Name; got != s.Name {
			t.Errorf("%#04x: table says %s, crypto/tls %s", s.ID, got, s.Name)
		}
	}
	tests := []struct {
		id                    uint16
		kx, auth, cipher, mac string
		export                bool
		bits                  int
		tls12, tls13, ecdhe   bool
	}{
		{0xc02f, "ECDHE", "RSA", "AES_128_GCM", "AEAD", false, 128, true, false, true},
		{0xcca9, "ECDHE", "ECDSA", "CHACHA20_POLY1305", "AEAD", false, 256, true, false, true},
		{0x000a, "RSA", "RSA", "3DES_EDE_CBC", "SHA", false, 112, false, false, false},
		{0x0003, "RSA", "RSA", "RC4_40", "MD5", true, 40, false, false, false},
		{0x0064, "RSA", "RSA", "RC4_56", "SHA", true, 56, false, false, false},
		{0x0018, "anon", "anon", "RC4_128", "MD5", false, 128, false, false, false},
		{0xc015, "anon", "anon", "NULL", "SHA", false, 0, false, false, false},
		{0x003c, "RSA", "RSA", "AES_128_CBC", "SHA256", false, 128, true, false, false},
		{0xc0ae, "ECDHE", "ECDSA", "AES_128_CCM_8", "AEAD", false, 128, true, false, true},
		{0x0014, "DHE", "RSA", "DES40_CBC", "SHA", true, 40, false, false, false},
		{0xc00e, "ECDH", "RSA", "AES_128_CBC", "SHA", false, 128, false, false, false},
		{0x1305, "TLS13", "", "AES_128_CCM_8", "AEAD", false, 128, false, true, false},
		{0x1303, "TLS13", "", "CHACHA20_POLY1305", "AEAD", false, 256, false, true, false},
	}
	for _, tt := range tests {
		s := suiteByID[tt.id]
		got := []any{s.KeyExchange, s.Auth, s.Cipher, s.MAC, s.Export, s.Bits, s.tls12, s.tls13, s.ecdhe}
		want := []any{tt.kx, tt.auth, tt.cipher, tt.mac, tt.export, tt.bits, tt.tls12, tt.tls13, tt.ecdhe}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", s.Name, diff)
		}
	}
}

func FuzzReadResponse(f *testing.F) {
	sh := handshakeMsg(msgServerHello, serverHelloBody(versionTLS12, 0xc02f, zeroRandom,
		extension{extRenegotiationInfo, []byte{0}}))
	f.Add(record(recordHandshake, sh), true)
	f.Add(record(recordHandshake, append(slicesClone(sh), handshakeMsg(msgServerKeyExchange, []byte{3, 0, 23})...)), true)
	f.Add(record(recordAlert, []byte{2, 40}), false)
	f.Add([]byte("HTTP/1.0 200 OK\r\n"), false)
	// What real servers sent (see TestReplay).
	flights, _ := filepath.Glob(filepath.Join("testdata", "replay", "*.flight"))
	for _, path := range flights {
		_, server := readFlight(f, path)
		f.Add(server, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, whole bool) {
		resp, err := readResponse(bytes.NewReader(data), whole)
		if err == nil && resp.alert == nil && resp.hello == nil {
			t.Fatalf("no error, no alert, no hello")
		}
		if err != nil && resp != nil {
			t.Fatalf("both a response and an error")
		}
		if errors.Is(err, errClosed) && len(data) > 0 {
			t.Fatalf("errClosed with %d bytes", len(data))
		}
	})
}

func FuzzParseServerHello(f *testing.F) {
	f.Add(serverHelloBody(versionTLS12, 0x1301, helloRetryRandom[:],
		extension{extSupportedVersions, []byte{3, 4}}, extension{extKeyShare, []byte{0, 29}}))
	f.Add(serverHelloBody(versionTLS10, 0x002f, zeroRandom))
	f.Fuzz(func(t *testing.T, body []byte) {
		parseServerHello(body)
		parseCertificateMsg(body)
		parseECDHEParams(body)
	})
}
