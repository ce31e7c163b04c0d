package report

import (
	"strings"
	"testing"

	"vigie.eu/vigie/internal/audit"
)

// TestEnglishCatalogue renders every message of the catalogue in French,
// with placeholder parameters, and fails on any English fragment of the
// catalogue in it; and checks that the English renderings are caught.
func TestEnglishCatalogue(t *testing.T) {
	if n := len(EnglishFragments()); n < 50 {
		t.Fatalf("%d English fragments, want the catalogue's sentences", n)
	}
	caught := 0
	for code, tx := range audit.Messages {
		m := audit.Message{Code: code, Params: map[string]string{}}
		for _, name := range placeholderRE.FindAllString(tx.EN+tx.FR, -1) {
			m.Params[strings.Trim(name, "{}")] = "x"
		}
		if en := English(m.Render("fr")); len(en) > 0 {
			t.Errorf("%s in French holds English: %q", code, en)
		}
		if len(English(m.Render("en"))) > 0 {
			caught++
		}
	}
	t.Logf("%d codes, %d English fragments; %d English renderings caught", len(audit.Messages), len(EnglishFragments()), caught)
	if caught < 50 {
		t.Errorf("only %d English renderings caught", caught)
	}
	for _, raw := range []string{"dnsprobe: lookup www.bare.test: no such host", "dial tcp 127.0.1.8:443: connect: connection refused"} {
		if len(English("  - DNS : "+raw)) != 1 {
			t.Errorf("raw Go error %q not caught", raw)
		}
	}
}
