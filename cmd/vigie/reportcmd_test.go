package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check"
	"vigie.eu/vigie/internal/report"
	"vigie.eu/vigie/internal/score"
)

// TestReportStored renders with "vigie report" audits that seedExportDB
// stored, and compares with the report of the very result it stored.
func TestReportStored(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigie.db")
	if err := seedExportDB(db, true); err != nil {
		t.Fatal(err)
	}
	paths, _ := filepath.Glob("../../internal/score/testdata/golden/*.observations.json")
	if len(paths) < 2 {
		t.Fatal("no golden audits")
	}
	ctx := context.Background()
	for i, p := range paths[:2] {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var o audit.Observations
		if err := json.Unmarshal(data, &o); err != nil {
			t.Fatal(err)
		}
		fs, _ := check.Run(&o)
		domain := strings.TrimSuffix(filepath.Base(p), ".observations.json") + ".test"
		// As seedExportDB builds it (sorted paths: i is its index).
		r := &audit.Result{Domain: domain, Time: time.Date(2026, 3, 1, 10, i, 0, 0, time.UTC), Observations: &o, Findings: fs, Score: score.Compute(fs, &o)}
		for _, lang := range []string{"fr", "en"} {
			var want, got, stderr bytes.Buffer
			if err := report.Text(&want, r, report.Options{Lang: lang}); err != nil {
				t.Fatal(err)
			}
			if code := run(ctx, []string{"--lang", lang, "report", "--db", db, "--domain", domain, "--campaign", "1"}, nil, &got, &stderr); code != exitOK {
				t.Fatalf("%s: exit %d: %s", domain, code, stderr.String())
			}
			if got.String() != want.String() {
				t.Errorf("%s %s: the stored audit's report differs from the live one:\n%s\n---\n%s", domain, lang, got.String(), want.String())
			}
		}
		var html, stderr bytes.Buffer
		if code := run(ctx, []string{"report", "--db", db, "--domain", domain, "--format", "html"}, nil, &html, &stderr); code != exitOK || !strings.HasPrefix(html.String(), "<!DOCTYPE html>") {
			t.Errorf("%s: --format html: exit %d, %.100q %s", domain, code, html.String(), stderr.String())
		}
	}
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"report", "--db", db, "--domain", "nosuch.test"}, exitFailed, "aucun audit de nosuch.test"},
		{[]string{"report", "--db", db, "--domain", "nosuch.test", "--campaign", "1"}, exitFailed, "dans la campagne 1"},
		{[]string{"report", "--db", db, "--domain", "a.test", "--format", "docx"}, exitUsage, "text, html ou pdf attendu"},
		{[]string{"report", "--db", db}, exitUsage, "usage : vigie report"},
		{[]string{"report", "--db", filepath.Join(t.TempDir(), "none.db"), "--domain", "a.test"}, exitFailed, ""},
	} {
		var out, stderr bytes.Buffer
		code := run(ctx, c.args, nil, &out, &stderr)
		if code != c.code || !strings.Contains(stderr.String(), c.msg) {
			t.Errorf("%v: exit %d, %q; want exit %d with %q", c.args, code, stderr.String(), c.code, c.msg)
		}
	}
}

// TestReportNoChromium checks the error of --format pdf without Chromium.
func TestReportNoChromium(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigie.db")
	if err := seedExportDB(db, true); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", t.TempDir())
	t.Setenv("VIGIE_CHROMIUM", "")
	var out, stderr bytes.Buffer
	code := run(context.Background(), []string{"report", "--db", db, "--domain", "a.test", "--format", "pdf"}, nil, &out, &stderr)
	if code != exitNoRenderer || !strings.Contains(stderr.String(), "apt-get install chromium") || out.Len() != 0 {
		t.Errorf("exit %d, %q, %d bytes out; want exit %d naming the package", code, stderr.String(), out.Len(), exitNoRenderer)
	}
}
