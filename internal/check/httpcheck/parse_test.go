package httpcheck

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
)

func TestCSPWeaknesses(t *testing.T) {
	tests := []struct {
		in   string
		want []string // kinds
	}{
		{"default-src 'none'; script-src 'self'; base-uri 'none'", nil},
		{"default-src 'self'; object-src 'none'; base-uri 'self'", nil},
		{"script-src 'nonce-abc' 'unsafe-inline' 'strict-dynamic' https: http:; object-src 'none'; base-uri 'none'", nil},
		{"script-src 'sha256-abc=' 'unsafe-inline'; object-src 'none'; base-uri 'none'", nil},
		{"frame-ancestors 'self'", []string{"no-script-src", "object-src", "no-base-uri"}},
		{"default-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'self'", []string{"unsafe-inline"}},
		{"default-src 'self'; script-src 'UNSAFE-INLINE' 'unsafe-eval'; object-src 'none'; base-uri 'self'", []string{"unsafe-inline", "unsafe-eval"}},
		{"default-src *; base-uri 'self'", []string{"script-wildcard", "object-src"}},
		{"default-src 'self'; script-src https: data:; object-src 'none'; base-uri 'self'", []string{"script-wildcard"}},
		{"default-src 'none'; object-src *; base-uri 'self'", []string{"object-src"}},
		{"default-src 'none'; object-src 'none' 'self'; base-uri 'self'", []string{"object-src"}},
	}
	for _, tt := range tests {
		ps := audit.ParseCSP(tt.in)
		if len(ps) != 1 {
			t.Fatalf("ParseCSP(%q): %d policies, want 1", tt.in, len(ps))
		}
		var got []string
		for _, w := range cspWeaknesses(ps[0]) {
			got = append(got, w.Kind)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("weaknesses of %q (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestParseSecurityTxt(t *testing.T) {
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"valid", "# our policy\r\nContact: mailto:security@example.test\r\nContact: https://example.test/security\r\n\r\nExpires: 2026-12-31T23:00:00Z\r\nPreferred-Languages: fr, en\r\n", nil},
		{"signed", "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nContact: mailto:s@example.test\nExpires: 2026-06-01T00:00:00+02:00\n- # dash-escaped comment\n-----BEGIN PGP SIGNATURE-----\n\niQIzBAEBCgAdFiEE\n=abcd\n-----END PGP SIGNATURE-----\n", nil},
		{"empty", "", []string{"no Contact field", "no Expires field"}},
		{"empty contact", "Contact:\nExpires: 2026-12-31T23:00:00Z\n", []string{"no Contact field"}},
		{"expired", "Contact: mailto:s@example.test\nExpires: 2025-01-01T00:00:00Z\n", []string{"expired on 2025-01-01T00:00:00Z"}},
		{"expires now", "Contact: mailto:s@example.test\nExpires: 2026-03-01T00:00:00Z\n", []string{"expired on 2026-03-01T00:00:00Z"}},
		{"far", "Contact: mailto:s@example.test\nExpires: 2027-03-02T00:00:00Z\n", []string{"Expires 2027-03-02T00:00:00Z is more than a year ahead"}},
		{"bad date", "Contact: mailto:s@example.test\nExpires: 31/12/2026\n", []string{`Expires "31/12/2026" is not an RFC 3339 date`}},
		{"twice", "Contact: mailto:s@example.test\nExpires: 2026-12-31T23:00:00Z\nexpires: 2026-11-30T23:00:00Z\n", []string{"Expires appears 2 times, it must appear once"}},
		{"html", "<!doctype html>\n<html>\n<title>Accueil</title>\n", []string{"no Contact field", "no Expires field", `not a field nor a comment: line 1: "<!doctype html>" and 2 more lines`}},
		{"space in name", "Contact: mailto:s@example.test\nExpires: 2026-12-31T23:00:00Z\nBad Name: x\n", []string{`not a field nor a comment: line 3: "Bad Name: x"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range ParseSecurityTxt(tt.in).Problems(now) {
				got = append(got, m.Render("en"))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServerVersion(t *testing.T) {
	tests := map[string]bool{
		"nginx/1.22.1":                     true,
		"Apache/2.4.57 (Debian)":           true,
		"Apache/2":                         true,
		"Microsoft-IIS/10.0":               true,
		"openresty/1.21.4.1":               true,
		"Jetty(9.4.43.v20210629)":          true,
		"Python/3.11 aiohttp/3.8.4":        true,
		"nginx":                            false,
		"Apache":                           false,
		"cloudflare":                       false,
		"ECS (dcb/7F84)":                   false,
		"AmazonS3":                         false,
		"Apache (Debian)":                  false,
		"LiteSpeed":                        false,
		strings.Repeat("a/", 10000) + "x1": false,
	}
	for in, want := range tests {
		if got := versioned.MatchString(in); got != want {
			t.Errorf("versioned(%.40q) = %v, want %v", in, got, want)
		}
	}
}

func FuzzParseSecurityTxt(f *testing.F) {
	f.Add("Contact: mailto:s@example.test\nExpires: 2026-12-31T23:00:00Z\n")
	f.Add("-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n- Contact: x\n-----BEGIN PGP SIGNATURE-----\n")
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		file := ParseSecurityTxt(s)
		for _, fl := range file.Fields {
			if !isFieldName(fl.Name) || fl.Line < 1 {
				t.Errorf("ParseSecurityTxt(%q): bad field %+v", s, fl)
			}
		}
		file.Problems(now)
	})
}

func FuzzCSPWeaknesses(f *testing.F) {
	f.Add("default-src 'self'; script-src 'nonce-x' 'strict-dynamic', object-src 'none'")
	f.Add("script-src * 'unsafe-inline'; object-src data:")
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range audit.ParseCSP(s) {
			for _, w := range cspWeaknesses(p) {
				if w.Kind == "" || w.Reason == "" {
					t.Errorf("ParseCSP(%q): empty weakness %+v", s, w)
				}
			}
		}
	})
}
