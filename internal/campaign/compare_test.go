package campaign

import (
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/engine/enginetest"
	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/target"
)

// TestCompare stores two campaigns of a real audit of the lab's good.test
// and variants of it (HSTS removed, an audit in error, an audit judged by
// another methodology), then compares them: each organisation gets the
// kind of change it was given, with the findings that came and went.
func TestCompare(t *testing.T) {
	lab := enginetest.NewLab(t)
	tg, err := target.Parse("good.test")
	if err != nil {
		t.Fatal(err)
	}
	good := engine.Audit(t.Context(), labConfig(lab).Engine, tg)
	if good.Error != "" || good.Score == nil {
		t.Fatalf("audit of good.test: %q, score %v", good.Error, good.Score)
	}
	clone := func() *audit.Result {
		b, err := json.Marshal(good)
		if err != nil {
			t.Fatal(err)
		}
		var r audit.Result
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		return &r
	}
	noHSTS := clone()
	for _, h := range noHSTS.Observations.HTTP {
		for i := range h.Responses {
			delete(h.Responses[i].Headers, "Strict-Transport-Security")
		}
	}
	// stale was judged, before HSTS went, by rules of another
	// methodology: Compare must judge it again, and see HSTS gone.
	stale := clone()
	stale.Observations = noHSTS.Observations
	stale.Score.Methodology = "2025.1"
	engine.Rejudge(noHSTS)
	failed := &audit.Result{Domain: "good.test", Time: good.Time, Error: engine.ErrNoDNSAnswer + ": i/o timeout"}

	st, err := store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "compare.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	org := func(id string) store.Organisation {
		return store.Organisation{ID: id, Name: "Org " + id, Domains: []string{"good.test"}}
	}
	// Organisation by organisation: its result in the first campaign,
	// in the second (nil: not in it), and the change expected.
	plan := []struct {
		org           string
		first, second *audit.Result
		kind          string
	}{
		{"1", good, noHSTS, Worse},
		{"2", noHSTS, good, Better},
		{"3", good, good, Same},
		{"4", good, failed, Unscored},
		{"5", good, nil, Gone},
		{"6", nil, good, New},
		{"7", good, stale, Worse},
	}
	runCampaign := func(name string, pick func(i int) *audit.Result) int64 {
		var orgs []store.Organisation
		for i, p := range plan {
			if pick(i) != nil {
				orgs = append(orgs, org(p.org))
			}
		}
		id, err := st.CreateCampaign(t.Context(), &store.Campaign{Name: name}, orgs)
		if err != nil {
			t.Fatal(err)
		}
		for i, p := range plan {
			if r := pick(i); r != nil {
				if err := st.SaveAudit(t.Context(), store.Job{CampaignID: id, Org: org(p.org), Domain: "good.test"}, r); err != nil {
					t.Fatal(err)
				}
			}
		}
		return id
	}
	first := runCampaign("first", func(i int) *audit.Result { return plan[i].first })
	second := runCampaign("second", func(i int) *audit.Result { return plan[i].second })

	var order []string
	changes := map[string]Change{}
	err = Compare(t.Context(), st, first, second, func(c Change) error {
		order = append(order, c.Org.ID)
		changes[c.Org.ID] = c
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"1", "2", "3", "4", "6", "7", "5"}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	ids := func(fs []audit.Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.ID)
		}
		return out
	}
	for _, p := range plan {
		c := changes[p.org]
		if got := c.Kind(); got != p.kind {
			t.Errorf("org %s: %s, want %s", p.org, got, p.kind)
		}
		switch p.kind {
		case Worse:
			if c.Delta() >= 0 || !slices.Contains(ids(c.Added), "http.hsts.missing") || len(c.Fixed) > 0 {
				t.Errorf("org %s: delta %d, added %v, fixed %v; want points lost to http.hsts.missing", p.org, c.Delta(), ids(c.Added), ids(c.Fixed))
			}
		case Better:
			if c.Delta() <= 0 || !slices.Contains(ids(c.Fixed), "http.hsts.missing") || len(c.Added) > 0 {
				t.Errorf("org %s: delta %d, added %v, fixed %v; want points won with http.hsts.missing fixed", p.org, c.Delta(), ids(c.Added), ids(c.Fixed))
			}
		case Same:
			if c.Delta() != 0 || len(c.Added)+len(c.Fixed) > 0 {
				t.Errorf("org %s: delta %d, added %v, fixed %v; want nothing", p.org, c.Delta(), ids(c.Added), ids(c.Fixed))
			}
		case Unscored:
			if c.After == nil || c.After.Error != failed.Error || c.After.Grade != "" || c.Before.Grade != good.Score.Grade {
				t.Errorf("org %s: before %+v, after %+v", p.org, c.Before, c.After)
			}
		}
	}

	// One organisation's changes are those of the whole comparison.
	for _, p := range plan {
		want := changes[p.org]
		var got []Change
		err := CompareOrganisation(t.Context(), st, p.org, first, second, func(c Change) error {
			got = append(got, c)
			return nil
		})
		if err != nil || len(got) != 1 || got[0].Kind() != p.kind || got[0].Delta() != want.Delta() ||
			!slices.Equal(ids(got[0].Added), ids(want.Added)) || !slices.Equal(ids(got[0].Fixed), ids(want.Fixed)) {
			t.Errorf("CompareOrganisation(%s): %d changes %+v, %v; want the comparison's %s", p.org, len(got), got, err, p.kind)
		}
	}

	if err := Compare(t.Context(), st, first, first, func(Change) error { return nil }); err == nil {
		t.Error("comparing a campaign with itself: no error")
	}
	if err := Compare(t.Context(), st, first, second+1, func(Change) error { return nil }); err == nil {
		t.Error("comparing with an unknown campaign: no error")
	}
}

// TestCompareOwnNames: an identifier reused by the second campaign for
// another body does not rename the first campaign's audits: the domain
// gone is reported under the first campaign's name, the new one under the
// second's.
func TestCompareOwnNames(t *testing.T) {
	st, err := store.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "names.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	run := func(o store.Organisation) int64 {
		id, err := st.CreateCampaign(t.Context(), &store.Campaign{Name: o.Name}, []store.Organisation{o})
		if err != nil {
			t.Fatal(err)
		}
		r := &audit.Result{Domain: o.Domains[0], Error: "dns: no such domain"}
		if err := st.SaveAudit(t.Context(), store.Job{CampaignID: id, Org: o, Domain: o.Domains[0]}, r); err != nil {
			t.Fatal(err)
		}
		return id
	}
	first := run(store.Organisation{ID: "1", Name: "CHU de Lyon", Category: "hôpital", Domains: []string{"chu.test"}})
	second := run(store.Organisation{ID: "1", Name: "Commune de Y", Category: "commune", Domains: []string{"y.test"}})
	var got []string
	err = Compare(t.Context(), st, first, second, func(c Change) error {
		got = append(got, c.Kind()+" "+c.Domain+" "+c.Org.Name+" "+c.Org.Category)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{New + " y.test Commune de Y commune", Gone + " chu.test CHU de Lyon hôpital"}
	if !slices.Equal(got, want) {
		t.Errorf("changes %q, want %q", got, want)
	}
}
