package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/golden"
)

// TestTextGolden renders each testdata/*.json result in both languages,
// with and without colour, and compares with the .golden files beside it.
func TestTextGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/*.json")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no fixture: %v", err)
	}
	for _, in := range inputs {
		var r audit.Result
		b, err := os.ReadFile(in)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&r); err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		for _, o := range []Options{{Lang: "fr"}, {Lang: "en"}, {Lang: "fr", Color: true}} {
			name := strings.TrimSuffix(in, ".json") + "." + o.Lang
			if o.Color {
				name += ".color"
			}
			name += ".golden"
			t.Run(filepath.Base(name), func(t *testing.T) {
				var got bytes.Buffer
				if err := Text(&got, &r, o); err != nil {
					t.Fatal(err)
				}
				golden.File(t, name, got.Bytes())
				if !o.Color && strings.Contains(got.String(), "\x1b[") {
					t.Errorf("colour escape in a report without colour")
				}
			})
		}
	}
}

// TestTextEmpty checks that a result with nothing in it still renders.
func TestTextEmpty(t *testing.T) {
	for _, lang := range []string{"", "fr", "en", "de"} {
		var got bytes.Buffer
		if err := Text(&got, &audit.Result{Domain: "example.test"}, Options{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		want := "Résumé : aucun problème constaté."
		if lang == "en" {
			want = "Summary: no finding."
		}
		if !strings.Contains(got.String(), want) {
			t.Errorf("lang %q: report lacks %q:\n%s", lang, want, got.String())
		}
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

// TestTextWriteError checks that a write error is returned.
func TestTextWriteError(t *testing.T) {
	if err := Text(failWriter{}, &audit.Result{Domain: "example.test"}, Options{}); err == nil {
		t.Error("Text on a failing writer returned no error")
	}
}

// TestTextEscapes checks that text from the network cannot send escape
// sequences or bidirectional overrides to the terminal.
func TestTextEscapes(t *testing.T) {
	evil := "nginx\x1b]0;pwned\x07\x1b[2J\u202eevil"
	r := &audit.Result{
		Domain: "example.test",
		Findings: []audit.Finding{{
			ID: "http.disclosure.server_version", Severity: audit.Low,
			Subject: "example.test\x1b[31m", Evidence: "Server: " + evil,
			Title: audit.Text{FR: "Version", EN: "Version"},
		}},
		Observations: &audit.Observations{
			HTTP: []*audit.HTTPObservation{{URL: "https://example.test/", Error: evil}},
		},
	}
	for _, color := range []bool{false, true} {
		var got bytes.Buffer
		if err := Text(&got, r, Options{Lang: "en", Color: color}); err != nil {
			t.Fatal(err)
		}
		s := got.String()
		if color {
			// Only the report's own colour codes may remain.
			for _, c := range []string{bold, reset, severityColor[audit.Low]} {
				s = strings.ReplaceAll(s, c, "")
			}
		}
		if strings.ContainsAny(s, "\x1b\x07\u202e") {
			t.Errorf("color %v: control characters reached the report:\n%q", color, s)
		}
		if !strings.Contains(s, `nginx\u001b]0;pwned\u0007`) {
			t.Errorf("color %v: escaped evidence missing:\n%s", color, s)
		}
	}
}

// TestTextBlind: an audit whose probes all failed does not read as a
// clean bill of health.
func TestTextBlind(t *testing.T) {
	r := &audit.Result{Domain: "example.test", Observations: &audit.Observations{
		HTTP: []*audit.HTTPObservation{{URL: "https://example.test/", Error: "i/o timeout"}},
	}}
	for lang, want := range map[string]string{
		"fr": "Résumé : aucun problème constaté, mais une partie n'a pas pu être observée",
		"en": "Summary: no finding, but part of the audit could not be observed",
	} {
		var got bytes.Buffer
		if err := Text(&got, r, Options{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(got.String(), want) {
			t.Errorf("%s: report lacks %q:\n%s", lang, want, got.String())
		}
	}
}

// TestErrorText: every error of the engine a user may see is translated
// in both languages, with the detail it carries.
func TestErrorText(t *testing.T) {
	for _, msg := range []string{engine.ErrNoSuchDomain, engine.ErrCancelled, engine.ErrNoDNSAnswer + ": SERVFAIL"} {
		fr, en := ErrorText(msg, "fr"), ErrorText(msg, "en")
		if fr == msg || fr == en || en == "" {
			t.Errorf("%q: fr %q, en %q; want a French and an English text", msg, fr, en)
		}
		if strings.HasPrefix(msg, engine.ErrNoDNSAnswer) && (!strings.Contains(fr, "SERVFAIL") || !strings.Contains(en, "SERVFAIL")) {
			t.Errorf("%q: fr %q, en %q; want the reason kept", msg, fr, en)
		}
	}
	if got := ErrorText("engine: something else", "fr"); got != "engine: something else" {
		t.Errorf("unknown error became %q", got)
	}
}

// TestCutShort: an audit that its deadline cut short says so before its
// grade, in the text and the HTML report, naming what is missing.
func TestCutShort(t *testing.T) {
	r := &audit.Result{Domain: "example.test", Observations: &audit.Observations{
		HTTP:     []*audit.HTTPObservation{{URL: "https://example.test/"}},
		CutShort: &audit.CutShort{DeadlineMS: 30000, Probes: []string{"mail", "tls www.example.test", "https://www.example.test/"}},
	}, Score: &audit.Score{Grade: "A", Points: 90, Incomplete: true}}
	for lang, want := range map[string][]string{
		"fr": {"Audit incomplet : le délai de l'audit (30\u00a0s) a pris fin avant l'examen de la messagerie, l'examen TLS de www.example.test, la page https://www.example.test/"},
		"en": {"Incomplete audit: the audit's deadline (30 s) ended the mail probe, the TLS probe of www.example.test, the page https://www.example.test/"},
	} {
		var text, page bytes.Buffer
		if err := Text(&text, r, Options{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		if err := HTML(&page, r, Options{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		flat := strings.Join(strings.Fields(text.String()), " ")
		for _, w := range want {
			w = strings.Join(strings.Fields(w), " ")
			if i, g := strings.Index(flat, w), strings.Index(flat, "90"); i < 0 || g < i {
				t.Errorf("%s text: %q missing, or after the grade:\n%s", lang, w, text.String())
			}
			if !strings.Contains(strings.Join(strings.Fields(page.String()), " "), strings.ReplaceAll(w, "'", "&#39;")) {
				t.Errorf("%s HTML: %q missing", lang, w)
			}
		}
	}
}
