package mailprobe_test

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/dnstest"
	"vigie.eu/vigie/internal/probe/mailprobe"
	"vigie.eu/vigie/internal/smtptest"
	"vigie.eu/vigie/internal/tlstest"
)

const mxZone = `
	example.test.    300 IN MX 10 mx.example.test.
	mx.example.test. 300 IN A  127.0.0.1
`

// mailServer starts an SMTP responder with STARTTLS and a certificate for
// mx.example.test.
func mailServer(t *testing.T) (*smtptest.Server, *tlstest.CA, *tlstest.Cert) {
	ca := tlstest.NewCA(t, "mx")
	cert := ca.Issue(t, tlstest.CertOptions{DNSNames: []string{"mx.example.test"}})
	srv := smtptest.NewServer(t, smtptest.Options{TLS: &tls.Config{Certificates: []tls.Certificate{cert.TLS(false)}}})
	return srv, ca, cert
}

func TestSTARTTLSAndDANE(t *testing.T) {
	srv, ca, cert := mailServer(t)
	spki := sha256.Sum256(cert.Leaf.RawSubjectPublicKeyInfo)
	tlsa := "_25._tcp.mx.example.test. 300 IN TLSA 3 1 1 " + hex.EncodeToString(spki[:]) + "\n"
	cfg := lab(t, mxZone+tlsa, dnstest.Signed())
	cfg.SMTPPort, cfg.Roots, cfg.RootsName = srv.Port, ca.Pool(), "test CA"
	mx := mailprobe.Probe(t.Context(), cfg, "example.test", nil).MX
	if mx.Error != "" || len(mx.Hosts) != 1 {
		t.Fatalf("MX = %+v", mx)
	}
	h := mx.Hosts[0]
	if diff := cmp.Diff([]audit.MXRecord{{Preference: 10, Host: "mx.example.test"}}, mx.Records); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"127.0.0.1"}, h.IPv4); diff != "" {
		t.Errorf("IPv4 (-want +got):\n%s", diff)
	}
	wantTLSA := &audit.TLSAObservation{Name: "_25._tcp.mx.example.test", Rcode: "NOERROR", DNSSEC: audit.DNSSECSecure,
		Records: []audit.TLSARecord{{Usage: 3, Selector: 1, MatchingType: 1, Data: hex.EncodeToString(spki[:])}}}
	if diff := cmp.Diff(wantTLSA, h.TLSA, cmpIgnoreReason); diff != "" {
		t.Errorf("TLSA (-want +got):\n%s", diff)
	}
	if len(h.SMTP) != 1 {
		t.Fatalf("%d SMTP observations, want 1", len(h.SMTP))
	}
	s := h.SMTP[0]
	if s.Error != "" || s.BannerCode != 220 || !s.STARTTLS || s.STARTTLSCode != 220 || s.TLSError != "" {
		t.Fatalf("SMTP = %+v", s)
	}
	if s.Banner != "mx.example.test ESMTP smtptest" {
		t.Errorf("Banner = %q", s.Banner)
	}
	if diff := cmp.Diff([]string{"PIPELINING", "SIZE 10240000", "8BITMIME", "STARTTLS"}, s.EHLO); diff != "" {
		t.Errorf("EHLO (-want +got):\n%s", diff)
	}
	if len(s.Chain) != 1+len(cert.Intermediates) || s.Chain[0].SPKISHA256 != hex.EncodeToString(spki[:]) {
		t.Errorf("Chain = %+v, want the leaf's SPKI digest first", s.Chain)
	}
	if s.TLS == nil || s.TLS.Error != "" || s.TLS.Verification == nil {
		t.Fatalf("TLS = %+v", s.TLS)
	}
	if v := s.TLS.Verification; !v.Trusted || !v.HostnameMatch || v.Roots != "test CA" {
		t.Errorf("Verification = %+v, want trusted and matching", v)
	}
	var accepted []string
	for _, p := range s.TLS.Protocols {
		if p.Accepted {
			accepted = append(accepted, p.Version)
		}
	}
	if diff := cmp.Diff([]string{audit.TLS12, audit.TLS13}, accepted); diff != "" {
		t.Errorf("accepted versions through STARTTLS (-want +got):\n%s", diff)
	}
}

var cmpIgnoreReason = cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".DNSSECReason" }, cmp.Ignore())

func TestMXShapes(t *testing.T) {
	for _, tc := range []struct {
		name  string
		zone  string
		check func(t *testing.T, mx *audit.MXObservation)
	}{
		{"null MX", "example.test. 300 IN MX 0 .\n", func(t *testing.T, mx *audit.MXObservation) {
			if !mx.Null || len(mx.Hosts) != 0 {
				t.Errorf("Null %v, %d hosts; want true, 0", mx.Null, len(mx.Hosts))
			}
		}},
		{"implicit", "example.test. 300 IN A 127.0.0.1\n", func(t *testing.T, mx *audit.MXObservation) {
			if !mx.Implicit || len(mx.Hosts) != 1 || mx.Hosts[0].Name != "example.test" || len(mx.Hosts[0].SMTP) != 1 || mx.Hosts[0].SMTP[0].BannerCode != 220 {
				t.Errorf("MX = %+v, want the domain itself probed", mx)
			}
		}},
		{"no mail host at all", "", func(t *testing.T, mx *audit.MXObservation) {
			if !mx.Implicit || len(mx.Hosts) != 0 || mx.Rcode != "NOERROR" {
				t.Errorf("MX = %+v, want implicit with no host", mx)
			}
		}},
		{"no such domain", "", nil},
		{"CNAME", "example.test. 300 IN MX 10 alias.example.test.\nalias.example.test. 300 IN CNAME mx.example.test.\nmx.example.test. 300 IN A 127.0.0.1\n", func(t *testing.T, mx *audit.MXObservation) {
			if len(mx.Hosts) != 1 || mx.Hosts[0].CNAME != "mx.example.test" || len(mx.Hosts[0].SMTP) != 1 {
				t.Errorf("MX = %+v, want the CNAME recorded and the host probed", mx)
			}
		}},
		{"address literal", "example.test. 300 IN MX 10 192.0.2.1.\n", func(t *testing.T, mx *audit.MXObservation) {
			if len(mx.Hosts) != 1 || !mx.Hosts[0].AddressLiteral || mx.Hosts[0].SMTP != nil {
				t.Errorf("MX = %+v, want an address literal, not probed", mx)
			}
		}},
		{"no address", "example.test. 300 IN MX 10 gone.example.test.\n", func(t *testing.T, mx *audit.MXObservation) {
			if len(mx.Hosts) != 1 || mx.Hosts[0].Error == "" || mx.Hosts[0].SMTP != nil {
				t.Errorf("MX = %+v, want an address error", mx)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.NewServer(t, smtptest.Options{})
			cfg := lab(t, tc.zone)
			cfg.SMTPPort = srv.Port
			domain := "example.test"
			if tc.check == nil {
				domain = "nowhere.example.test"
				tc.check = func(t *testing.T, mx *audit.MXObservation) {
					if mx.Rcode != "NXDOMAIN" || mx.Implicit || len(mx.Hosts) != 0 {
						t.Errorf("MX = %+v, want NXDOMAIN and nothing else", mx)
					}
				}
			}
			tc.check(t, mailprobe.Probe(t.Context(), cfg, domain, nil).MX)
		})
	}
}

func TestSMTPBehaviours(t *testing.T) {
	for _, tc := range []struct {
		name  string
		srv   func(t *testing.T) *smtptest.Server
		check func(t *testing.T, s *audit.SMTPObservation)
	}{
		{"no STARTTLS", func(t *testing.T) *smtptest.Server { return smtptest.NewServer(t, smtptest.Options{}) }, func(t *testing.T, s *audit.SMTPObservation) {
			if s.Error != "" || s.STARTTLS || s.TLS != nil || s.EHLOCode != 250 {
				t.Errorf("SMTP = %+v, want EHLO without STARTTLS", s)
			}
		}},
		{"STARTTLS refused", func(t *testing.T) *smtptest.Server {
			return smtptest.NewServer(t, smtptest.Options{RefuseSTARTTLS: true})
		}, func(t *testing.T, s *audit.SMTPObservation) {
			if s.Error != "" || !s.STARTTLS || s.STARTTLSCode != 454 || s.TLS != nil {
				t.Errorf("SMTP = %+v, want STARTTLS offered and refused with 454", s)
			}
		}},
		{"service refused", func(t *testing.T) *smtptest.Server {
			return smtptest.NewServer(t, smtptest.Options{Banner: "554-mx.example.test\r\n554 no service here\r\n"})
		}, func(t *testing.T, s *audit.SMTPObservation) {
			if s.Error != "" || s.BannerCode != 554 || s.Banner != "mx.example.test\nno service here" || s.EHLOCode != 0 {
				t.Errorf("SMTP = %+v, want a 554 greeting and nothing more", s)
			}
		}},
		{"hang", func(t *testing.T) *smtptest.Server { return smtptest.NewRawServer(t, "", smtptest.Hang) }, func(t *testing.T, s *audit.SMTPObservation) {
			if !strings.HasSuffix(s.Error, ": greeting: i/o timeout") {
				t.Errorf("Error = %q, want a greeting timeout", s.Error)
			}
		}},
		{"garbage", func(t *testing.T) *smtptest.Server { return smtptest.NewRawServer(t, "", smtptest.Garbage) }, func(t *testing.T, s *audit.SMTPObservation) {
			if !strings.Contains(s.Error, ": greeting: not an SMTP reply: ") {
				t.Errorf("Error = %q, want a garbage greeting", s.Error)
			}
		}},
		{"drip", func(t *testing.T) *smtptest.Server {
			return smtptest.NewRawServer(t, "", smtptest.Drip(time.Millisecond))
		}, func(t *testing.T, s *audit.SMTPObservation) {
			if !strings.Contains(s.Error, ": greeting: ") {
				t.Errorf("Error = %q, want the greeting to fail", s.Error)
			}
		}},
		{"closed", func(t *testing.T) *smtptest.Server {
			return &smtptest.Server{Port: port(t, tlstest.ClosedAddr(t))}
		}, func(t *testing.T, s *audit.SMTPObservation) {
			if !strings.HasSuffix(s.Error, ": connection refused") {
				t.Errorf("Error = %q, want connection refused", s.Error)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := tc.srv(t)
			cfg := lab(t, mxZone)
			cfg.SMTPPort, cfg.Timeout = srv.Port, 300*time.Millisecond
			mx := mailprobe.Probe(t.Context(), cfg, "example.test", nil).MX
			if len(mx.Hosts) != 1 || len(mx.Hosts[0].SMTP) != 1 {
				t.Fatalf("MX = %+v", mx)
			}
			tc.check(t, mx.Hosts[0].SMTP[0])
		})
	}
}

// TestDeadline: a hanging MX, a hanging policy server and a silent DNS
// server cannot keep Probe past its context.
func TestDeadline(t *testing.T) {
	hang := smtptest.NewRawServer(t, "", smtptest.Hang)
	cfg := lab(t, mxZone+txt("_mta-sts.example.test.", "v=STSv1; id=1;"))
	cfg.SMTPPort, cfg.MTASTSPort, cfg.Timeout = hang.Port, hang.Port, time.Minute
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	o := mailprobe.Probe(ctx, cfg, "example.test", nil)
	if s := o.MX.Hosts[0].SMTP[0]; !strings.HasSuffix(s.Error, "i/o timeout") {
		t.Errorf("SMTP error = %q, want a timeout", s.Error)
	}
	if !strings.Contains(o.MTASTS.FetchError, "i/o timeout") && !strings.Contains(o.MTASTS.FetchError, "deadline") {
		t.Errorf("MTA-STS fetch error = %q, want a timeout", o.MTASTS.FetchError)
	}
}

func port(t *testing.T, addr string) int {
	t.Helper()
	_, p, _ := strings.Cut(addr, ":")
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
