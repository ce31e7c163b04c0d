package audit

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

var placeholder = regexp.MustCompile(`\{([a-z0-9_]+)\}`)

func names(tmpl string) []string {
	var out []string
	for _, m := range placeholder.FindAllStringSubmatch(tmpl, -1) {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	slices.Sort(out)
	return out
}

// TestCatalogue walks the catalogue: every code has both languages, a
// well-formed code, braces only around parameter names, and French and
// English use the same parameters, except the failures whose English
// rendering is the probe's own text ("{detail}").
func TestCatalogue(t *testing.T) {
	code := regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_-]+)*$`)
	for c, tx := range Messages {
		if !code.MatchString(c) {
			t.Errorf("code %q is not well formed", c)
		}
		if strings.TrimSpace(tx.FR) == "" || strings.TrimSpace(tx.EN) == "" {
			t.Errorf("code %s lacks a language: %+v", c, tx)
			continue
		}
		for _, s := range []string{tx.FR, tx.EN} {
			if strings.Count(s, "{") != strings.Count(s, "}") || strings.Count(s, "{") != len(placeholder.FindAllString(s, -1)) {
				t.Errorf("code %s: braces that are not placeholders in %q", c, s)
			}
		}
		fr, en := names(tx.FR), names(tx.EN)
		if tx.EN == "{detail}" {
			continue
		}
		if !slices.Equal(fr, en) {
			t.Errorf("code %s: French uses %v, English %v", c, fr, en)
		}
	}
}

func TestRender(t *testing.T) {
	m := M("tls.cert.expired", "not_after", "2026-01-01T00:00:00Z").WithItems(M("time.days", "n", "3"))
	if got, want := m.Render("en"), "not after 2026-01-01T00:00:00Z, 3 days before the audit"; got != want {
		t.Errorf("en: %q, want %q", got, want)
	}
	if got, want := m.Render("fr"), "valide jusqu'au 2026-01-01T00:00:00Z, 3 jours avant l'audit"; got != want {
		t.Errorf("fr: %q, want %q", got, want)
	}
	unknown := M("no.such.code", "b", "2", "a", "1")
	if unknown.Known() || unknown.Render("fr") != "no.such.code a=1 b=2" {
		t.Errorf("unknown code: Known %v, rendered %q", unknown.Known(), unknown.Render("fr"))
	}
	if M("list").WithItems(unknown).Known() {
		t.Error("a message with an unknown item is known")
	}
}

func TestFailure(t *testing.T) {
	for _, tt := range []struct{ in, code, fr string }{
		{"dial tcp 127.0.1.8:443: connect: connection refused", "net.refused", "connexion refusée (127.0.1.8:443)"},
		{"dnsprobe: lookup www.bare.test: no such host", "dns.no_such_host", "nom introuvable dans le DNS (www.bare.test)"},
		{"read udp 127.0.0.1:5353: i/o timeout", "net.timeout", "pas de réponse dans le délai (127.0.0.1:5353)"},
		{"httpprobe: redirect loop: https://a.test/", "http.redirect_loop", "boucle de redirections"},
		{"x509: certificate signed by unknown authority", "tls.unknown_authority", "certificat émis par une autorité inconnue"},
		{"something odd", "failure.other", `erreur : "something odd"`},
	} {
		m := Failure(tt.in)
		if m.Code != tt.code || m.Render("fr") != tt.fr {
			t.Errorf("Failure(%q) = %s %q, want %s %q", tt.in, m.Code, m.Render("fr"), tt.code, tt.fr)
		}
		if m.Code != "failure.other" && m.Render("en") != Quote(tt.in) {
			t.Errorf("Failure(%q) in English = %q, want the probe's text quoted", tt.in, m.Render("en"))
		}
	}
	if Failure("").Code != "" {
		t.Error("no error gave a failure")
	}
}

func TestDecimal(t *testing.T) {
	for _, tt := range []struct {
		x    float64
		prec int
		lang string
		want string
	}{
		{13.62, 1, "fr", "13,6"},
		{13.62, 1, "en", "13.6"},
		{100, 1, "fr", "100,0"},
		{0.5, 0, "fr", "0"},
		{2.25, 2, "", "2,25"},
	} {
		if got := Decimal(tt.x, tt.prec, tt.lang); got != tt.want {
			t.Errorf("Decimal(%v, %d, %q) = %q, want %q", tt.x, tt.prec, tt.lang, got, tt.want)
		}
	}
}
