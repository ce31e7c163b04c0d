package report

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/golden"
	"vigie.eu/vigie/internal/score"
)

// scored reads testdata/result.json and scores it as the engine does.
func scored(t *testing.T) *audit.Result {
	t.Helper()
	b, err := os.ReadFile("testdata/result.json")
	if err != nil {
		t.Fatal(err)
	}
	var r audit.Result
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	r.Score = score.Compute(r.Findings, r.Observations)
	if r.Score == nil {
		t.Fatal("the fixture has no score")
	}
	return &r
}

// TestTextMayor checks the first part of a scored report: the grade with
// its meaning and its points out of 100, the actions in the plan's order
// with who does each, the glossary, before any detail.
func TestTextMayor(t *testing.T) {
	r := scored(t)
	plan := score.Gains(r.Findings, r.Observations)
	for _, lang := range []string{"fr", "en"} {
		var b bytes.Buffer
		if err := Text(&b, r, Options{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		golden.File(t, "testdata/result.scored."+lang+".golden", b.Bytes())
		out := b.String()
		details := strings.Index(out, map[string]string{"fr": "Détails pour le technicien", "en": "Details for the technician"}[lang])
		if details < 0 {
			t.Fatalf("%s: no details heading:\n%s", lang, out)
		}
		first := out[:details]
		if !strings.Contains(first, score.GradeMeaning(r.Score.Grade).In(lang)) {
			t.Errorf("%s: the grade's meaning is not on the first part", lang)
		}
		if strings.Contains(out, "/100") {
			t.Errorf("%s: a bare fraction of points", lang)
		}
		at := 0
		for i, g := range plan[:min(3, len(plan))] {
			title := actionTitle(g, r.Findings, lang)
			j := strings.Index(first, title)
			if j < at {
				t.Errorf("%s: action %d (%s) missing or out of order", lang, i+1, title)
			}
			at = j
		}
		if strings.Contains(first, "Correction") || strings.Contains(first, "Fix:") {
			t.Errorf("%s: remediation (configuration) in the first part", lang)
		}
		for _, l := range strings.Split(first, "\n") {
			if n := len([]rune(l)); n > width {
				t.Errorf("%s: first part line of %d runes: %q", lang, n, l)
			}
		}
	}
}

func TestActorOf(t *testing.T) {
	for id, want := range map[string]string{
		"tls.protocol.tls10":       "l'hébergeur du site et du domaine",
		"http.hsts.missing":        "l'hébergeur du site et du domaine",
		"http.csp.missing":         "l'agence web (ou le prestataire du site)",
		"mail.dmarc.missing":       "le prestataire de messagerie",
		"http.securitytxt.missing": "l'organisation elle-même (son responsable informatique)",
		"dns.address.not_public":   "l'organisation elle-même (son responsable informatique)",
		"dns.dnssec.missing":       "l'hébergeur du site et du domaine",
	} {
		if got := actorOf(id).FR; got != want {
			t.Errorf("%s: %q, want %q", id, got, want)
		}
	}
}

// TestTextEcoIndex checks that the text report shows the eco-design
// indicator with its measures, in French with decimal commas.
func TestTextEcoIndex(t *testing.T) {
	r := &audit.Result{Domain: "example.test", Observations: &audit.Observations{Domain: "example.test"},
		Score: &audit.Score{Grade: "B", Points: 80, Indicators: []audit.IndicatorScore{{Indicator: "ecodesign", Grade: "B", Points: 72,
			EcoIndex: &audit.EcoIndexScore{Page: "https://example.test/", DOMElements: 100, Requests: 100, SizeKB: 100, Score: 72, Grade: "B", GHG: 1.56, Water: 2.34}}}}}
	for lang, want := range map[string][]string{
		"fr": {"Écoconception : EcoIndex 72/100 (B)", "1,56 gCO2e et 2,34 cl d'eau par vue", "100 éléments, 100 requêtes, 100 Ko (https://example.test/)", "GreenIT.fr"},
		"en": {"Eco-design: EcoIndex 72/100 (B)", "1.56 gCO2e and 2.34 cl of water per view", "100 elements, 100 requests, 100 KB (https://example.test/)"},
	} {
		var got bytes.Buffer
		if err := Text(&got, r, Options{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		flat := strings.Join(strings.Fields(got.String()), " ")
		for _, w := range want {
			if !strings.Contains(flat, w) {
				t.Errorf("%s: report lacks %q:\n%s", lang, w, got.String())
			}
		}
	}
}
