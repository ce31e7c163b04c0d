package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/export"
)

// TestRescoreReadsExport exports a store's audits and reads the
// audits.jsonl back with "vigie rescore": with --full-observations the
// grades judged again are those exported, domain by domain; by default
// (the raw text left out) every audit with observations is still graded
// and rescore says what was left out.
func TestRescoreReadsExport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "audits.db")
	if err := seedExportDB(db, true); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	vigie := func(args ...string) (stdout, stderr string, code int) {
		var out, errb bytes.Buffer
		code = run(ctx, args, strings.NewReader(""), &out, &errb)
		return out.String(), errb.String(), code
	}
	for _, full := range []bool{true, false} {
		out := filepath.Join(dir, "export-full")
		args := []string{"export", "--db", db, "--out", out, "--format", "json", "--full-observations"}
		if !full {
			out = filepath.Join(dir, "export")
			args = []string{"export", "--db", db, "--out", out, "--format", "json"}
		}
		if _, stderr, code := vigie(args...); code != exitOK {
			t.Fatalf("export: exit %d: %s", code, stderr)
		}
		// What was exported, by domain.
		exported := map[string]string{}
		var withObs int
		f, err := os.Open(filepath.Join(out, export.AuditsJSONL))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			var line export.AuditLine
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				t.Fatal(err)
			}
			if line.Result != nil && line.Result.Observations != nil {
				withObs++
				exported[line.Domain] = gradeOf(line.Result.Score)
			}
		}
		f.Close()
		if withObs == 0 {
			t.Fatal("the export holds no audit with observations")
		}

		stdout, stderr, code := vigie("rescore", "--json", filepath.Join(out, export.AuditsJSONL))
		// The seeded hospital's two audits have no observations.
		if code != exitFailed || strings.Count(stderr, "pas d'observations") != 2 {
			t.Errorf("full=%v: rescore: exit %d, want %d, stderr:\n%s", full, code, exitFailed, stderr)
		}
		if warned := strings.Contains(stderr, "--full-observations"); warned == full {
			t.Errorf("full=%v: warning about left-out text %v, stderr:\n%s", full, warned, stderr)
		}
		got := map[string]string{}
		dec := json.NewDecoder(strings.NewReader(stdout))
		for dec.More() {
			var r audit.Result
			if err := dec.Decode(&r); err != nil {
				t.Fatal(err)
			}
			if r.Observations != nil {
				got[r.Domain] = gradeOf(r.Score)
			}
		}
		if len(got) != withObs {
			t.Errorf("full=%v: %d results graded again, want %d", full, len(got), withObs)
		}
		if !full {
			continue
		}
		for d, want := range exported {
			if got[d] != want {
				t.Errorf("%s: judged again %q, exported %q", d, got[d], want)
			}
		}
	}

	// The text form names the organisation and campaign of each line.
	stdout, _, _ := vigie("rescore", filepath.Join(dir, "export-full", export.AuditsJSONL))
	if !strings.Contains(stdout, "(organisation 21000001, campagne 1) : ") {
		t.Errorf("rescore: no organisation and campaign in:\n%s", stdout)
	}
}

func gradeOf(s *audit.Score) string {
	if s == nil {
		return "none"
	}
	return s.Grade
}

// TestRescoreReaderBound: values under the bound are read one after the
// other, however long the stream; one over it is an error, read no
// further than the bound.
func TestRescoreReaderBound(t *testing.T) {
	small := `{"domain": "a.test"}` + "\n"
	long := `{"domain": "` + strings.Repeat("b", 300) + `.test"}` + "\n"
	in := strings.Repeat(small, 50) + long + small
	src := strings.NewReader(in)
	rd := newRescoreReader(src, 100)
	n := 0
	var err error
	for {
		var it *rescoreItem
		if it, err = rd.next(); err != nil {
			break
		}
		if it.result.Domain != "a.test" {
			t.Fatalf("result %d: domain %q", n, it.result.Domain)
		}
		n++
	}
	if n != 50 || err == nil || !strings.Contains(err.Error(), "longer than 100 bytes") {
		t.Errorf("%d results then %v, want 50 then a value too long", n, err)
	}
	if read := int64(len(in)) - int64(src.Len()); read > int64(50*len(small))+100 {
		t.Errorf("read %d bytes: past the bound", read)
	}
}
