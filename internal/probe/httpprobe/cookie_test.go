package httpprobe

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
)

func TestParseSetCookie(t *testing.T) {
	tests := []struct {
		in   string
		want audit.Cookie
	}{
		{"sid=abc", audit.Cookie{Name: "sid", Raw: "sid=…"}},
		{"sid=abc; Secure; HttpOnly; SameSite=Strict; Path=/; Domain=.example.test",
			audit.Cookie{Name: "sid", Secure: true, HttpOnly: true, SameSite: "Strict", Path: "/", Domain: ".example.test",
				Raw: "sid=…; Secure; HttpOnly; SameSite=Strict; Path=/; Domain=.example.test"}},
		// Attribute names are compared without regard to case; values
		// are kept as written, SameSite spelled canonically when known.
		{"  a = b ;secure;HTTPONLY;samesite=none", audit.Cookie{Name: "a", Secure: true, HttpOnly: true, SameSite: "None",
			Raw: "a=…; secure; HTTPONLY; samesite=none"}},
		{"a=b; SameSite=Bogus", audit.Cookie{Name: "a", SameSite: "Bogus", Raw: "a=…; SameSite=Bogus"}},
		{"a=b; SameSite", audit.Cookie{Name: "a", Raw: "a=…; SameSite"}},
		// The last attribute of a name wins (RFC 6265, section 5.3).
		{"a=b; Path=/x; Path=/y", audit.Cookie{Name: "a", Path: "/y", Raw: "a=…; Path=/x; Path=/y"}},
		{"a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0",
			audit.Cookie{Name: "a", Expires: "Thu, 01 Jan 1970 00:00:00 GMT", MaxAge: "0",
				Raw: "a=…; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0"}},
		{"empty=", audit.Cookie{Name: "empty", Raw: "empty="}},
		{"novalue; Secure", audit.Cookie{Name: "novalue", Secure: true, Raw: "novalue; Secure"}},
		{"a=b;;; ;Secure=yes", audit.Cookie{Name: "a", Secure: true, Raw: "a=…; Secure=yes"}},
		{"", audit.Cookie{}},
		{"=v", audit.Cookie{Raw: "=…"}},
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
