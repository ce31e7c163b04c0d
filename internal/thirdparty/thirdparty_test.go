package thirdparty

import (
	"strings"
	"testing"
)

func TestEmbedded(t *testing.T) {
	tab, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range tab.Entities {
		if len(e.Sources) == 0 {
			t.Errorf("%s: no source", e.ID)
		}
		for _, s := range e.Sources {
			if !strings.HasPrefix(s, "https://") {
				t.Errorf("%s: source %q is not https", e.ID, s)
			}
		}
	}
}

func TestMatch(t *testing.T) {
	tab, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ host, path, want string }{
		{"www.googletagmanager.com", "/gtm.js", "google-tag-manager"},
		{"www.googletagmanager.com", "/gtag/js", "google-analytics"},
		{"WWW.Google-Analytics.com.", "/analytics.js", "google-analytics"},
		{"region1.google-analytics.com", "/g/collect", "google-analytics"},
		{"fonts.googleapis.com", "/css2", "google-fonts"},
		{"www.google.com", "/recaptcha/api.js", "google-recaptcha"},
		{"www.google.com", "/search", ""},
		{"connect.facebook.net", "/en_US/fbevents.js", "meta-pixel"},
		{"www.facebook.com", "/tr", "meta-pixel"},
		{"www.facebook.com", "/plugins/page.php", "meta"},
		{"static.hotjar.com", "/c/hotjar-1.js", "hotjar"},
		{"www.clarity.ms", "/tag/x", "microsoft-clarity"},
		{"mc.yandex.ru", "/metrika/tag.js", "yandex-metrica"},
		{"cdn.jsdelivr.net", "/npm/tarteaucitronjs/tarteaucitron.js", "jsdelivr"},
		{"www.mairie.test", "/js/tarteaucitron/tarteaucitron.js", "tarteaucitron"},
		{"stats.mairie.test", "/matomo.js", "matomo"},
		{"sdk.privacy-center.org", "/loader.js", "didomi"},
		{"static.axept.io", "/sdk.js", "axeptio"},
		{"www.mairie.test", "/", ""},
		{"notgoogle-analytics.com", "/", ""},
		{"com", "/", ""},
	} {
		got := ""
		if e := tab.Match(tc.host, tc.path); e != nil {
			got = e.ID
		}
		if got != tc.want {
			t.Errorf("Match(%q, %q) = %q, want %q", tc.host, tc.path, got, tc.want)
		}
	}
}

func TestJurisdiction(t *testing.T) {
	tab, _ := Load()
	ga := tab.Match("www.google-analytics.com", "/")
	if !tab.Extraterritorial(ga) || strings.Join(tab.Jurisdictions(ga), ",") != "US" {
		t.Errorf("Google Analytics: extraterritorial %v, jurisdictions %v", tab.Extraterritorial(ga), tab.Jurisdictions(ga))
	}
	hj := tab.Match("static.hotjar.com", "/")
	if tab.Extraterritorial(hj) {
		t.Errorf("Hotjar (Malta) is extraterritorial")
	}
	if y := tab.Match("mc.yandex.ru", "/"); !tab.Extraterritorial(y) {
		t.Errorf("Yandex is not extraterritorial")
	}
}

func TestOperator(t *testing.T) {
	tab, _ := Load()
	m, err := tab.With([]byte(`{"version": "mairie-1",
	  "laws": [{"id": "fr", "jurisdiction": "FR", "class": "eu", "name": {"fr": "droit français", "en": "French law"}, "source": "https://www.legifrance.gouv.fr/"}],
	  "entities": [
	    {"id": "stats-region", "name": "Statistiques de la région", "category": "analytics", "company": "Région", "country": "FR", "laws": ["fr"], "domains": ["stats.region.test"], "sources": ["https://region.test/"]},
	    {"id": "google-fonts", "name": "Polices Google (revu)", "category": "fonts", "company": "Google LLC", "country": "US", "laws": ["us-cloud-act"], "domains": ["fonts.gstatic.com"], "sources": ["https://region.test/"]}
	  ]}`))
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != "2026.1+mairie-1" {
		t.Errorf("version %q", m.Version)
	}
	if e := m.Match("stats.region.test", "/x"); e == nil || e.ID != "stats-region" {
		t.Errorf("operator entry not matched: %v", e)
	}
	if e := m.Match("fonts.gstatic.com", "/s/x.woff2"); e == nil || e.Name != "Polices Google (revu)" {
		t.Errorf("operator entry does not replace the table's: %v", e)
	}
	// The table's entry of that id is gone, not only shadowed.
	if e := m.Match("fonts.googleapis.com", "/css"); e != nil {
		t.Errorf("fonts.googleapis.com matched %v after the operator replaced google-fonts", e)
	}
	if e := m.Match("www.googletagmanager.com", "/gtm.js"); e == nil || e.ID != "google-tag-manager" {
		t.Errorf("table entry lost: %v", e)
	}
}

func TestParseErrors(t *testing.T) {
	for _, bad := range []string{
		`{`,
		`{"entities": []}`,
		`{"version": "1", "entities": [{"id": "x", "name": "X", "category": "nope", "domains": ["x.test"], "sources": []}]}`,
		`{"version": "1", "entities": [{"id": "x", "name": "X", "category": "cdn", "laws": ["nope"], "domains": ["x.test"]}]}`,
		`{"version": "1", "entities": [{"id": "x", "name": "X", "category": "cdn"}]}`,
		`{"version": "1", "entities": [{"id": "x", "name": "X", "category": "cdn", "domains": ["*.x.test"]}]}`,
		`{"version": "1", "entities": [{"id": "x", "name": "X", "category": "cdn", "paths": ["x.js"]}]}`,
	} {
		if _, err := Parse([]byte(bad)); err == nil {
			t.Errorf("Parse(%s): no error", bad)
		}
	}
}

func TestParty(t *testing.T) {
	for _, tc := range []struct{ site, host, want string }{
		{"mairie.fr", "www.mairie.fr", First},
		{"mairie.fr", "mairie.fr", First},
		{"ville.gouv.fr", "autre.gouv.fr", Third},
		{"mairie.fr", "fonts.googleapis.com", Third},
		{"mairie.test", "cdn.mairie.test", First},
	} {
		if got := Party(tc.site, tc.host); got != tc.want {
			t.Errorf("Party(%q, %q) = %s, want %s", tc.site, tc.host, got, tc.want)
		}
	}
}

func BenchmarkMatch(b *testing.B) {
	tab, _ := Load()
	for b.Loop() {
		tab.Match("region1.analytics.google-analytics.com", "/g/collect")
		tab.Match("www.mairie.test", "/js/app.js")
	}
}
