package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"vigie.eu/vigie/internal/store"
)

// testPublish: a campaign created unpublished does not exist for the
// public view, in any of its reads, until published; an organisation
// hidden loses its audits in the public view, not in the store.
func testPublish(t *testing.T, s store.Store) {
	ctx := context.Background()
	pub, ok := s.(store.Publishing)
	if !ok {
		t.Fatal("the store does not implement store.Publishing")
	}
	view, err := store.PublicView(s)
	if err != nil {
		t.Fatal(err)
	}
	os := orgs(2) // org0000 (two domains), org0001
	old := create(t, s, "published", os)
	for _, j := range pending(t, s, old) {
		save(t, s, j, result(j.Domain, base, "B", 70))
	}
	renamed := append([]store.Organisation(nil), os...)
	renamed[1].Name = "Nom secret"
	secret, err := s.CreateCampaign(ctx, &store.Campaign{Name: "secret", Created: base.Add(time.Hour), Unpublished: true}, renamed)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range pending(t, s, secret) {
		save(t, s, j, result(j.Domain, base.Add(time.Hour), "F", 5))
	}
	if p, err := pub.Published(ctx, old); err != nil || !p {
		t.Errorf("Published(CLI-made campaign) = %v, %v; want true", p, err)
	}
	if p, err := pub.Published(ctx, secret); err != nil || p {
		t.Errorf("Published(unpublished campaign) = %v, %v; want false", p, err)
	}
	if _, err := pub.Published(ctx, 999); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Published(999) = %v, want ErrNotFound", err)
	}

	// The whole store sees both campaigns.
	if list, _ := s.ListCampaigns(ctx, 0, 0); len(list) != 2 {
		t.Errorf("store: ListCampaigns = %d campaigns, want 2", len(list))
	}
	grades := func(st store.Store) map[string]string {
		got := map[string]string{}
		if err := st.LatestAudits(ctx, func(r store.AuditRecord) error { got[r.Domain] = r.Grade; return nil }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if g := grades(s); g["d0001.test"] != "F" {
		t.Errorf("store: latest grade of d0001.test = %q, want F (the newest campaign)", g["d0001.test"])
	}

	// The public view does not see the unpublished one anywhere.
	checkHidden := func(id int64) {
		t.Helper()
		if list, _ := view.ListCampaigns(ctx, 0, 0); len(list) != 1 || list[0].ID != old {
			t.Errorf("view: ListCampaigns = %+v, want only %d", list, old)
		}
		if c, err := view.LatestCampaign(ctx); err != nil || c.ID != old {
			t.Errorf("view: LatestCampaign = %v, %v; want %d", c, err, old)
		}
		if _, err := view.Campaign(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("view: Campaign(unpublished) = %v, want ErrNotFound", err)
		}
		if _, _, err := view.Progress(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("view: Progress(unpublished) = %v, want ErrNotFound", err)
		}
		noop := func(store.AuditRecord) error { return nil }
		if err := view.CampaignAudits(ctx, id, noop); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("view: CampaignAudits(unpublished) = %v, want ErrNotFound", err)
		}
		if err := view.CampaignDigests(ctx, id, noop); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("view: CampaignDigests(unpublished) = %v, want ErrNotFound", err)
		}
		if err := view.CampaignOrganisations(ctx, id, func(store.Organisation) error { return nil }); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("view: CampaignOrganisations(unpublished) = %v, want ErrNotFound", err)
		}
		if g := grades(view); g["d0001.test"] != "B" || len(g) != 3 {
			t.Errorf("view: latest grades = %v, want the published campaign's B for all three domains", g)
		}
		h, _ := view.History(ctx, "d0001.test", false)
		if len(h) != 1 || h[0].CampaignID != old {
			t.Errorf("view: History = %+v, want the published audit only", h)
		}
		recs, _ := view.OrganisationAudits(ctx, "org0001")
		if len(recs) != 1 || recs[0].CampaignID != old {
			t.Errorf("view: OrganisationAudits = %+v, want the published audit only", recs)
		}
		all, _ := s.OrganisationAudits(ctx, "org0001")
		for _, r := range all {
			_, err := view.Audit(ctx, r.ID)
			if r.CampaignID == id && !errors.Is(err, store.ErrNotFound) {
				t.Errorf("view: Audit(%d) of the unpublished campaign = %v, want ErrNotFound", r.ID, err)
			}
			if r.CampaignID == old && err != nil {
				t.Errorf("view: Audit(%d) of the published campaign: %v", r.ID, err)
			}
		}
		var names []string
		view.Organisations(ctx, func(o store.Organisation) error { names = append(names, o.Name); return nil })
		if len(names) != 2 || names[1] != os[1].Name {
			t.Errorf("view: Organisations names = %q, want the published campaign's", names)
		}
	}
	checkHidden(secret)

	// Published, it is seen; withdrawn, gone again.
	if err := pub.SetPublished(ctx, secret, true); err != nil {
		t.Fatal(err)
	}
	if list, _ := view.ListCampaigns(ctx, 0, 0); len(list) != 2 {
		t.Errorf("view after publishing: ListCampaigns = %d campaigns, want 2", len(list))
	}
	if g := grades(view); g["d0001.test"] != "F" {
		t.Errorf("view after publishing: latest grade of d0001.test = %q, want F", g["d0001.test"])
	}
	var names []string
	view.Organisations(ctx, func(o store.Organisation) error { names = append(names, o.Name); return nil })
	if len(names) != 2 || names[1] != "Nom secret" {
		t.Errorf("view after publishing: Organisations names = %q, want the newest campaign's", names)
	}
	if err := pub.SetPublished(ctx, secret, false); err != nil {
		t.Fatal(err)
	}
	checkHidden(secret)
	if err := pub.SetPublished(ctx, 999, true); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetPublished(999) = %v, want ErrNotFound", err)
	}

	// Hiding an organisation.
	at := base.Add(48 * time.Hour).Truncate(time.Microsecond)
	if err := pub.HideOrganisation(ctx, store.HiddenOrganisation{ID: "nobody", Reason: "r", At: at}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("HideOrganisation(unknown) = %v, want ErrNotFound", err)
	}
	if err := pub.HideOrganisation(ctx, store.HiddenOrganisation{ID: "org0000", Reason: "à sa demande", Operator: "alice", At: at}); err != nil {
		t.Fatal(err)
	}
	hidden, err := pub.HiddenOrganisations(ctx)
	if err != nil || len(hidden) != 1 || hidden[0].ID != "org0000" || hidden[0].Name != os[0].Name || hidden[0].Reason != "à sa demande" ||
		hidden[0].Operator != "alice" || !hidden[0].At.Equal(at) {
		t.Errorf("HiddenOrganisations = %+v, %v", hidden, err)
	}
	if g := grades(view); len(g) != 1 || g["d0001.test"] != "B" {
		t.Errorf("view with org0000 hidden: latest grades = %v, want d0001.test only", g)
	}
	if recs, _ := view.OrganisationAudits(ctx, "org0000"); len(recs) != 0 {
		t.Errorf("view: OrganisationAudits(hidden) = %d audits, want none", len(recs))
	}
	if h, _ := view.History(ctx, "d0000.test", false); len(h) != 0 {
		t.Errorf("view: History(hidden's domain) = %d audits, want none", len(h))
	}
	n := 0
	view.CampaignAudits(ctx, old, func(store.AuditRecord) error { n++; return nil })
	if n != 1 {
		t.Errorf("view: CampaignAudits with org0000 hidden = %d audits, want 1", n)
	}
	if g := grades(s); len(g) != 3 {
		t.Errorf("store with org0000 hidden: latest grades = %v, want all three (hiding is the public's)", g)
	}
	if err := pub.HideOrganisation(ctx, store.HiddenOrganisation{ID: "org0000", Reason: "autre", Operator: "bob", At: at.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if hidden, _ := pub.HiddenOrganisations(ctx); len(hidden) != 1 || hidden[0].Reason != "autre" || hidden[0].Operator != "bob" {
		t.Errorf("hidden again: %+v, want the new reason", hidden)
	}
	if err := pub.UnhideOrganisation(ctx, "org0000"); err != nil {
		t.Fatal(err)
	}
	if err := pub.UnhideOrganisation(ctx, "org0000"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UnhideOrganisation twice = %v, want ErrNotFound", err)
	}
	if g := grades(view); len(g) != 3 {
		t.Errorf("view after unhiding: latest grades = %v, want all three", g)
	}
}
