package audit

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestParseSetCookie(t *testing.T) {
	tests := []struct {
		in   string
		want Cookie
	}{
		{"sid=abc", Cookie{Name: "sid", Raw: "sid=…"}},
		{"sid=abc; Secure; HttpOnly; SameSite=Strict; Path=/; Domain=.example.test",
			Cookie{Name: "sid", Secure: true, HttpOnly: true, SameSite: "Strict", Path: "/", Domain: ".example.test",
				Raw: "sid=…; Secure; HttpOnly; SameSite=Strict; Path=/; Domain=.example.test"}},
		// Attribute names are compared without regard to case; values
		// are kept as written, SameSite spelled canonically when known.
		{"  a = b ;secure;HTTPONLY;samesite=none", Cookie{Name: "a", Secure: true, HttpOnly: true, SameSite: "None",
			Raw: "a=…; secure; HTTPONLY; samesite=none"}},
		{"a=b; SameSite=Bogus", Cookie{Name: "a", SameSite: "Bogus", Raw: "a=…; SameSite=Bogus"}},
		{"a=b; SameSite", Cookie{Name: "a", Raw: "a=…; SameSite"}},
		// The last attribute of a name wins (RFC 6265, section 5.3).
		{"a=b; Path=/x; Path=/y", Cookie{Name: "a", Path: "/y", Raw: "a=…; Path=/x; Path=/y"}},
		{"a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0",
			Cookie{Name: "a", Expires: "Thu, 01 Jan 1970 00:00:00 GMT", MaxAge: "0",
				Raw: "a=…; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"}},
		{"empty=", Cookie{Name: "empty", Raw: "empty="}},
		{"novalue; Secure", Cookie{Name: "novalue", Secure: true, Raw: "novalue; Secure"}},
		{"a=b;;; ;Secure=yes", Cookie{Name: "a", Secure: true, Raw: "a=…; Secure=yes"}},
		{"", Cookie{}},
		{"=v", Cookie{Raw: "=…"}},
	}
	for _, tt := range tests {
		got := ParseSetCookie(tt.in)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseSetCookie(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func FuzzParseSetCookie(f *testing.F) {
	f.Add("sid=abc; Secure; HttpOnly; SameSite=Lax; Path=/")
	f.Add("a=b;;=;Domain=;Max-Age=-1")
	f.Fuzz(func(t *testing.T, line string) {
		c := ParseSetCookie(line)
		// The value is never kept: Raw is the name, the attributes and
		// at most "=…".
		name, value, _ := strings.Cut(line, ";")
		_, value, _ = strings.Cut(name, "=")
		if v := strings.Trim(value, " \t"); len(v) > 3 && utf8.ValidString(v) && strings.Contains(c.Raw, v) &&
			!strings.Contains(line[len(name):], v) && !strings.Contains(c.Name, v) {
			t.Errorf("value %q kept in Raw %q", v, c.Raw)
		}
	})
}

func TestCookieAttributes(t *testing.T) {
	c := ParseSetCookie("sid=abc; SameSite; Path=/x ; samesite = Lax=x;;Max-Age= 0")
	want := []CookieAttribute{{"SameSite", ""}, {"Path", "/x"}, {"samesite", "Lax=x"}, {"Max-Age", "0"}}
	if diff := cmp.Diff(want, c.Attributes()); diff != "" {
		t.Errorf("Attributes of %q (-want +got):\n%s", c.Raw, diff)
	}
	if got := (Cookie{Name: "a", Raw: "a=…"}).Attributes(); got != nil {
		t.Errorf("no attribute: %v, want none", got)
	}
}

func TestMaxAgeSeconds(t *testing.T) {
	type res struct {
		N  int64
		OK bool
	}
	for in, want := range map[string]res{
		"0": {0, true}, " 3600 ": {3600, true}, "-1": {-1, true}, "+5": {5, true},
		"": {0, false}, "1h": {0, false}, "99999999999999999999": {0, false},
	} {
		n, ok := Cookie{MaxAge: in}.MaxAgeSeconds()
		if !ok {
			n = 0
		}
		if diff := cmp.Diff(want, res{n, ok}); diff != "" {
			t.Errorf("MaxAgeSeconds(%q) (-want +got):\n%s", in, diff)
		}
	}
}

func TestExpiresTime(t *testing.T) {
	want := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for _, in := range []string{"Sun, 01 Mar 2026 10:00:00 GMT", "Sunday, 01-Mar-26 10:00:00 GMT", "Sun Mar  1 10:00:00 2026"} {
		if got, ok := (Cookie{Expires: in}).ExpiresTime(); !ok || !got.Equal(want) {
			t.Errorf("ExpiresTime(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "tomorrow", "2026-03-01T10:00:00Z"} {
		if got, ok := (Cookie{Expires: in}).ExpiresTime(); ok {
			t.Errorf("ExpiresTime(%q) = %v, want none", in, got)
		}
	}
}
