package web

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// TestSovereigntyStatistics: the campaign page and the statistics count,
// among the organisations whose hosts were described (the sovereignty
// indicator), those with their mail, web site or DNS at a provider bound
// by extra-European law, overall and per category; an organisation whose
// audits described no host counts in neither.
func TestSovereigntyStatistics(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vigie.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	orgs := []store.Organisation{
		{ID: "h1", Name: "CHU Un", Category: "hôpital", Domains: []string{"chu1.test", "www.chu1.test"}},
		{ID: "h2", Name: "CHU Deux", Category: "hôpital", Domains: []string{"chu2.test"}},
		{ID: "c1", Name: "Commune Une", Category: "commune", Domains: []string{"commune1.test"}},
		{ID: "c2", Name: "Commune Deux", Category: "commune", Domains: []string{"commune2.test"}},
	}
	id, err := st.CreateCampaign(ctx, &store.Campaign{Name: "souveraineté", Created: base}, orgs)
	if err != nil {
		t.Fatal(err)
	}
	described := audit.IndicatorScore{Indicator: "sovereignty", Grade: "A", Points: 100}
	us := func(ids ...string) []audit.Finding {
		var fs []audit.Finding
		for _, id := range ids {
			fs = append(fs, audit.Finding{ID: id, Severity: audit.Low, Subject: "mx.test"})
		}
		return fs
	}
	results := map[string]*audit.Result{
		// Both of chu1's domains have their mail at a US provider:
		// one organisation, counted once.
		"chu1.test":     {Findings: us("sovereignty.mail.extraterritorial", "sovereignty.web.extraterritorial"), Score: &audit.Score{Grade: "B", Points: 80, Indicators: []audit.IndicatorScore{described}}},
		"www.chu1.test": {Findings: us("sovereignty.mail.extraterritorial"), Score: &audit.Score{Grade: "B", Points: 80, Indicators: []audit.IndicatorScore{described}}},
		"chu2.test":     {Score: &audit.Score{Grade: "A", Points: 95, Indicators: []audit.IndicatorScore{described}}},
		"commune1.test": {Findings: us("sovereignty.dns.extraterritorial"), Score: &audit.Score{Grade: "A", Points: 90, Indicators: []audit.IndicatorScore{described}}},
		// No IP data: not described, even with such a finding.
		"commune2.test": {Findings: us("sovereignty.mail.extraterritorial"), Score: &audit.Score{Grade: "A", Points: 90}},
	}
	err = st.PendingJobs(ctx, id, func(j store.Job) error {
		r := results[j.Domain]
		r.Domain, r.Time = j.Domain, base
		return st.SaveAudit(ctx, j, r)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.FinishCampaign(ctx, id, base); err != nil {
		t.Fatal(err)
	}
	s, err := New(st, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var stats statsJSON
	if err := json.Unmarshal([]byte(body(t, get(t, s, "/api/v1/statistics"))), &stats); err != nil {
		t.Fatal(err)
	}
	type row struct {
		cat                string
		orgs, web, mail, d int
	}
	var got []row
	for _, sh := range stats.Sovereignty {
		r := row{"(all)", sh.Organisations, sh.Web.Orgs, sh.Mail.Orgs, sh.DNS.Orgs}
		if sh.Category != nil {
			r.cat = *sh.Category
		}
		got = append(got, r)
	}
	want := []row{{"(all)", 3, 1, 1, 1}, {"hôpital", 2, 1, 1, 0}, {"commune", 1, 0, 0, 1}}
	if len(got) != len(want) {
		t.Fatalf("sovereignty statistics: %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("sovereignty statistics %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if p := stats.Sovereignty[1].Mail.Percent; p != 50 {
		t.Errorf("hospitals with their mail at a US provider: %d %%, want 50", p)
	}
	fr := body(t, get(t, s, "/campaign/"+itoa(id)))
	for _, w := range []string{"Parmi les 3 organisations dont les hébergeurs ont été identifiés, 33 % ont leur messagerie", "<th scope=\"row\">hôpital</th><td>2</td><td>50 % (1)</td><td>50 % (1)</td><td>0 % (0)</td>", `<a href="https://db-ip.com">DB-IP</a>, licence CC BY 4.0`} {
		if !strings.Contains(fr, w) {
			t.Errorf("the French campaign page lacks %q", w)
		}
	}
	if en := body(t, get(t, s, "/en/campaign/"+itoa(id))); !strings.Contains(en, "Of the 3 organisations whose hosts were identified, 33 % have their mail") {
		t.Error("the English campaign page lacks the sovereignty sentence")
	}
}
