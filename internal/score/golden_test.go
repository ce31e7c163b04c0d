package score_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check"
	"vigie.eu/vigie/internal/golden"
	"vigie.eu/vigie/internal/profile"
	"vigie.eu/vigie/internal/score"
)

// TestGolden scores whole audits: observations as files, findings from
// check.Run, the score and the comparison profiles beside it (as the
// engine publishes them) compared with a golden file. Run with
// VIGIE_UPDATE=1 to rewrite the golden files, and review the diff.
func TestGolden(t *testing.T) {
	inputs, err := filepath.Glob("testdata/golden/*.observations.json")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(filepath.Base(in), ".observations.json")
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(in)
			if err != nil {
				t.Fatal(err)
			}
			var o audit.Observations
			if err := json.Unmarshal(data, &o); err != nil {
				t.Fatal(err)
			}
			findings, errs := check.Run(&o)
			if len(errs) > 0 {
				t.Fatalf("check.Run: %v", errs)
			}
			s := score.Compute(findings, &o)
			profile.Add(s, findings, &o)
			got, err := json.MarshalIndent(s, "", "\t")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := strings.TrimSuffix(in, ".observations.json") + ".score.json"
			golden.File(t, path, got)
		})
	}
}

// TestLabExpectations checks the grades the CyberScore issue asks of the
// lab: a well-configured site gets A or A+, a legacy one C or worse, an
// expired or self-signed certificate or no HTTPS gets F.
func TestLabExpectations(t *testing.T) {
	want := map[string]string{
		"good": "A+A", "dnssec-insecure": "A+A", "legacy": "CDEF",
		"expired": "F", "self-signed": "F", "http-only": "F",
		"good-mail": "A+A", "weak-mail": "CDEF",
	}
	for name, grades := range want {
		data, err := os.ReadFile("testdata/golden/" + name + ".observations.json")
		if err != nil {
			t.Fatal(err)
		}
		var o audit.Observations
		if err := json.Unmarshal(data, &o); err != nil {
			t.Fatal(err)
		}
		fs, _ := check.Run(&o)
		s := score.Compute(fs, &o)
		if s == nil || !strings.Contains(grades, s.Grade) {
			t.Errorf("%s: grade %+v, want one of %q", name, s, grades)
		}
	}
}

// BenchmarkGolden judges every golden audit as the engine does: the
// checks, the score, the comparison profiles.
func BenchmarkGolden(b *testing.B) {
	inputs, err := filepath.Glob("testdata/golden/*.observations.json")
	if err != nil || len(inputs) == 0 {
		b.Fatalf("no fixtures: %v", err)
	}
	var all []*audit.Observations
	for _, in := range inputs {
		data, err := os.ReadFile(in)
		if err != nil {
			b.Fatal(err)
		}
		o := new(audit.Observations)
		if err := json.Unmarshal(data, o); err != nil {
			b.Fatal(err)
		}
		all = append(all, o)
	}
	for b.Loop() {
		for _, o := range all {
			findings, _ := check.Run(o)
			s := score.Compute(findings, o)
			profile.Add(s, findings, o)
		}
	}
}
