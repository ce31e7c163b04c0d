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
