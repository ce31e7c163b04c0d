package main

import (
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check"
	"vigie.eu/vigie/internal/export"
	"vigie.eu/vigie/internal/golden"
	"vigie.eu/vigie/internal/score"
	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/store/storetest"
)

// TestExportScript runs the scripts of testdata/export against SQLite
// databases made here: $WORK/audits.db holds one campaign over the score
// package's golden audits (one commune each, and a hospital with two
// domains), $WORK/empty.db a campaign with no audit.
func TestExportScript(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/export",
		Setup: func(env *testscript.Env) error {
			if err := seedExportDB(filepath.Join(env.WorkDir, "audits.db"), true); err != nil {
				return err
			}
			return seedExportDB(filepath.Join(env.WorkDir, "empty.db"), false)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exits":       cmdExits,
			"validexport": cmdValidExport,
			"csvrows":     cmdCSVRows,
			"corruptrow":  cmdCorruptRow,
		},
		RequireExplicitExec: true,
		// VIGIE_UPDATE=1 rewrites the files that cmp compares with.
		UpdateScripts: golden.Update(),
	})
}

// seedExportDB creates a SQLite store with one campaign over the golden
// audits, and saves them when withAudits is set.
func seedExportDB(path string, withAudits bool) error {
	ctx := context.Background()
	paths, err := filepath.Glob("../../internal/score/testdata/golden/*.observations.json")
	if err != nil || len(paths) == 0 {
		return fmt.Errorf("no golden audits: %v", err)
	}
	sort.Strings(paths)
	type job struct {
		org    store.Organisation
		domain string
		r      *audit.Result
	}
	var jobs []job
	var orgs []store.Organisation
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	for i, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var o audit.Observations
		if err := json.Unmarshal(data, &o); err != nil {
			return fmt.Errorf("%s: %v", p, err)
		}
		fs, _ := check.Run(&o)
		name := strings.TrimSuffix(filepath.Base(p), ".observations.json")
		domain := name + ".test"
		org := store.Organisation{ID: strconv.Itoa(21000001 + i), Name: "Commune " + name, Category: "commune", Domains: []string{domain}}
		orgs = append(orgs, org)
		r := &audit.Result{Domain: domain, Time: at.Add(time.Duration(i) * time.Minute), Observations: &o, Findings: fs, Score: score.Compute(fs, &o)}
		jobs = append(jobs, job{org, domain, r})
	}
	hosp := store.Organisation{ID: "26000001", Name: "Hôpital « Saint-Éloi », Paris", Category: "hôpital", Domains: []string{"a.test", "b.test"}}
	orgs = append(orgs, hosp)
	for _, d := range hosp.Domains {
		jobs = append(jobs, job{hosp, d, &audit.Result{Domain: d, Time: at.Add(time.Hour), Error: "dns: no such domain"}})
	}
	st, err := store.Open(ctx, path)
	if err != nil {
		return err
	}
	defer st.Close()
	id, err := st.CreateCampaign(ctx, &store.Campaign{Name: "test", Created: at}, orgs)
	if err != nil {
		return err
	}
	if !withAudits {
		return nil
	}
	for _, j := range jobs {
		if err := st.SaveAudit(ctx, store.Job{CampaignID: id, Org: j.org, Domain: j.domain}, j.r); err != nil {
			return err
		}
	}
	return st.Close()
}

// cmdValidExport checks an export directory with export.ValidateDir:
//
//	validexport DIR
func cmdValidExport(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: validexport DIR")
	}
	errs := export.ValidateDir(ts.MkAbs(args[0]))
	switch {
	case neg && len(errs) == 0:
		ts.Fatalf("%s validates", args[0])
	case !neg && len(errs) > 0:
		ts.Fatalf("%s does not validate: %v", args[0], errs)
	}
}

// cmdCSVRows checks the number of data rows of a CSV file:
//
//	csvrows FILE N
func cmdCSVRows(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: csvrows FILE N")
	}
	want, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("csvrows: %v", err)
	}
	rows, err := csv.NewReader(strings.NewReader(ts.ReadFile(args[0]))).ReadAll()
	if err != nil {
		ts.Fatalf("csvrows: %s: %v", args[0], err)
	}
	if got := len(rows) - 1; got != want {
		ts.Fatalf("%s: %d rows, want %d", args[0], got, want)
	}
}

// cmdCorruptRow spoils the stored result of a domain in a SQLite
// database behind the store's back: with bytes that are not a result
// (corrupt) or with one larger than the store's read limit (oversized).
//
//	corruptrow DB DOMAIN corrupt|oversized
func cmdCorruptRow(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: corruptrow DB DOMAIN corrupt|oversized")
	}
	blob := map[string][]byte{"corrupt": []byte(`{"domain": "`), "oversized": storetest.Oversized()}[args[2]]
	if blob == nil {
		ts.Fatalf("corruptrow: %q: want corrupt or oversized", args[2])
	}
	db, err := sql.Open("sqlite", ts.MkAbs(args[0]))
	if err != nil {
		ts.Fatalf("corruptrow: %v", err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE audits SET result = ? WHERE domain = ?`, blob, args[1])
	if err != nil {
		ts.Fatalf("corruptrow: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		ts.Fatalf("corruptrow: %d rows of %s, want 1", n, args[1])
	}
}
