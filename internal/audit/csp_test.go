package audit

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCSP(t *testing.T) {
	tests := []struct {
		in   string
		want []CSPPolicy
	}{
		{"default-src 'self'", []CSPPolicy{{[]CSPDirective{{"default-src", []string{"'self'"}}}}}},
		{"  Script-SRC  'self'\thttps://cdn.example ; ; OBJECT-src 'none';",
			[]CSPPolicy{{[]CSPDirective{
				{"script-src", []string{"'self'", "https://cdn.example"}},
				{"object-src", []string{"'none'"}},
			}}}},
		// The first of duplicate directives wins.
		{"script-src 'self'; script-src *", []CSPPolicy{{[]CSPDirective{{"script-src", []string{"'self'"}}}}}},
		// Commas separate policies; empty ones are dropped.
		{"default-src 'self', , script-src 'none'",
			[]CSPPolicy{
				{[]CSPDirective{{"default-src", []string{"'self'"}}}},
				{[]CSPDirective{{"script-src", []string{"'none'"}}}},
			}},
		{"upgrade-insecure-requests", []CSPPolicy{{[]CSPDirective{{"upgrade-insecure-requests", []string{}}}}}},
		{"", nil},
		{" ; ;, ", nil},
	}
	for _, tt := range tests {
		got := ParseCSP(tt.in)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseCSP(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestCSPDirectives(t *testing.T) {
	got := CSPDirectives(" Script-SRC 'self'; script-src *;\tREPORT-URI /a ;; report-uri /b")
	want := []CSPDirective{
		{"script-src", []string{"'self'"}},
		{"script-src", []string{"*"}},
		{"report-uri", []string{"/a"}},
		{"report-uri", []string{"/b"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CSPDirectives (-want +got):\n%s", diff)
	}
}

func TestIsCSPNonceOrHash(t *testing.T) {
	for src, want := range map[string]bool{
		"'nonce-abc'": true, "'sha256-x='": true, "'sha384-x'": true, "'sha512-x'": true,
		"'sha1-x'": false, "'self'": false, "nonce-abc": false, "https:": false,
	} {
		if got := IsCSPNonceOrHash(src); got != want {
			t.Errorf("IsCSPNonceOrHash(%q) = %v, want %v", src, got, want)
		}
	}
}

func FuzzParseCSP(f *testing.F) {
	f.Add("default-src 'self'; script-src 'nonce-x' 'strict-dynamic', object-src 'none'")
	f.Add(" ;,;\t\f")
	f.Fuzz(func(t *testing.T, s string) {
		for _, p := range ParseCSP(s) {
			if len(p.Directives) == 0 {
				t.Errorf("ParseCSP(%q): empty policy kept", s)
			}
			seen := map[string]bool{}
			for _, d := range p.Directives {
				if d.Name == "" || d.Name != strings.ToLower(d.Name) || seen[d.Name] {
					t.Errorf("ParseCSP(%q): bad or duplicate directive name %q", s, d.Name)
				}
				seen[d.Name] = true
			}
		}
	})
}
