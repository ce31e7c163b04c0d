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
