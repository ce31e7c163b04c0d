package storetest

import (
	"context"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// records returns the audits of campaign id.
func records(t *testing.T, s store.Store, id int64) []store.AuditRecord {
	t.Helper()
	var recs []store.AuditRecord
	err := s.CampaignAudits(context.Background(), id, func(r store.AuditRecord) error {
		recs = append(recs, r)
		return nil
	})
	if err != nil {
		t.Fatalf("CampaignAudits: %v", err)
	}
	return recs
}

func testLock(t *testing.T, s store.Store) {
	ctx := context.Background()
	id := create(t, s, "c", orgs(2))
	other := create(t, s, "d", orgs(2))
	l, err := s.Lock(ctx, id)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	_, err = s.Lock(ctx, id)
	var le *store.LockedError
	if !errors.As(err, &le) {
		t.Fatalf("second Lock: %v, want a *LockedError", err)
	}
	host, _ := os.Hostname()
	if le.CampaignID != id || le.Holder.PID != os.Getpid() || le.Holder.Host != host || le.Holder.Since.IsZero() {
		t.Errorf("LockedError = %+v, want campaign %d held by %s pid %d", le, id, host, os.Getpid())
	}
	// Another campaign has a lease of its own.
	lo, err := s.Lock(ctx, other)
	if err != nil {
		t.Fatalf("Lock of another campaign: %v", err)
	}
	if err := lo.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatalf("second Release: %v", err)
	}
	select {
	case <-l.Lost():
		t.Error("a released lease says it was lost")
	default:
	}
	l2, err := s.Lock(ctx, id)
	if err != nil {
		t.Fatalf("Lock after Release: %v", err)
	}
	l2.Release()
	if _, err := s.Lock(ctx, 9999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Lock of no campaign: %v, want ErrNotFound", err)
	}
}

func testAbandon(t *testing.T, s store.Store) {
	ctx := context.Background()
	id := create(t, s, "c", orgs(2))
	kept := create(t, s, "d", orgs(2))
	j := pending(t, s, id)[0]
	save(t, s, j, result(j.Domain, base, "B", 70))
	at := base.Add(time.Hour)
	if err := s.AbandonCampaign(ctx, id, at); err != nil {
		t.Fatalf("AbandonCampaign: %v", err)
	}
	c, err := s.Campaign(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Abandoned.Equal(at.Truncate(time.Microsecond)) {
		t.Errorf("Abandoned = %v, want %v", c.Abandoned, at)
	}
	list, err := s.ListCampaigns(ctx, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	status := map[int64]string{}
	for _, c := range list {
		status[c.ID] = c.Status
	}
	if status[id] != store.StatusAbandoned || status[kept] != store.StatusUnfinished {
		t.Errorf("statuses = %v, want %d %s and %d %s", status, id, store.StatusAbandoned, kept, store.StatusUnfinished)
	}
	if n := len(records(t, s, id)); n != 1 {
		t.Errorf("an abandoned campaign has %d audits, want its 1 kept", n)
	}
	if err := s.AbandonCampaign(ctx, 9999, at); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AbandonCampaign of no campaign: %v, want ErrNotFound", err)
	}
}

func testDelete(t *testing.T, s store.Store) {
	ctx := context.Background()
	gone := create(t, s, "gone", orgs(3))
	kept := create(t, s, "kept", orgs(3))
	for _, id := range []int64{gone, kept} {
		for _, j := range pending(t, s, id) {
			save(t, s, j, result(j.Domain, base, "C", 50))
		}
	}
	j := pending(t, s, gone)
	if len(j) != 0 {
		t.Fatalf("%d jobs pending after saving all", len(j))
	}
	first := records(t, s, gone)[0]
	job := store.Job{CampaignID: gone, Org: first.Org, Domain: first.Domain}
	if err := s.ReplaceAudit(ctx, job, result(first.Domain, base.Add(time.Hour), "A", 90)); err != nil {
		t.Fatalf("ReplaceAudit: %v", err)
	}
	l, err := s.Lock(ctx, gone)
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
	want := len(records(t, s, kept))
	if err := s.DeleteCampaign(ctx, gone); err != nil {
		t.Fatalf("DeleteCampaign: %v", err)
	}
	if _, err := s.Campaign(ctx, gone); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Campaign after delete: %v, want ErrNotFound", err)
	}
	if got := len(records(t, s, kept)); got != want {
		t.Errorf("the other campaign has %d audits after the delete, want %d", got, want)
	}
	h, err := s.History(ctx, first.Domain, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 1 || h[0].CampaignID != kept {
		t.Errorf("history of %s after the delete = %+v, want the kept campaign's audit only", first.Domain, h)
	}
	if err := s.DeleteCampaign(ctx, gone); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second DeleteCampaign: %v, want ErrNotFound", err)
	}
	// The organisations stay: a new campaign may list them again.
	create(t, s, "again", orgs(3))
}

func testAttempts(t *testing.T, s store.Store) {
	ctx := context.Background()
	id := create(t, s, "c", orgs(3))
	jobs := pending(t, s, id)
	failed := &audit.Result{Domain: jobs[0].Domain, Time: base, Error: "no DNS answer: timeout"}
	jobs[0].Attempts = 3
	save(t, s, jobs[0], failed)
	save(t, s, jobs[1], result(jobs[1].Domain, base, "B", 70)) // Attempts 0: one
	if err := s.ReplaceAudit(ctx, jobs[2], result(jobs[2].Domain, base, "B", 70)); err == nil {
		t.Error("ReplaceAudit of a job without an audit: no error")
	}
	retry := jobs[0]
	retry.Attempts = 1
	if err := s.ReplaceAudit(ctx, retry, result(retry.Domain, base.Add(time.Hour), "A", 95)); err != nil {
		t.Fatalf("ReplaceAudit: %v", err)
	}
	got := map[string]store.AuditRecord{}
	for _, r := range records(t, s, id) {
		got[r.Domain] = r
	}
	if r := got[jobs[0].Domain]; r.Attempts != 4 || r.Grade != "A" || r.Result == nil || r.Result.Error != "" {
		t.Errorf("replaced audit: attempts %d grade %q, want 4 and A without error", r.Attempts, r.Grade)
	}
	if r := got[jobs[1].Domain]; r.Attempts != 1 {
		t.Errorf("audit saved with Attempts 0: attempts %d, want 1", r.Attempts)
	}
	if n := len(got); n != 2 {
		t.Errorf("%d audits, want 2 (a replacement is no new job audit)", n)
	}
}

// testDigests checks that CampaignDigests gives, for every audit, the
// digest of its result (saved or replaced), without the result.
func testDigests(t *testing.T, s store.Store) {
	ctx := context.Background()
	id := create(t, s, "c", orgs(3))
	jobs := pending(t, s, id)
	results := map[string]*audit.Result{}
	for i, j := range jobs {
		r := Realistic(j.Domain, base.Add(time.Duration(i)*time.Minute))
		if i == 1 {
			r = &audit.Result{Domain: j.Domain, Time: base, Error: strings.Repeat("é", 600)}
		}
		save(t, s, j, r)
		results[j.Domain] = r
	}
	replaced := Realistic(jobs[2].Domain, base.Add(time.Hour))
	replaced.Findings = replaced.Findings[:1]
	if err := s.ReplaceAudit(ctx, jobs[2], replaced); err != nil {
		t.Fatalf("ReplaceAudit: %v", err)
	}
	results[jobs[2].Domain] = replaced
	n := 0
	err := s.CampaignDigests(ctx, id, func(r store.AuditRecord) error {
		n++
		want := store.DigestOf(results[r.Domain])
		if r.Result != nil || r.Unreadable != "" || !reflect.DeepEqual(r.Digest, want) {
			t.Errorf("digest of %s: %+v (result %v, unreadable %q); want %+v", r.Domain, r.Digest, r.Result != nil, r.Unreadable, want)
		}
		return nil
	})
	if err != nil || n != len(jobs) {
		t.Fatalf("CampaignDigests: %d records, %v; want %d", n, err, len(jobs))
	}
	long := store.DigestOf(results[jobs[1].Domain]).Error
	if len(long) > 520 || !strings.HasSuffix(long, "…") || !utf8.ValidString(long) {
		t.Errorf("digest of a 1,200-byte error: %d bytes, %q…; want it cut to about 512 bytes, valid UTF-8, ending in …", len(long), long[:20])
	}
	if d := store.DigestOf(Realistic("x.test", base)); len(d.Findings) == 0 || d.Methodology == "" {
		t.Errorf("digest of a realistic result: %+v; want its findings and methodology", d)
	}
	withIndicator := Realistic("y.test", base)
	withIndicator.Score.Indicators = []audit.IndicatorScore{{Indicator: "sovereignty", Grade: "C", Points: 75}}
	if d := store.DigestOf(withIndicator); !reflect.DeepEqual(d.Indicators, []store.DigestIndicator{{ID: "sovereignty", Grade: "C", Points: 75}}) {
		t.Errorf("digest's indicators: %+v; want sovereignty C 75", d.Indicators)
	}
	if err := s.CampaignDigests(ctx, id+100, func(store.AuditRecord) error { return nil }); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("CampaignDigests of no campaign: %v, want ErrNotFound", err)
	}
}
