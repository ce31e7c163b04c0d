package campaign

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// TestCompareUnreadable compares two campaigns with a row corrupted by
// hand in each: the comparison goes on, and the corrupt sides are
// unscored, named by their row.
func TestCompareUnreadable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "compare.db")
	st, err := store.OpenSQLite(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	orgs := []store.Organisation{
		{ID: "1", Domains: []string{"a.test"}},
		{ID: "2", Domains: []string{"b.test"}},
		{ID: "3", Domains: []string{"c.test"}},
	}
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	var campaigns []int64
	for week, points := range []int{80, 60} {
		id, err := st.CreateCampaign(t.Context(), &store.Campaign{Name: "semaine"}, orgs)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range orgs {
			r := &audit.Result{Domain: o.Domains[0], Time: at.Add(time.Duration(week) * 7 * 24 * time.Hour),
				Score: &audit.Score{Grade: "B", Points: points}}
			if err := st.SaveAudit(t.Context(), store.Job{CampaignID: id, Org: o, Domain: o.Domains[0]}, r); err != nil {
				t.Fatal(err)
			}
		}
		campaigns = append(campaigns, id)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// b.test is corrupt in the first campaign, c.test in the second.
	for _, c := range []struct {
		campaign int64
		domain   string
	}{{campaigns[0], "b.test"}, {campaigns[1], "c.test"}} {
		if _, err := db.Exec(`UPDATE audits SET result = ? WHERE campaign_id = ? AND domain = ?`, []byte("{corrupt"), c.campaign, c.domain); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]Change{}
	err = Compare(t.Context(), st, campaigns[0], campaigns[1], func(c Change) error {
		got[c.Domain] = c
		return nil
	})
	if err != nil {
		t.Fatalf("Compare over corrupt rows: %v", err)
	}
	if a := got["a.test"]; a.Kind() != Worse {
		t.Errorf("a.test: %s, want %s", a.Kind(), Worse)
	}
	for _, c := range []struct {
		domain string
		side   func(Change) *Side
	}{
		{"b.test", func(c Change) *Side { return c.Before }},
		{"c.test", func(c Change) *Side { return c.After }},
	} {
		ch := got[c.domain]
		s := c.side(ch)
		if ch.Kind() != Unscored || s == nil || !strings.HasPrefix(s.Error, "unreadable row ") || !strings.Contains(s.Error, "decode result") {
			t.Errorf("%s: %s, side %+v; want unscored, the corrupt side naming its row", c.domain, ch.Kind(), s)
		}
	}
}
