package webtest

import (
	"bufio"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// nginxHeaders reads the add_header directives of an nginx file, one a
// line as e2e/lab writes them: add_header Name "value" [always];
func nginxHeaders(t *testing.T, path string) []Header {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Header
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		rest, ok := strings.CutPrefix(line, "add_header ")
		if !ok {
			continue
		}
		name, value, ok := strings.Cut(strings.TrimSpace(rest), " ")
		value = strings.TrimSuffix(strings.TrimSpace(value), ";")
		value = strings.TrimSpace(strings.TrimSuffix(value, " always"))
		unquoted, err := strconv.Unquote(value)
		if !ok || err != nil {
			t.Fatalf("%s:%d: %q: want add_header Name \"value\" [always];", path, n, line)
		}
		out = append(out, Header{name, unquoted})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNginxGoodHeaders: the e2e lab's nginx sends the good site's
// headers as GoodHeaders says, every one with "always" (so that error
// pages carry them too), and no other security header.
func TestNginxGoodHeaders(t *testing.T) {
	const path = "../../e2e/lab/headers.conf"
	var got []Header
	for _, h := range nginxHeaders(t, path) {
		if h.Name != "Set-Cookie" { // the session cookie, not a header of this list
			got = append(got, h)
		}
	}
	if want := GoodHeaders(); !slices.Equal(got, want) {
		t.Errorf("%s sends\n%q\nwant (webtest.GoodHeaders)\n%q", path, got, want)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "add_header ") && !strings.Contains(line, "Set-Cookie") && !strings.HasSuffix(line, " always;") {
			t.Errorf("%s: %q: want \"always\"", path, line)
		}
	}
}

// TestNginxWeakHeaders: weakweb.test's headers are weak in HSTS and CSP
// only; "the other headers are right", as GoodHeaders says.
func TestNginxWeakHeaders(t *testing.T) {
	const path = "../../e2e/lab/weak-headers.conf"
	weak := map[string]string{}
	for _, h := range nginxHeaders(t, path) {
		weak[h.Name] = h.Value
	}
	for _, h := range GoodHeaders() {
		got, ok := weak[h.Name]
		switch h.Name {
		case "Strict-Transport-Security", "Content-Security-Policy":
			if !ok || got == h.Value {
				t.Errorf("%s: %s %q, want a weak one", path, h.Name, got)
			}
		default:
			if got != h.Value {
				t.Errorf("%s: %s %q, want %q (webtest.GoodHeaders)", path, h.Name, got, h.Value)
			}
		}
	}
}

func TestSetGoodHeaders(t *testing.T) {
	h := http.Header{}
	SetGoodHeaders(h, false)
	if h.Get("Strict-Transport-Security") != "" {
		t.Error("HSTS over plain HTTP")
	}
	if len(h) != len(GoodHeaders())-1 {
		t.Errorf("%d headers over HTTP, want %d", len(h), len(GoodHeaders())-1)
	}
	SetGoodHeaders(h, true)
	for _, x := range GoodHeaders() {
		if got := h.Get(x.Name); got != x.Value {
			t.Errorf("%s: %q, want %q", x.Name, got, x.Value)
		}
	}
}

func TestSecurityTxt(t *testing.T) {
	now := time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	fields := map[string]string{}
	for _, line := range strings.Split(strings.TrimSuffix(SecurityTxt("example.test", now), "\n"), "\n") {
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("line %q: want \"Field: value\"", line)
		}
		fields[name] = value
	}
	if got, want := fields["Contact"], "mailto:securite@example.test"; got != want {
		t.Errorf("Contact %q, want %q", got, want)
	}
	// RFC 9116 section 2.5.5: one Expires, RFC 3339, less than a year
	// ahead.
	exp, err := time.Parse(time.RFC3339, fields["Expires"])
	if err != nil || !exp.Equal(now.Add(180*24*time.Hour)) {
		t.Errorf("Expires %q (%v), want 180 days after %v", fields["Expires"], err, now)
	}
}

func TestCookies(t *testing.T) {
	if c := GoodCookie(true); !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
		t.Errorf("GoodCookie(true) = %v", c)
	}
	if c := GoodCookie(false); c.Secure {
		t.Errorf("GoodCookie(false) = %v, Secure over HTTP", c)
	}
	if c := NeglectedCookie(); c.Secure || c.HttpOnly || c.SameSite != 0 {
		t.Errorf("NeglectedCookie() = %v, want no flag", c)
	}
}
