package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"vigie.eu/vigie/internal/operator"
	"vigie.eu/vigie/internal/store"
)

// adminServer returns a server with operators, and alice's TOTP secret.
func adminServer(t *testing.T, now time.Time) (*Server, string) {
	t.Helper()
	_, path := fixture(t)
	st, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	hash, err := operator.HashPassword("correct horse battery", operator.Params{Memory: 64, Time: 1, Threads: 1})
	if err != nil {
		t.Fatal(err)
	}
	key, err := operator.NewTOTP("alice")
	if err != nil {
		t.Fatal(err)
	}
	ops := st.(store.Operators)
	if err := ops.CreateOperator(context.Background(), store.Operator{Name: "alice", PasswordHash: hash, TOTPSecret: key.Secret}); err != nil {
		t.Fatal(err)
	}
	s, err := New(st, Options{Operators: ops, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return s, key.Secret
}

func form(t *testing.T, s http.Handler, path string, v url.Values, cookie *http.Cookie) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	req.RemoteAddr = "198.51.100.7:50000"
	if cookie != nil {
		req.AddCookie(cookie)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	return w.Result()
}

func TestAdminLogin(t *testing.T) {
	now := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	s, secret := adminServer(t, now)
	code, _ := totp.GenerateCode(secret, now)

	if r := get(t, s, "/admin"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/login" {
		t.Errorf("/admin signed out: %d %q", r.StatusCode, r.Header.Get("Location"))
	}
	if b := body(t, get(t, s, "/fr/admin/login")); !strings.Contains(b, `autocomplete="one-time-code"`) || !strings.Contains(b, "Code à usage unique") {
		t.Errorf("login page:\n%s", b)
	}
	// A password without its code, or with a wrong one, is refused.
	for _, c := range []string{"", "000000"} {
		r := form(t, s, "/en/admin/login", url.Values{"name": {"alice"}, "password": {"correct horse battery"}, "code": {c}}, nil)
		if b := body(t, r); r.StatusCode != http.StatusUnauthorized || !strings.Contains(b, "Wrong name, password or code") || len(r.Cookies()) != 0 {
			t.Errorf("code %q: status %d, cookies %v", c, r.StatusCode, r.Cookies())
		}
	}
	r := form(t, s, "/admin/login", url.Values{"name": {"alice"}, "password": {"correct horse battery"}, "code": {code}}, nil)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin" {
		t.Fatalf("login: status %d, Location %q", r.StatusCode, r.Header.Get("Location"))
	}
	var c *http.Cookie
	for _, k := range r.Cookies() {
		if k.Name == "__Host-vigie-session" {
			c = k
		}
	}
	if c == nil || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Domain != "" {
		t.Fatalf("session cookie %+v: want __Host-, Secure, HttpOnly, SameSite=Strict, Path=/", c)
	}
	// The same code again is refused (RFC 6238 section 5.2).
	if r := form(t, s, "/admin/login", url.Values{"name": {"alice"}, "password": {"correct horse battery"}, "code": {code}}, nil); r.StatusCode != http.StatusUnauthorized {
		t.Errorf("the same code twice: status %d, want 401", r.StatusCode)
	}
	req := httptest.NewRequest(http.MethodGet, "/en/admin", nil)
	req.AddCookie(c)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	page := w.Body.String()
	if w.Code != 200 || !strings.Contains(page, "<strong>alice</strong>") || !strings.Contains(page, "<code>login</code>") || !strings.Contains(page, "<code>login.fail</code>") || w.Header().Get("Cache-Control") != "no-store" {
		t.Fatalf("/admin: %d:\n%s", w.Code, page)
	}
	csrf := page[strings.Index(page, `name="csrf" value="`)+len(`name="csrf" value="`):]
	csrf = csrf[:strings.IndexByte(csrf, '"')]
	// Sign-out without the CSRF token, or with another, is refused.
	for _, bad := range []string{"", strings.Repeat("0", 64)} {
		if r := form(t, s, "/admin/logout", url.Values{"csrf": {bad}}, c); r.StatusCode != http.StatusForbidden {
			t.Errorf("logout with CSRF %q: status %d, want 403", bad, r.StatusCode)
		}
	}
	if r := form(t, s, "/admin/logout", url.Values{"csrf": {csrf}}, c); r.StatusCode != http.StatusSeeOther {
		t.Errorf("logout: status %d", r.StatusCode)
	}
	req = httptest.NewRequest(http.MethodGet, "/admin", nil)
	req.AddCookie(c)
	w = httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusSeeOther {
		t.Errorf("/admin after logout: %d, want 303 to the login", w.Code)
	}
}

func TestAdminThrottle(t *testing.T) {
	now := time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC)
	s, secret := adminServer(t, now)
	for range 3 {
		form(t, s, "/admin/login", url.Values{"name": {"alice"}, "password": {"wrong password!"}, "code": {"123456"}}, nil)
	}
	// Throttled now, even with the right password and code.
	code, _ := totp.GenerateCode(secret, now)
	r := form(t, s, "/admin/login", url.Values{"name": {"alice"}, "password": {"correct horse battery"}, "code": {code}}, nil)
	if b := body(t, r); r.StatusCode != http.StatusTooManyRequests || r.Header.Get("Retry-After") == "" || !strings.Contains(b, "Trop d&#39;essais") {
		t.Errorf("after 3 failures: status %d, Retry-After %q", r.StatusCode, r.Header.Get("Retry-After"))
	}
	// A cross-site login form is refused.
	req := httptest.NewRequest(http.MethodPost, "/admin/login", strings.NewReader("name=alice"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusForbidden {
		t.Errorf("cross-site login: %d", w.Code)
	}
}
