package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/store"
)

// goldenResult returns a result for domain from the observations of the
// score's golden audit name, judged as the engine judges.
func goldenResult(t *testing.T, name, domain string, at time.Time) *audit.Result {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("../../internal/score/testdata/golden", name+".observations.json"))
	if err != nil {
		t.Fatal(err)
	}
	var o audit.Observations
	if err := json.Unmarshal(data, &o); err != nil {
		t.Fatal(err)
	}
	r := &audit.Result{Domain: domain, Input: domain, Time: at, Observations: &o}
	engine.Rejudge(r)
	if r.Score == nil {
		t.Fatalf("%s: no score", name)
	}
	return r
}

// seedCompareDB stores three campaigns: 1 and 2 finished, 3 started and
// left at no audit. Organisation 100 has an apex and its www that change
// alike (good to legacy), 200 an apex that stays good and a www that goes
// self-signed, 300 one domain that gets better (expired to good).
func seedCompareDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	db := filepath.Join(t.TempDir(), "compare.db")
	st, err := store.Open(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	orgs := []store.Organisation{
		{ID: "100", Name: "Ville d'Aa", Category: "commune", Domains: []string{"aa.test", "www.aa.test"}},
		{ID: "200", Name: "Bourg", Category: "commune", Domains: []string{"bb.test", "www.bb.test"}},
		{ID: "300", Name: "Cité", Category: "commune", Domains: []string{"cc.test"}},
	}
	plans := []map[string]string{
		{"aa.test": "good", "www.aa.test": "good", "bb.test": "good", "www.bb.test": "good", "cc.test": "expired"},
		{"aa.test": "legacy", "www.aa.test": "legacy", "bb.test": "good", "www.bb.test": "self-signed", "cc.test": "good"},
	}
	at := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	for i, plan := range plans {
		when := at.AddDate(0, 0, 7*i)
		id, err := st.CreateCampaign(ctx, &store.Campaign{Name: "semaine " + string(rune('1'+i)), Created: when}, orgs)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range orgs {
			for _, d := range o.Domains {
				if err := st.SaveAudit(ctx, store.Job{CampaignID: id, Org: o, Domain: d}, goldenResult(t, plan[d], d, when)); err != nil {
					t.Fatal(err)
				}
			}
		}
		if err := st.FinishCampaign(ctx, id, when.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	// The third campaign probed services; the first two did not.
	if _, err := st.CreateCampaign(ctx, &store.Campaign{Name: "départ raté", Created: at.AddDate(0, 0, 14), Options: &store.CampaignOptions{Services: true}}, orgs); err != nil {
		t.Fatal(err)
	}
	return db
}

func runVigie(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, nil, &out, &errb)
	return out.String(), errb.String(), code
}

func decodeStrict(t *testing.T, s string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode: %v\n%s", err, s)
	}
}

// runJSON runs vigie with args, which must succeed silently, and
// decodes its output into v; it returns the output.
func runJSON(t *testing.T, v any, args ...string) string {
	t.Helper()
	out, errs, code := runVigie(t, args...)
	if code != exitOK || errs != "" {
		t.Fatalf("vigie %s: exit %d, stderr %q", strings.Join(args, " "), code, errs)
	}
	decodeStrict(t, out, v)
	return out
}

func TestStatusJSON(t *testing.T) {
	db := seedCompareDB(t)
	var got statusJSON
	out := runJSON(t, &got, "campaign", "status", "--db", db, "--json")
	var summary []string
	for _, c := range got.Campaigns {
		summary = append(summary, strings.Join([]string{c.Name, c.Status, strconv.Itoa(c.Done) + "/" + strconv.Itoa(c.Total), strconv.Itoa(boolInt(c.Finished != nil))}, " "))
	}
	want := []string{"départ raté unfinished 0/5 0", "semaine 2 finished 5/5 1", "semaine 1 finished 5/5 1"}
	if strings.Join(summary, "\n") != strings.Join(want, "\n") {
		t.Errorf("status --json:\n%s\nwant\n%s", strings.Join(summary, "\n"), strings.Join(want, "\n"))
	}
	for _, field := range []string{`"campaigns"`, `"id"`, `"name"`, `"created_at"`, `"finished_at"`, `"status"`, `"done"`, `"total"`} {
		if !strings.Contains(out, field) {
			t.Errorf("status --json lacks %s", field)
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestCompareJSON: by default, the started-but-empty campaign 3 is left
// out and 2 is compared with 1; the rows group apex and www, largest
// change first; --include-unfinished takes campaign 3, with a warning.
func TestCompareJSON(t *testing.T) {
	db := seedCompareDB(t)
	var got compareJSON
	runJSON(t, &got, "campaign", "compare", "--db", db, "--json")
	if got.From.ID != 1 || got.To.ID != 2 || got.To.Status != store.StatusFinished {
		t.Errorf("compared %d → %d (%s), want 1 → 2, finished", got.From.ID, got.To.ID, got.To.Status)
	}
	if got.Counts["worse"] != 3 || got.Counts["better"] != 1 || got.Counts["same"] != 1 {
		t.Errorf("counts = %v, want 3 worse, 1 better, 1 same", got.Counts)
	}
	var rows []string
	for _, r := range got.Rows {
		s := r.OrgID + " " + r.Domain + " " + r.Change
		if r.WWW != nil {
			s += " | " + r.WWW.Domain
			if r.WWW.SameAsDomain {
				s += " same"
			} else {
				s += " " + r.WWW.Change
			}
		}
		if r.GradeDelta == nil || r.Delta == nil || r.Before == nil || r.Before.Points == nil {
			t.Errorf("row %s: no delta or points", s)
		}
		rows = append(rows, s)
	}
	// Largest change first: all three lose or gain 6 grade steps (A+ to
	// F or back); good (100) to legacy (33) loses the most points, then
	// good to self-signed (83) on Bourg's www and expired (83) to good
	// on Cité's, by name.
	want := []string{"100 aa.test worse | www.aa.test same", "200 bb.test same | www.bb.test worse", "300 cc.test better"}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant\n%s", strings.Join(rows, "\n"), strings.Join(want, "\n"))
	}

	out, errs, code := runVigie(t, "campaign", "compare", "--db", db, "--json", "--include-unfinished")
	if code != exitOK || !strings.Contains(errs, "campagne 3 n'est pas terminée") {
		t.Fatalf("--include-unfinished: exit %d, stderr %q", code, errs)
	}
	got = compareJSON{}
	decodeStrict(t, out, &got)
	if got.From.ID != 2 || got.To.ID != 3 || got.To.Status == store.StatusFinished || got.Counts["gone"] != 5 {
		t.Errorf("--include-unfinished compared %d → %d (%s), counts %v; want 2 → 3, unfinished, 5 gone", got.From.ID, got.To.ID, got.To.Status, got.Counts)
	}

	_, errs, code = runVigie(t, "--lang", "en", "campaign", "compare", "--db", db, "--from", "1", "--to", "3", "--format", "csv")
	if code != exitOK || !strings.Contains(errs, "warning: campaign 3 is not finished (unfinished, 0/5)") {
		t.Errorf("--to 3 given by ID: exit %d, stderr %q", code, errs)
	}
	if !strings.Contains(errs, "warning: the services probe (--services) ran in only one of the two campaigns") {
		t.Errorf("1 without --services, 3 with: no warning in %q", errs)
	}
	if _, errs, _ := runVigie(t, "--lang", "en", "campaign", "compare", "--db", db, "--from", "1", "--to", "2"); strings.Contains(errs, "services probe") {
		t.Errorf("1 and 2 both without --services: %q", errs)
	}
}

// TestReadOnlyCommands: status, compare and export read a database whose
// file is mode 0444 and leave its bytes as they were.
func TestReadOnlyCommands(t *testing.T) {
	db := seedCompareDB(t)
	if err := os.Chmod(db, 0o444); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"campaign", "status", "--db", db, "--json"},
		{"campaign", "compare", "--db", db, "--format", "csv"},
		{"export", "--db", db, "--out", filepath.Join(t.TempDir(), "out")},
	} {
		if _, errs, code := runVigie(t, args...); code != exitOK {
			t.Errorf("vigie %s: exit %d, stderr %q", strings.Join(args, " "), code, errs)
		}
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
		t.Error("a read-only command changed the database file")
	}
	if wal, err := os.ReadFile(db + "-wal"); err == nil && len(wal) > 0 {
		t.Errorf("a read-only command wrote %d bytes of log", len(wal))
	}
}

// TestReadOnlySchemaRefused: a database from a newer vigie, and a file
// that is no vigie database, are refused by the reading commands with
// code 1 and a message that says what to do, and are left as they were.
func TestReadOnlySchemaRefused(t *testing.T) {
	db := seedCompareDB(t)
	raw, err := sql.Open("sqlite", db)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Exec("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future.sql', 'x')"); err != nil {
		t.Fatal(err)
	}
	raw.Close()
	empty := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(db)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"campaign", "status", "--db", db}, "version 999, plus récente que celle que connaît ce vigie"},
		{[]string{"--lang", "en", "campaign", "compare", "--db", db}, "version 999, newer than this vigie knows"},
		{[]string{"--lang", "en", "export", "--db", db, "--out", filepath.Join(t.TempDir(), "o")}, "use a newer vigie"},
		{[]string{"campaign", "status", "--db", empty}, "ce n'est pas une base de vigie"},
	} {
		_, errs, code := runVigie(t, tt.args...)
		if code != exitFailed || !strings.Contains(errs, tt.want) {
			t.Errorf("vigie %s: exit %d, stderr %q; want 1 and %q", strings.Join(tt.args, " "), code, errs, tt.want)
		}
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
		t.Error("the refused database changed")
	}
	if b, _ := os.ReadFile(empty); len(b) != 0 {
		t.Error("the empty file was written")
	}
}
