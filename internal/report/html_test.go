package report

import (
	"bytes"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/golden"
	"vigie.eu/vigie/internal/score"
)

// TestHTML renders the scored fixture, with a hostile evidence, and checks
// that the page is self-contained, in the right language, escapes what
// came from the server, and has the first part before the details.
func TestHTML(t *testing.T) {
	r := scored(t)
	r.Findings[0].Evidence = `<script>alert(1)</script><img src="https://evil.test/x">` + "\x1b[31m"
	r.Findings[1].Evidence, r.Findings[1].EvidenceFR = "evidence in English", "constat en français"
	for _, lang := range []string{"fr", "en"} {
		var b bytes.Buffer
		if err := HTML(&b, r, Options{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		golden.File(t, "testdata/result.scored."+lang+".html", b.Bytes())
		if !strings.Contains(out, `<html lang="`+lang+`">`) {
			t.Errorf("%s: no lang attribute", lang)
		}
		for _, bad := range []string{"<script", "<img", "<link", `src="`, `href="http`, "url(", "@import", "\x1b"} {
			if strings.Contains(out, bad) {
				t.Errorf("%s: page contains %q", lang, bad)
			}
		}
		want, other := "constat en français", "evidence in English"
		if lang == "en" {
			want, other = other, want
		}
		if !strings.Contains(out, want) || strings.Contains(out, other) {
			t.Errorf("%s: the evidence is not shown in the page's language (want %q, not %q)", lang, want, other)
		}
		if !strings.Contains(out, "&lt;script&gt;") {
			t.Errorf("%s: the hostile evidence is not shown escaped", lang)
		}
		mayor, details := strings.Index(out, `id="mayor"`), strings.Index(out, `id="details"`)
		if mayor < 0 || details < mayor {
			t.Fatalf("%s: the first part is missing or after the details", lang)
		}
		first := out[mayor:details]
		if !strings.Contains(first, score.GradeMeaning(r.Score.Grade).In(lang)) {
			t.Errorf("%s: no grade meaning on the first part", lang)
		}
		plan := score.Gains(r.Findings, r.Observations)
		if !strings.Contains(first, actionTitle(plan[0], r.Findings, lang)) || strings.Count(first, "<li>") != 3 {
			t.Errorf("%s: the first part does not list the three first actions", lang)
		}
		if !strings.Contains(out, "break-after: page") {
			t.Errorf("%s: no page break after the first part", lang)
		}
	}
}

// TestHTMLFailed renders an audit that could not run.
func TestHTMLFailed(t *testing.T) {
	var b bytes.Buffer
	if err := HTML(&b, &audit.Result{Domain: "nx.test", Error: "domain does not exist"}, Options{}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "le domaine n&#39;existe pas") || strings.Contains(b.String(), `id="mayor"`) {
		t.Errorf("failed audit page:\n%s", b.String())
	}
}
