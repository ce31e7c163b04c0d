// Package storetest is the conformance suite of the store.Store contract:
// every backend runs it, so that SQLite and PostgreSQL behave the same.
//
//	func TestSQLite(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) store.Store { ... a fresh, empty store ... })
//	}
package storetest

import (
	"bytes"
	"compress/gzip"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// realistic is the result of a real audit of a lab domain (web and mail),
// as `vigie audit --json` printed it.
//
//go:embed testdata/result.json
var realistic []byte

// Realistic returns a fresh copy of a realistic result (about 24 KB of
// JSON) for domain, audited at t.
func Realistic(domain string, t time.Time) *audit.Result {
	r := new(audit.Result)
	if err := json.Unmarshal(realistic, r); err != nil {
		panic("storetest: testdata/result.json: " + err.Error()) // embedded, so a bug
	}
	r.Domain, r.Input, r.Time = domain, domain, t
	return r
}

// base is the time of the first audit of the tests; its nanoseconds
// check that the store keeps times to the microsecond.
var base = time.Date(2026, 11, 2, 9, 30, 0, 123456789, time.UTC)

// result returns a small result for domain at t with a grade and points.
func result(domain string, t time.Time, grade string, points int) *audit.Result {
	return &audit.Result{
		Domain: domain,
		Time:   t,
		Score:  &audit.Score{Methodology: "test", Grade: grade, Points: points},
	}
}

// Run runs the conformance suite; open must return a fresh, empty store
// for each call and close it when the test ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	tests := []struct {
		name string
		f    func(*testing.T, store.Store)
	}{
		{"CreateCampaign", testCreateCampaign},
		{"ListCampaigns", testListCampaigns},
		{"NotFound", testNotFound},
		{"BadInput", testBadInput},
		{"PendingJobsOrder", testPendingJobsOrder},
		{"SaveExactlyOnce", testSaveExactlyOnce},
		{"SaveUnknownJob", testSaveUnknownJob},
		{"ResumeOrder", testResumeOrder},
		{"SaveWhileStreaming", testSaveWhileStreaming},
		{"ProgressAndFinish", testProgressAndFinish},
		{"LatestAudits", testLatestAudits},
		{"CampaignAudits", testCampaignAudits},
		{"History", testHistory},
		{"Concurrency", testConcurrency},
		{"RoundTrip", testRoundTrip},
		{"StopIteration", testStopIteration},
		{"SaveOversized", testSaveOversized},
		{"CampaignOrganisations", testCampaignOrganisations},
		{"DKIMSelectors", testDKIMSelectors},
		{"Lock", testLock},
		{"Abandon", testAbandon},
		{"Delete", testDelete},
		{"Attempts", testAttempts},
		{"Digests", testDigests},
		{"Organisations", testOrganisations},
		{"OrganisationAudits", testOrganisationAudits},
		{"ShiftCampaign", testShiftCampaign},
		{"OnDemand", testOnDemand},
		{"Operators", testOperators},
		{"Passkeys", testPasskeys},
		{"Publish", testPublish},
		{"Contacts", testContacts},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.f(t, open(t))
		})
	}
}

// orgs returns n organisations "org0000"... with one or two domains each
// (every third has two); the total number of jobs is n + n/3 rounded up.
func orgs(n int) []store.Organisation {
	var os []store.Organisation
	for i := range n {
		o := store.Organisation{
			ID:       fmt.Sprintf("org%04d", i),
			Name:     fmt.Sprintf("Commune n°%d", i),
			Category: "commune",
			Domains:  []string{fmt.Sprintf("d%04d.test", i)},
		}
		if i%3 == 0 {
			o.Domains = append(o.Domains, fmt.Sprintf("www.d%04d.test", i))
		}
		os = append(os, o)
	}
	return os
}

func create(t *testing.T, s store.Store, name string, os []store.Organisation) int64 {
	t.Helper()
	id, err := s.CreateCampaign(context.Background(), &store.Campaign{Name: name, Created: base}, os)
	if err != nil {
		t.Fatalf("CreateCampaign: %v", err)
	}
	return id
}

func pending(t *testing.T, s store.Store, id int64) []store.Job {
	t.Helper()
	var jobs []store.Job
	err := s.PendingJobs(context.Background(), id, func(j store.Job) error {
		jobs = append(jobs, j)
		return nil
	})
	if err != nil {
		t.Fatalf("PendingJobs: %v", err)
	}
	return jobs
}

func save(t *testing.T, s store.Store, j store.Job, r *audit.Result) {
	t.Helper()
	if err := s.SaveAudit(context.Background(), j, r); err != nil {
		t.Fatalf("SaveAudit(%s): %v", j.Domain, err)
	}
}

func progress(t *testing.T, s store.Store, id int64) (done, total int) {
	t.Helper()
	done, total, err := s.Progress(context.Background(), id)
	if err != nil {
		t.Fatalf("Progress: %v", err)
	}
	return done, total
}

// Options returns campaign options with every field set, the roots (a
// bundle of about 300 KB, like a system's) and the anchors by value.
func Options() *store.CampaignOptions {
	block := "-----BEGIN CERTIFICATE-----\n" + strings.Repeat(strings.Repeat("MIIBszCCAVmgAwIBAgIU", 3)+"\n", 20) + "-----END CERTIFICATE-----\n"
	return &store.CampaignOptions{
		Targets:       "communes-é.csv",
		Resolver:      "127.0.0.1:5353",
		Anchors:       ". 3600 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n",
		AnchorName:    "file root.ds",
		Roots:         strings.Repeat(block, 200),
		RootsName:     "SSL_CERT_FILE=/etc/lab/ca.pem",
		Timeout:       90 * time.Second,
		HTTPPort:      8080,
		HTTPSPort:     8443,
		SMTPPort:      2525,
		DKIMSelectors: []string{"s1", "mail2024"},
		AllowPrivate:  []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("fd00::/8")},
		Parallel:      64,
		PerIP:         8,
		Canary:        "iana.org",
		Version:       "v0.9.0",
	}
}

// optionsEqual compares options (netip.Prefix has unexported fields).
var optionsEqual = cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })

func testCreateCampaign(t *testing.T, s store.Store) {
	ctx := context.Background()
	c := &store.Campaign{Name: "hebdo", Created: base, Options: Options()}
	id, err := s.CreateCampaign(ctx, c, orgs(5))
	if err != nil {
		t.Fatal(err)
	}
	if id <= 0 || c.ID != id {
		t.Errorf("CreateCampaign = %d, Campaign.ID = %d, want the same positive ID", id, c.ID)
	}
	want := &store.Campaign{ID: id, Name: "hebdo", Created: base.Truncate(time.Microsecond), Options: Options(), Total: 7}
	got, err := s.Campaign(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, optionsEqual); diff != "" {
		t.Errorf("Campaign (-want +got):\n%s", diff)
	}
	// The zero options are options too, not none.
	zero, err := s.CreateCampaign(ctx, &store.Campaign{Name: "zéro", Options: &store.CampaignOptions{}}, orgs(1))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := s.Campaign(ctx, zero); err != nil || got.Options == nil || !cmp.Equal(*got.Options, store.CampaignOptions{}, optionsEqual) {
		t.Errorf("Campaign with zero options = %+v, %v; want zero options", got, err)
	}
	id2, err := s.CreateCampaign(ctx, &store.Campaign{Name: "suivante"}, orgs(1))
	if err != nil {
		t.Fatal(err)
	}
	if id2 <= id {
		t.Errorf("second campaign ID %d, want more than %d", id2, id)
	}
	latest, err := s.LatestCampaign(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if latest.ID != id2 || latest.Name != "suivante" || latest.Options != nil || latest.Created.IsZero() {
		t.Errorf("LatestCampaign = %+v, want campaign %d named suivante, no options, created now", latest, id2)
	}
}

func testListCampaigns(t *testing.T, s store.Store) {
	ctx := context.Background()
	list, err := s.ListCampaigns(ctx, 0, 0)
	if err != nil || list == nil || len(list) != 0 {
		t.Fatalf("ListCampaigns of an empty store = %#v, %v; want an empty slice", list, err)
	}
	var ids []int64
	for i, n := range []int{3, 1, 6} {
		c := &store.Campaign{Name: fmt.Sprintf("c%d", i), Created: base.Add(time.Duration(i) * time.Hour), Options: Options()}
		id, err := s.CreateCampaign(ctx, c, orgs(n))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	// Campaign 0: two of its four jobs done, finished anyway; campaign
	// 1: done, not finished; campaign 2: nothing done.
	for i, j := range pending(t, s, ids[0])[:2] {
		save(t, s, j, result(j.Domain, base.Add(time.Duration(i)*time.Minute), "B", 80))
	}
	end := base.Add(30 * time.Minute)
	if err := s.FinishCampaign(ctx, ids[0], end); err != nil {
		t.Fatal(err)
	}
	for _, j := range pending(t, s, ids[1]) {
		save(t, s, j, result(j.Domain, base, "A", 95))
	}

	summary := func(i int, done, total int, finished time.Time) store.CampaignSummary {
		c := store.CampaignSummary{ID: ids[i], Name: fmt.Sprintf("c%d", i), Created: base.Add(time.Duration(i) * time.Hour).Truncate(time.Microsecond),
			Status: store.StatusUnfinished, Done: done, Total: total}
		if !finished.IsZero() {
			c.Finished, c.Status = finished.Truncate(time.Microsecond), store.StatusFinished
		}
		return c
	}
	all := []store.CampaignSummary{summary(2, 0, 8, time.Time{}), summary(1, 2, 2, time.Time{}), summary(0, 2, 4, end)}
	for _, tt := range []struct {
		before int64
		limit  int
		want   []store.CampaignSummary
	}{
		{0, 0, all},
		{0, -1, all},
		{0, 2, all[:2]},
		{0, 10, all},
		{ids[2], 1, all[1:2]},
		{ids[2], 0, all[1:]},
		{ids[2] + 100, 0, all},
		{ids[0], 0, []store.CampaignSummary{}},
	} {
		got, err := s.ListCampaigns(ctx, tt.before, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ListCampaigns(%d, %d) (-want +got):\n%s", tt.before, tt.limit, diff)
		}
	}
}

func testNotFound(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.LatestCampaign(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("LatestCampaign of an empty store: %v, want ErrNotFound", err)
	}
	if _, err := s.Campaign(ctx, 42); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Campaign(42): %v, want ErrNotFound", err)
	}
	if _, _, err := s.Progress(ctx, 42); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Progress(42): %v, want ErrNotFound", err)
	}
	if err := s.FinishCampaign(ctx, 42, base); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("FinishCampaign(42): %v, want ErrNotFound", err)
	}
	err := s.PendingJobs(ctx, 42, func(store.Job) error { return nil })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("PendingJobs(42): %v, want ErrNotFound", err)
	}
	h, err := s.History(ctx, "absent.test", true)
	if err != nil || len(h) != 0 {
		t.Errorf("History of an unknown domain = %v, %v; want nothing, no error", h, err)
	}
}

func testBadInput(t *testing.T, s store.Store) {
	ctx := context.Background()
	for name, os := range map[string][]store.Organisation{
		"no id":        {{Name: "X", Domains: []string{"x.test"}}},
		"no domain":    {{ID: "1"}},
		"empty domain": {{ID: "1", Domains: []string{""}}},
	} {
		if _, err := s.CreateCampaign(ctx, &store.Campaign{Name: name}, os); err == nil {
			t.Errorf("CreateCampaign with %s: no error", name)
		}
	}
	if _, err := s.LatestCampaign(ctx); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a failed CreateCampaign left a campaign: %v", err)
	}
	id := create(t, s, "ok", orgs(1))
	if err := s.SaveAudit(ctx, store.Job{CampaignID: id, Org: orgs(1)[0], Domain: "d0000.test"}, nil); err == nil {
		t.Error("SaveAudit of a nil result: no error")
	}
}

func testPendingJobsOrder(t *testing.T, s store.Store) {
	// More jobs than a page of any backend is likely to use, given in
	// reverse order, with a duplicated organisation and domain.
	os := orgs(700)
	for i, j := 0, len(os)-1; i < j; i, j = i+1, j-1 {
		os[i], os[j] = os[j], os[i]
	}
	os = append(os, store.Organisation{ID: "org0001", Domains: []string{"d0001.test", "autre.test"}})
	id := create(t, s, "ordre", os)

	var want []store.Job
	for _, o := range orgs(700) {
		if o.ID == "org0001" {
			o.Domains = []string{"autre.test", "d0001.test"}
		}
		for _, d := range o.Domains {
			want = append(want, store.Job{CampaignID: id, Org: o, Domain: d})
		}
	}
	got := pending(t, s, id)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PendingJobs (-want +got):\n%s", diff)
	}
	if _, total := progress(t, s, id); total != len(want) {
		t.Errorf("total = %d, want %d", total, len(want))
	}
}

func testSaveExactlyOnce(t *testing.T, s store.Store) {
	ctx := context.Background()
	id := create(t, s, "once", orgs(2))
	j := pending(t, s, id)[0]
	save(t, s, j, result(j.Domain, base, "B", 81))
	save(t, s, j, result(j.Domain, base.Add(time.Hour), "F", 3))
	if done, _ := progress(t, s, id); done != 1 {
		t.Errorf("done = %d after saving one job twice, want 1", done)
	}
	h, err := s.History(ctx, j.Domain, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 || h[0].Grade != "B" || h[0].Points != 81 || h[0].Result.Score.Grade != "B" {
		t.Errorf("History after two saves = %+v, want the first save only (B, 81)", h)
	}
	for _, p := range pending(t, s, id) {
		if p.Domain == j.Domain {
			t.Errorf("saved job %s still pending", j.Domain)
		}
	}
}

func testSaveUnknownJob(t *testing.T, s store.Store) {
	ctx := context.Background()
	id := create(t, s, "inconnu", orgs(2))
	o := orgs(1)[0]
	for _, j := range []store.Job{
		{CampaignID: id, Org: o, Domain: "ailleurs.test"},
		{CampaignID: id + 100, Org: o, Domain: o.Domains[0]},
		{CampaignID: id, Org: store.Organisation{ID: "absent"}, Domain: o.Domains[0]},
	} {
		if err := s.SaveAudit(ctx, j, result(j.Domain, base, "A", 95)); err == nil {
			t.Errorf("SaveAudit(%+v) of a job not in the campaign: no error", j)
		}
	}
	if done, _ := progress(t, s, id); done != 0 {
		t.Errorf("done = %d, want 0", done)
	}
}

func testResumeOrder(t *testing.T, s store.Store) {
	id := create(t, s, "reprise", orgs(50))
	all := pending(t, s, id)
	var rest []store.Job
	for i, j := range all {
		if i%3 == 1 {
			save(t, s, j, result(j.Domain, base, "C", 60))
		} else {
			rest = append(rest, j)
		}
	}
	if diff := cmp.Diff(rest, pending(t, s, id)); diff != "" {
		t.Errorf("PendingJobs after some saves (-want +got):\n%s", diff)
	}
	if done, total := progress(t, s, id); done != len(all)-len(rest) || total != len(all) {
		t.Errorf("Progress = %d/%d, want %d/%d", done, total, len(all)-len(rest), len(all))
	}
}

// testSaveWhileStreaming saves each job from within the PendingJobs
// callback, as a sequential campaign would.
func testSaveWhileStreaming(t *testing.T, s store.Store) {
	ctx := context.Background()
	id := create(t, s, "flux", orgs(600))
	n := 0
	err := s.PendingJobs(ctx, id, func(j store.Job) error {
		n++
		return s.SaveAudit(ctx, j, result(j.Domain, base, "A", 90))
	})
	if err != nil {
		t.Fatal(err)
	}
	done, total := progress(t, s, id)
	if n != total || done != total {
		t.Errorf("streamed %d jobs, done %d, total %d: want all equal", n, done, total)
	}
	if left := pending(t, s, id); len(left) != 0 {
		t.Errorf("%d jobs still pending", len(left))
	}
}

func testProgressAndFinish(t *testing.T, s store.Store) {
	ctx := context.Background()
	id := create(t, s, "fin", orgs(3))
	if done, total := progress(t, s, id); done != 0 || total != 4 {
		t.Errorf("Progress = %d/%d, want 0/4", done, total)
	}
	for i, j := range pending(t, s, id) {
		save(t, s, j, result(j.Domain, base, "A", 90))
		if done, total := progress(t, s, id); done != i+1 || total != 4 {
			t.Errorf("Progress = %d/%d, want %d/4", done, total, i+1)
		}
	}
	end := base.Add(90 * time.Second)
	if err := s.FinishCampaign(ctx, id, end); err != nil {
		t.Fatal(err)
	}
	c, err := s.Campaign(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Finished.Equal(end.Truncate(time.Microsecond)) {
		t.Errorf("Finished = %v, want %v", c.Finished, end)
	}
}

func testLatestAudits(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := store.Organisation{ID: "200000001", Name: "Ville A", Category: "commune", Domains: []string{"a.test", "www.a.test"}}
	b := store.Organisation{ID: "100000002", Name: "Hôpital B", Category: "hôpital", Domains: []string{"b.test"}}
	c := store.Organisation{ID: "300000003", Name: "Région C", Category: "région", Domains: []string{"c.test"}}
	id1 := create(t, s, "semaine 1", []store.Organisation{a, b, c})
	for _, j := range pending(t, s, id1) {
		save(t, s, j, result(j.Domain, base, "D", 40))
	}
	// A week later, A renamed and audited again, B again, C not.
	a.Name = "Ville A (nouvelle)"
	id2 := create(t, s, "semaine 2", []store.Organisation{a, b})
	week := base.Add(7 * 24 * time.Hour)
	for _, j := range pending(t, s, id2) {
		if j.Domain == "www.a.test" {
			continue // not audited yet: the first week's audit stays the latest
		}
		save(t, s, j, result(j.Domain, week, "B", 80))
	}
	type row struct {
		Campaign int64
		Org      string
		Name     string
		Domain   string
		Grade    string
		Points   int
		Time     time.Time
	}
	want := []row{
		{id2, b.ID, b.Name, "b.test", "B", 80, week.Truncate(time.Microsecond)},
		{id2, a.ID, a.Name, "a.test", "B", 80, week.Truncate(time.Microsecond)},
		// The first week's audit keeps the first week's name.
		{id1, a.ID, "Ville A", "www.a.test", "D", 40, base.Truncate(time.Microsecond)},
		{id1, c.ID, c.Name, "c.test", "D", 40, base.Truncate(time.Microsecond)},
	}
	var got []row
	err := s.LatestAudits(ctx, func(r store.AuditRecord) error {
		if r.Result == nil || r.Result.Domain != r.Domain || r.Result.Score.Grade != r.Grade {
			t.Errorf("record of %s carries result %+v", r.Domain, r.Result)
		}
		got = append(got, row{r.CampaignID, r.Org.ID, r.Org.Name, r.Domain, r.Grade, r.Points, r.Time})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LatestAudits (-want +got):\n%s", diff)
	}
}

func testCampaignAudits(t *testing.T, s store.Store) {
	ctx := context.Background()
	a := store.Organisation{ID: "200000001", Name: "Ville A", Category: "commune", Domains: []string{"a.test", "www.a.test"}}
	b := store.Organisation{ID: "100000002", Name: "Hôpital B", Category: "hôpital", Domains: []string{"b.test"}}
	id1 := create(t, s, "semaine 1", []store.Organisation{a, b})
	for _, j := range pending(t, s, id1) {
		save(t, s, j, result(j.Domain, base, "D", 40))
	}
	id2 := create(t, s, "semaine 2", []store.Organisation{a, b})
	week := base.Add(7 * 24 * time.Hour)
	for _, j := range pending(t, s, id2) {
		if j.Domain != "www.a.test" {
			save(t, s, j, result(j.Domain, week, "B", 80))
		}
	}
	list := func(id int64) []string {
		var got []string
		err := s.CampaignAudits(ctx, id, func(r store.AuditRecord) error {
			if r.CampaignID != id || r.Result == nil || r.Result.Domain != r.Domain || r.Result.Score.Grade != r.Grade {
				t.Errorf("campaign %d: record %+v", id, r)
			}
			got = append(got, fmt.Sprintf("%s %s %s %d", r.Org.ID, r.Domain, r.Grade, r.Points))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	want1 := []string{"100000002 b.test D 40", "200000001 a.test D 40", "200000001 www.a.test D 40"}
	if diff := cmp.Diff(want1, list(id1)); diff != "" {
		t.Errorf("CampaignAudits(%d) (-want +got):\n%s", id1, diff)
	}
	want2 := []string{"100000002 b.test B 80", "200000001 a.test B 80"}
	if diff := cmp.Diff(want2, list(id2)); diff != "" {
		t.Errorf("CampaignAudits(%d) (-want +got):\n%s", id2, diff)
	}
	if err := s.CampaignAudits(ctx, id2+100, func(store.AuditRecord) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CampaignAudits of an unknown campaign = %v, want ErrNotFound", err)
	}
	stop := errors.New("stop")
	n := 0
	err := s.CampaignAudits(ctx, id1, func(store.AuditRecord) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("CampaignAudits stopped by fn: %v after %d records, want the error after 1", err, n)
	}
}

func testHistory(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := store.Organisation{ID: "x", Domains: []string{"x.test"}}
	var ids []int64
	for i, grade := range []string{"A", "C", "F"} {
		id := create(t, s, grade, []store.Organisation{o})
		ids = append(ids, id)
		j := pending(t, s, id)[0]
		// Saved newest first: History orders by audit time.
		save(t, s, j, result(j.Domain, base.Add(time.Duration(3-i)*time.Hour), grade, 90-10*i))
	}
	// An audit with no score has no grade.
	id := create(t, s, "erreur", []store.Organisation{o})
	save(t, s, pending(t, s, id)[0], &audit.Result{Domain: "x.test", Time: base, Error: "résolution impossible"})

	for _, full := range []bool{false, true} {
		h, err := s.History(ctx, "x.test", full)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range h {
			got = append(got, fmt.Sprintf("%d %s %d %s", r.CampaignID, r.Grade, r.Points, r.Time.Format(time.RFC3339)))
			if (r.Result != nil) != full {
				t.Errorf("History(full=%v) record of campaign %d has result %v", full, r.CampaignID, r.Result)
			}
		}
		want := []string{
			fmt.Sprintf("%d  0 %s", id, base.Format(time.RFC3339)),
			fmt.Sprintf("%d F 70 %s", ids[2], base.Add(time.Hour).Format(time.RFC3339)),
			fmt.Sprintf("%d C 80 %s", ids[1], base.Add(2*time.Hour).Format(time.RFC3339)),
			fmt.Sprintf("%d A 90 %s", ids[0], base.Add(3*time.Hour).Format(time.RFC3339)),
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("History(full=%v) (-want +got):\n%s", full, diff)
		}
		if full && h[0].Result.Error != "résolution impossible" {
			t.Errorf("History result error = %q", h[0].Result.Error)
		}
	}
}

// testConcurrency saves every job twice from many goroutines at once.
func testConcurrency(t *testing.T, s store.Store) {
	ctx := context.Background()
	id := create(t, s, "concurrence", orgs(300))
	jobs := pending(t, s, id)
	results := make(map[string]*audit.Result)
	for _, j := range jobs {
		results[j.Domain] = Realistic(j.Domain, base)
	}
	const workers = 32
	ch := make(chan store.Job)
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		failed []error
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range ch {
				if err := s.SaveAudit(ctx, j, results[j.Domain]); err != nil {
					mu.Lock()
					failed = append(failed, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, j := range append(jobs, jobs...) {
		ch <- j
	}
	close(ch)
	wg.Wait()
	if len(failed) > 0 {
		t.Errorf("%d saves failed, the first: %v", len(failed), failed[0])
	}
	if done, total := progress(t, s, id); done != len(jobs) || total != len(jobs) {
		t.Errorf("Progress = %d/%d, want %d/%d", done, total, len(jobs), len(jobs))
	}
	n := 0
	err := s.LatestAudits(ctx, func(store.AuditRecord) error { n++; return nil })
	if err != nil || n != len(jobs) {
		t.Errorf("LatestAudits gave %d records (%v), want %d", n, err, len(jobs))
	}
}

func testRoundTrip(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := store.Organisation{ID: "21750001600019", Name: "Ville de Paris", Category: "commune", Domains: []string{"good.test"}}
	id := create(t, s, "aller-retour", []store.Organisation{o})
	want := Realistic("good.test", base)
	save(t, s, pending(t, s, id)[0], want)
	var got []store.AuditRecord
	err := s.LatestAudits(ctx, func(r store.AuditRecord) error {
		got = append(got, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Fatalf("LatestAudits gave %d records, want 1", len(got))
	}
	if got[0].ID <= 0 {
		t.Errorf("record ID = %d, want the row's positive ID", got[0].ID)
	}
	wantRec := store.AuditRecord{
		ID: got[0].ID, CampaignID: id, Org: o, Domain: "good.test", Time: base.Truncate(time.Microsecond),
		Grade: want.Score.Grade, Points: want.Score.Points, Result: want, Attempts: 1,
	}
	if diff := cmp.Diff(wantRec, got[0]); diff != "" {
		t.Errorf("LatestAudits record (-want +got):\n%s", diff)
	}
	h, err := s.History(ctx, "good.test", true)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]store.AuditRecord{wantRec}, h); diff != "" {
		t.Errorf("History (-want +got):\n%s", diff)
	}
}

// testStopIteration checks that an error from the callback stops the
// streaming methods and comes back as is.
func testStopIteration(t *testing.T, s store.Store) {
	ctx := context.Background()
	id := create(t, s, "arrêt", orgs(10))
	for _, j := range pending(t, s, id) {
		save(t, s, j, result(j.Domain, base, "A", 90))
	}
	stop := errors.New("stop")
	id2 := create(t, s, "arrêt 2", orgs(10))
	n := 0
	err := s.PendingJobs(ctx, id2, func(store.Job) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("PendingJobs: %v after %d calls, want stop after 1", err, n)
	}
	n = 0
	err = s.LatestAudits(ctx, func(store.AuditRecord) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("LatestAudits: %v after %d calls, want stop after 1", err, n)
	}
}

// testSaveOversized saves a result far larger than the store's cap (two
// bodies of 6 MiB): it must be trimmed, say so, and read back.
func testSaveOversized(t *testing.T, s store.Store) {
	ctx := context.Background()
	id := create(t, s, "énorme", orgs(1))
	j := pending(t, s, id)[0]
	r := Realistic(j.Domain, base)
	body := strings.Repeat("<p>hostile</p>", 6<<20/14)
	for _, h := range r.Observations.HTTP[:2] {
		h.Body = body
	}
	save(t, s, j, r)
	if r.Observations.HTTP[0].Body != body || len(r.Trimmed) != 0 {
		t.Error("SaveAudit changed the result it was given")
	}
	h, err := s.History(ctx, j.Domain, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 || h[0].Result == nil {
		t.Fatalf("History of the oversized audit = %+v, want it read back", h)
	}
	got := h[0].Result
	if !slices.Contains(got.Trimmed, audit.TrimmedBodies) || got.Observations == nil || got.Observations.HTTP[0].Body != "" {
		t.Errorf("oversized result read back with trimmed %q, want its bodies trimmed and recorded", got.Trimmed)
	}
	if diff := cmp.Diff(r.Findings, got.Findings); diff != "" {
		t.Errorf("oversized result's findings (-saved +read):\n%s", diff)
	}
}

// Corrupt changes one column of the audit row id behind the store's
// back: UPDATE audits SET column = value WHERE id = id. It returns the
// database's error when the column's type refuses the value
// (PostgreSQL); SQLite's dynamic typing takes anything.
type Corrupt func(t *testing.T, id int64, column string, value any) error

// RunUnreadable checks that rows the store cannot read (corrupt by hand,
// larger than the read limit, refused by the decoder, a column of the
// wrong type) are handed to LatestAudits, CampaignAudits and History as
// records naming the row and why, and that the iteration goes on. open
// must return a fresh, empty store and a way to corrupt its rows.
func RunUnreadable(t *testing.T, open func(t *testing.T) (store.Store, Corrupt)) {
	s, corrupt := open(t)
	ctx := context.Background()
	os := orgs(9) // 12 jobs; the bad rows are in the middle
	id := create(t, s, "illisible", os)
	jobs := pending(t, s, id)
	for _, j := range jobs {
		save(t, s, j, result(j.Domain, base, "B", 80))
	}
	ids := map[string]int64{}
	err := s.CampaignAudits(ctx, id, func(r store.AuditRecord) error {
		ids[r.Domain] = r.ID
		return nil
	})
	if err != nil || len(ids) != len(jobs) {
		t.Fatalf("CampaignAudits before corruption: %d records, %v", len(ids), err)
	}
	bad := []struct {
		domain, column string
		value          any
		want           string // in Unreadable
	}{
		{"d0001.test", "result", []byte{0x1f, 0x8b, 8, 0, 1, 2, 3}, "decode result"},
		{"d0002.test", "result", []byte(`{"domain": "d0002.test", "findings": [`), "decode result"},
		{"d0003.test", "result", []byte(`{"domain": "d0003.test", "findings": [{"id": "x", "severity": "catastrophic"}]}`), "severity"},
		{"d0004.test", "result", Oversized(), "read limit"},
		{"d0005.test", "audited_at", "pas une date", "audited_at"},
		{"d0006.test", "points", "beaucoup", "points"},
	}
	want := map[string]string{}
	resultOnly := map[string]bool{} // a bad result, a sound digest
	for _, b := range bad {
		if err := corrupt(t, ids[b.domain], b.column, b.value); err != nil {
			t.Logf("%s: the database refuses %s = %q (%v): this corruption cannot exist there", b.domain, b.column, b.value, err)
			continue
		}
		want[b.domain] = b.want
		resultOnly[b.domain] = b.column == "result"
	}
	check := func(method string, r store.AuditRecord) {
		t.Helper()
		w, isBad := want[r.Domain]
		switch {
		case r.ID != ids[r.Domain] || r.CampaignID != id || r.Org.ID == "":
			t.Errorf("%s: record of %s names row %d, campaign %d, organisation %q; want row %d of campaign %d", method, r.Domain, r.ID, r.CampaignID, r.Org.ID, ids[r.Domain], id)
		case isBad && (r.Result != nil || !strings.Contains(r.Unreadable, w)):
			t.Errorf("%s: corrupt row of %s: Unreadable %q, result %v; want %q and no result", method, r.Domain, r.Unreadable, r.Result != nil, w)
		case !isBad && (r.Unreadable != "" || r.Result == nil || r.Result.Score.Grade != "B"):
			t.Errorf("%s: sound row of %s: Unreadable %q, result %+v", method, r.Domain, r.Unreadable, r.Result)
		}
	}
	for _, m := range []struct {
		name string
		iter func(func(store.AuditRecord) error) error
	}{
		{"LatestAudits", func(fn func(store.AuditRecord) error) error { return s.LatestAudits(ctx, fn) }},
		{"CampaignAudits", func(fn func(store.AuditRecord) error) error { return s.CampaignAudits(ctx, id, fn) }},
	} {
		n := 0
		err := m.iter(func(r store.AuditRecord) error {
			n++
			check(m.name, r)
			return nil
		})
		if err != nil || n != len(jobs) {
			t.Errorf("%s over corrupt rows: %d records, %v; want %d, no error", m.name, n, err, len(jobs))
		}
	}
	for _, j := range jobs {
		h, err := s.History(ctx, j.Domain, true)
		if err != nil || len(h) != 1 {
			t.Errorf("History(%s) over a corrupt row: %d records, %v", j.Domain, len(h), err)
			continue
		}
		check("History", h[0])
	}

	// Digests: a row stored before them (NULL) gets one from its result;
	// a garbage one makes the row unreadable, not the campaign.
	digestBad := map[string]string{}
	for domain, v := range map[string]any{"d0007.test": nil, "d0008.test": "{pas du json"} {
		if err := corrupt(t, ids[domain], "digest", v); err != nil {
			t.Fatalf("digest of %s = %v: %v", domain, v, err)
		}
		if v != nil {
			digestBad[domain] = "digest"
		}
	}
	n := 0
	err = s.CampaignDigests(ctx, id, func(r store.AuditRecord) error {
		n++
		w, isBad := want[r.Domain]
		isBad = isBad && !resultOnly[r.Domain]
		if dw, ok := digestBad[r.Domain]; ok {
			w, isBad = dw, true
		}
		switch {
		case r.Result != nil:
			t.Errorf("CampaignDigests: %s comes with its result", r.Domain)
		case isBad && (r.Digest != nil || !strings.Contains(r.Unreadable, w)):
			t.Errorf("CampaignDigests: corrupt row of %s: Unreadable %q, digest %+v; want %q and no digest", r.Domain, r.Unreadable, r.Digest, w)
		case !isBad && (r.Unreadable != "" || r.Digest == nil || r.Digest.Methodology != "test" || r.Grade != "B"):
			t.Errorf("CampaignDigests: sound row of %s: Unreadable %q, digest %+v, grade %q", r.Domain, r.Unreadable, r.Digest, r.Grade)
		}
		return nil
	})
	if err != nil || n != len(jobs) {
		t.Errorf("CampaignDigests over corrupt rows: %d records, %v; want %d, no error", n, err, len(jobs))
	}
}

var (
	oversizedOnce sync.Once
	oversizedBlob []byte
)

// Oversized returns a stored result as a row could hold it (gzip-compressed
// JSON), valid but decompressing to more than the store's 64 MiB read
// limit: 64 KiB, the same each call.
func Oversized() []byte {
	oversizedOnce.Do(func() {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		io.WriteString(zw, `{"domain": "d0004.test", "input": "`)
		chunk := []byte(strings.Repeat("x", 1<<20))
		for range 65 {
			zw.Write(chunk)
		}
		io.WriteString(zw, `"}`)
		zw.Close()
		oversizedBlob = buf.Bytes()
	})
	return oversizedBlob
}

// testCampaignOrganisations: two campaigns that reuse an identifier for
// two bodies each keep their own name, category and domains, in every
// method that reads an organisation back.
func testCampaignOrganisations(t *testing.T, s store.Store) {
	ctx := context.Background()
	chu := store.Organisation{ID: "1", Name: "CHU de Lyon", Category: "hôpital", Domains: []string{"chu.test"}}
	commune := store.Organisation{ID: "1", Name: "Commune de Y", Category: "commune", Domains: []string{"y.test", "chu.test"}}
	other := store.Organisation{ID: "2", Name: "Région Z", Category: "région", Domains: []string{"z.test"}}
	id1 := create(t, s, "hôpitaux", []store.Organisation{chu, other})
	for _, j := range pending(t, s, id1) {
		save(t, s, j, result(j.Domain, base, "C", 60))
	}
	id2 := create(t, s, "communes", []store.Organisation{commune})
	if jobs := pending(t, s, id2); len(jobs) != 2 || jobs[0].Org.Name != "Commune de Y" {
		t.Errorf("PendingJobs of the second campaign = %+v, want its own two jobs of Commune de Y", jobs)
	}
	week := base.Add(7 * 24 * time.Hour)
	for _, j := range pending(t, s, id2) {
		save(t, s, j, result(j.Domain, week, "B", 80))
	}
	// The first campaign's jobs, pending or not, stay the CHU's.
	id3 := create(t, s, "hôpitaux bis", []store.Organisation{chu})
	if jobs := pending(t, s, id3); len(jobs) != 1 || jobs[0].Org.Name != "CHU de Lyon" || jobs[0].Org.Category != "hôpital" {
		t.Errorf("PendingJobs of a third campaign = %+v, want the CHU", jobs)
	}

	audits := func(id int64) []string {
		var got []string
		err := s.CampaignAudits(ctx, id, func(r store.AuditRecord) error {
			got = append(got, fmt.Sprintf("%s %s %s %s %v", r.Org.ID, r.Domain, r.Org.Name, r.Org.Category, r.Org.Domains))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	want1 := []string{"1 chu.test CHU de Lyon hôpital [chu.test]", "2 z.test Région Z région [z.test]"}
	if diff := cmp.Diff(want1, audits(id1)); diff != "" {
		t.Errorf("CampaignAudits(%d) (-want +got):\n%s", id1, diff)
	}
	want2 := []string{"1 chu.test Commune de Y commune [chu.test y.test]", "1 y.test Commune de Y commune [chu.test y.test]"}
	if diff := cmp.Diff(want2, audits(id2)); diff != "" {
		t.Errorf("CampaignAudits(%d) (-want +got):\n%s", id2, diff)
	}

	for _, full := range []bool{false, true} {
		h, err := s.History(ctx, "chu.test", full)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range h {
			got = append(got, fmt.Sprintf("%d %s", r.CampaignID, r.Org.Name))
		}
		want := []string{fmt.Sprintf("%d CHU de Lyon", id1), fmt.Sprintf("%d Commune de Y", id2)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("History(chu.test, full=%v) (-want +got):\n%s", full, diff)
		}
	}

	var latest []string
	err := s.LatestAudits(ctx, func(r store.AuditRecord) error {
		latest = append(latest, fmt.Sprintf("%d %s %s", r.CampaignID, r.Domain, r.Org.Name))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	wantLatest := []string{
		fmt.Sprintf("%d chu.test Commune de Y", id2),
		fmt.Sprintf("%d y.test Commune de Y", id2),
		fmt.Sprintf("%d z.test Région Z", id1),
	}
	if diff := cmp.Diff(wantLatest, latest); diff != "" {
		t.Errorf("LatestAudits (-want +got):\n%s", diff)
	}

	orgsOf := func(id int64) []store.Organisation {
		var got []store.Organisation
		if err := s.CampaignOrganisations(ctx, id, func(o store.Organisation) error {
			got = append(got, o)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	wantOrgs1 := []store.Organisation{chu, other}
	if diff := cmp.Diff(wantOrgs1, orgsOf(id1)); diff != "" {
		t.Errorf("CampaignOrganisations(%d) (-want +got):\n%s", id1, diff)
	}
	wantOrgs2 := []store.Organisation{{ID: "1", Name: "Commune de Y", Category: "commune", Domains: []string{"chu.test", "y.test"}}}
	if diff := cmp.Diff(wantOrgs2, orgsOf(id2)); diff != "" {
		t.Errorf("CampaignOrganisations(%d) (-want +got):\n%s", id2, diff)
	}
	if err := s.CampaignOrganisations(ctx, id3+100, func(store.Organisation) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CampaignOrganisations of an unknown campaign = %v, want ErrNotFound", err)
	}
	stop := errors.New("stop")
	if err := s.CampaignOrganisations(ctx, id1, func(store.Organisation) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("CampaignOrganisations stopped by fn = %v, want its error", err)
	}
}

// testDKIMSelectors: the selectors given for a domain come back with its
// job, sorted and each once, in this campaign only.
func testDKIMSelectors(t *testing.T, s store.Store) {
	o := store.Organisation{ID: "1", Name: "Ville", Domains: []string{"a.test", "b.test"},
		Selectors: map[string][]string{"a.test": {"s2", "s1", "s2"}}}
	// Listed again with another selector for a.test and one for b.test.
	again := store.Organisation{ID: "1", Domains: []string{"b.test"},
		Selectors: map[string][]string{"a.test": {"s3"}, "b.test": {"mail"}}}
	id := create(t, s, "sélecteurs", []store.Organisation{o, again})
	got := map[string][]string{}
	for _, j := range pending(t, s, id) {
		got[j.Domain] = j.DKIMSelectors
	}
	want := map[string][]string{"a.test": {"s1", "s2", "s3"}, "b.test": {"mail"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("DKIMSelectors of the jobs (-want +got):\n%s", diff)
	}
	plain := store.Organisation{ID: "1", Domains: []string{"a.test"}}
	id2 := create(t, s, "sans", []store.Organisation{plain})
	if jobs := pending(t, s, id2); len(jobs) != 1 || jobs[0].DKIMSelectors != nil {
		t.Errorf("a job without selectors = %+v, want DKIMSelectors nil", jobs)
	}
}
