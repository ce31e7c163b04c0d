package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/store"
)

// testOrganisations checks that Organisations gives the latest record of
// every identifier, in ID order, across more than one page.
func testOrganisations(t *testing.T, s store.Store) {
	ctx := context.Background()
	first := orgs(1100) // more than one page of 1024
	create(t, s, "first", first)
	renamed := store.Organisation{ID: "org0001", Name: "Ville renommée", Category: "commune", Domains: []string{"neuf.test"}}
	create(t, s, "second", []store.Organisation{renamed})
	var got []store.Organisation
	if err := s.Organisations(ctx, func(o store.Organisation) error { got = append(got, o); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(first) {
		t.Fatalf("Organisations gave %d organisations, want %d", len(got), len(first))
	}
	for i := 1; i < len(got); i++ {
		if got[i-1].ID >= got[i].ID {
			t.Fatalf("Organisations out of order at %d: %s then %s", i, got[i-1].ID, got[i].ID)
		}
	}
	if diff := cmp.Diff(renamed, got[1]); diff != "" {
		t.Errorf("Organisations: org0001 is not its latest record (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(first[1099], got[1099]); diff != "" {
		t.Errorf("Organisations: last record (-want +got):\n%s", diff)
	}
	stop := errors.New("stop")
	n := 0
	err := s.Organisations(ctx, func(store.Organisation) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("Organisations with fn failing: err %v after %d calls, want stop after 1", err, n)
	}
}

// testOrganisationAudits checks the audits of one organisation, all its
// domains, oldest first, as each campaign recorded the organisation, and
// Audit by the ID they give.
func testOrganisationAudits(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := store.Organisation{ID: "o1", Name: "Mairie", Category: "commune", Domains: []string{"a.test", "b.test"}}
	other := store.Organisation{ID: "o2", Domains: []string{"c.test"}}
	id1 := create(t, s, "one", []store.Organisation{o, other})
	for _, j := range pending(t, s, id1) {
		save(t, s, j, result(j.Domain, base, "B", 70))
	}
	o2 := o
	o2.Name = "Mairie (nouveau nom)"
	id2 := create(t, s, "two", []store.Organisation{o2})
	for _, j := range pending(t, s, id2) {
		r := Realistic(j.Domain, base.Add(time.Hour))
		save(t, s, j, r)
	}
	recs, err := s.OrganisationAudits(ctx, "o1")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, fmt.Sprintf("%d %s %s %s", r.CampaignID, r.Domain, r.Org.Name, r.Grade))
		if r.Result != nil {
			t.Errorf("OrganisationAudits: record %d has a result", r.ID)
		}
	}
	want := []string{
		fmt.Sprintf("%d a.test Mairie B", id1),
		fmt.Sprintf("%d b.test Mairie B", id1),
	}
	for _, r := range recs[2:] {
		want = append(want, fmt.Sprintf("%d %s Mairie (nouveau nom) %s", id2, r.Domain, r.Grade))
	}
	if len(recs) != 4 || recs[2].Domain != "a.test" || recs[3].Domain != "b.test" {
		t.Fatalf("OrganisationAudits gave %v, want 4 audits, the second campaign's last", got)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("OrganisationAudits (-want +got):\n%s", diff)
	}
	none, err := s.OrganisationAudits(ctx, "nobody")
	if err != nil || none == nil || len(none) != 0 {
		t.Errorf("OrganisationAudits(unknown) = %v, %v; want an empty slice", none, err)
	}

	rec, err := s.Audit(ctx, recs[3].ID)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Result == nil || rec.Result.Domain != "b.test" || rec.Org.Name != o2.Name || rec.CampaignID != id2 {
		t.Errorf("Audit(%d) = campaign %d, org %q, result %v", recs[3].ID, rec.CampaignID, rec.Org.Name, rec.Result != nil)
	}
	if rec.Result != nil && (rec.Result.Score == nil || rec.Grade != rec.Result.Score.Grade) {
		t.Errorf("Audit(%d): grade %q does not match its result's score", rec.ID, rec.Grade)
	}
	if _, err := s.Audit(ctx, 1<<40); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Audit(unknown) error = %v, want ErrNotFound", err)
	}
}

// testShiftCampaign checks that a campaign and its audits move in time,
// and no other campaign's.
func testShiftCampaign(t *testing.T, s store.Store) {
	ctx := context.Background()
	o := store.Organisation{ID: "o1", Domains: []string{"a.test"}}
	id1 := create(t, s, "one", []store.Organisation{o})
	save(t, s, pending(t, s, id1)[0], result("a.test", base, "B", 70))
	if err := s.FinishCampaign(ctx, id1, base.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	id2 := create(t, s, "two", []store.Organisation{o})
	save(t, s, pending(t, s, id2)[0], result("a.test", base.Add(time.Hour), "A", 90))
	week := -7 * 24 * time.Hour
	if err := s.ShiftCampaign(ctx, id1, week); err != nil {
		t.Fatal(err)
	}
	c, err := s.Campaign(ctx, id1)
	if err != nil {
		t.Fatal(err)
	}
	want := base.Add(week).Truncate(time.Microsecond)
	if !c.Created.Equal(want) || !c.Finished.Equal(want.Add(time.Minute)) {
		t.Errorf("shifted campaign: created %v, finished %v; want %v and a minute later", c.Created, c.Finished, want)
	}
	h, err := s.History(ctx, "a.test", false)
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || !h[0].Time.Equal(want) || h[0].CampaignID != id1 || !h[1].Time.Equal(base.Add(time.Hour).Truncate(time.Microsecond)) {
		t.Errorf("history after the shift: %+v", h)
	}
	if c2, err := s.Campaign(ctx, id2); err != nil || !c2.Created.Equal(base.Truncate(time.Microsecond)) {
		t.Errorf("the other campaign moved: %v, %v", c2, err)
	}
	if err := s.ShiftCampaign(ctx, 1<<40, week); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ShiftCampaign(unknown) = %v, want ErrNotFound", err)
	}
}
