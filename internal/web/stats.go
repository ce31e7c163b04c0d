package web

import (
	"cmp"
	"context"
	"slices"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/campaign"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/score"
	"vigie.eu/vigie/internal/store"
)

// campaignStats is a campaign at a glance: its grade distribution,
// overall and per category, and the share of organisations with each
// notable finding. It is computed once per finished campaign (a
// finished campaign does not change) and kept.
type campaignStats struct {
	Campaign store.CampaignSummary
	// Overall counts the organisations of each grade, in the order of
	// the rules' grades, then those with no grade.
	Overall    distribution
	Categories []categoryStats
	// Findings are the notable findings, the most widespread first.
	Findings []findingShare
	// Orgs is the number of organisations audited.
	Orgs int
	// Sovereignty is, for all the organisations whose hosts the audits
	// described and then for each category, how many have their web
	// site, mail or DNS at a provider bound by extra-European law; nil
	// when no audit of the campaign described hosting.
	Sovereignty []sovereigntyShare
}

// sovereigntyShare is the sovereignty at a glance of a set of
// organisations.
type sovereigntyShare struct {
	Category string // "" for all the organisations described
	Orgs     int    // organisations whose hosts were described
	// Web, Mail and DNS count the organisations with at least one host
	// of that role at a provider bound by extra-European law.
	Web, Mail, DNS share
}

type share struct{ Orgs, Percent int }

// sovereigntyRoles are the findings that put a role of an organisation
// at a provider bound by extra-European law.
var sovereigntyRoles = map[string]func(*sovereigntyShare) *share{
	"sovereignty.web.extraterritorial":  func(s *sovereigntyShare) *share { return &s.Web },
	"sovereignty.mail.extraterritorial": func(s *sovereigntyShare) *share { return &s.Mail },
	"sovereignty.dns.extraterritorial":  func(s *sovereigntyShare) *share { return &s.DNS },
}

type distribution []gradeCount

type gradeCount struct {
	Grade   string // "" for no grade
	Count   int
	Percent int
}

type categoryStats struct {
	Category string
	Orgs     int
	Grades   distribution
}

type findingShare struct {
	ID       string
	Title    audit.Text
	Severity audit.Severity
	Orgs     int
	Percent  int
}

// notableFinding is the lowest severity the statistics count.
const notableFinding = audit.Medium

// orgGrade is the grade of an organisation in one campaign: the worst of
// its domains' grades, "" when none was graded.
func (s *Server) orgGrade(grades []string) string {
	worst, wi := "", -1
	for _, g := range grades {
		if g == "" {
			continue
		}
		i := slices.IndexFunc(s.rules.Grades, func(r score.GradeRule) bool { return r.Grade == g })
		if i < 0 {
			i = len(s.rules.Grades)
		}
		if i > wi {
			worst, wi = g, i
		}
	}
	return worst
}

// campaignStats returns the statistics of campaign c, computed from its
// audits, kept once the campaign is finished.
func (s *Server) campaignStats(ctx context.Context, c store.CampaignSummary) (*campaignStats, error) {
	s.statsMu.Lock()
	if st := s.stats[c.ID]; st != nil && st.Campaign.Status == c.Status && st.Campaign.Done == c.Done {
		s.statsMu.Unlock()
		return st, nil
	}
	s.statsMu.Unlock()
	type org struct {
		category string
		grades   []string
		findings map[string]bool
		// described: an audit of the organisation described who hosts
		// it; roles: the sovereignty findings of its audits.
		described bool
		roles     map[string]bool
	}
	orgs := map[string]*org{}
	var order []string
	severities := map[string]audit.Severity{}
	err := s.st.CampaignDigests(ctx, c.ID, func(rec store.AuditRecord) error {
		o := orgs[rec.Org.ID]
		if o == nil {
			o = &org{category: rec.Org.Category, findings: map[string]bool{}, roles: map[string]bool{}}
			orgs[rec.Org.ID] = o
			order = append(order, rec.Org.ID)
		}
		o.grades = append(o.grades, rec.Grade)
		if rec.Digest != nil {
			for _, in := range rec.Digest.Indicators {
				o.described = o.described || in.ID == "sovereignty"
			}
			for _, f := range rec.Digest.Findings {
				if sovereigntyRoles[f.ID] != nil {
					o.roles[f.ID] = true
				}
				if f.Severity >= notableFinding {
					o.findings[f.ID] = true
					severities[f.ID] = max(severities[f.ID], f.Severity)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	st := &campaignStats{Campaign: c, Orgs: len(orgs)}
	overall := map[string]int{}
	cats := map[string]map[string]int{}
	catOrgs := map[string]int{}
	counts := map[string]int{}
	for _, id := range order {
		o := orgs[id]
		g := s.orgGrade(o.grades)
		overall[g]++
		if cats[o.category] == nil {
			cats[o.category] = map[string]int{}
		}
		cats[o.category][g]++
		catOrgs[o.category]++
		for f := range o.findings {
			counts[f]++
		}
	}
	st.Overall = s.distribution(overall, len(orgs))
	st.Sovereignty = sovereigntyShares(order, func(id string) (string, bool, map[string]bool) {
		o := orgs[id]
		return o.category, o.described, o.roles
	})
	for cat, m := range cats {
		st.Categories = append(st.Categories, categoryStats{Category: cat, Orgs: catOrgs[cat], Grades: s.distribution(m, catOrgs[cat])})
	}
	slices.SortFunc(st.Categories, func(a, b categoryStats) int {
		return cmp.Or(cmp.Compare(b.Orgs, a.Orgs), cmp.Compare(a.Category, b.Category))
	})
	for id, n := range counts {
		var title audit.Text
		if d := engine.Definition(id); d != nil {
			title = d.Title
		} else {
			title = audit.Text{FR: id, EN: id} // a finding no check returns any more
		}
		st.Findings = append(st.Findings, findingShare{ID: id, Title: title, Severity: severities[id], Orgs: n, Percent: percent(n, len(orgs))})
	}
	slices.SortFunc(st.Findings, func(a, b findingShare) int {
		return cmp.Or(cmp.Compare(b.Orgs, a.Orgs), cmp.Compare(b.Severity, a.Severity), cmp.Compare(a.ID, b.ID))
	})
	s.statsMu.Lock()
	s.stats[c.ID] = st
	s.statsMu.Unlock()
	return st, nil
}

// sovereigntyShares counts, among the organisations (by id, in order)
// whose hosts were described, those with each sovereignty finding: all
// of them first, then each category, the largest first; nil when none
// was described.
func sovereigntyShares(order []string, org func(id string) (category string, described bool, roles map[string]bool)) []sovereigntyShare {
	all := &sovereigntyShare{}
	byCat := map[string]*sovereigntyShare{}
	for _, id := range order {
		cat, described, roles := org(id)
		if !described {
			continue
		}
		c := byCat[cat]
		if c == nil {
			c = &sovereigntyShare{Category: cat}
			byCat[cat] = c
		}
		for _, sh := range []*sovereigntyShare{all, c} {
			sh.Orgs++
			for f := range roles {
				sovereigntyRoles[f](sh).Orgs++
			}
		}
	}
	if all.Orgs == 0 {
		return nil
	}
	out := []sovereigntyShare{*all}
	for _, c := range byCat {
		out = append(out, *c)
	}
	slices.SortFunc(out[1:], func(a, b sovereigntyShare) int {
		return cmp.Or(cmp.Compare(b.Orgs, a.Orgs), cmp.Compare(a.Category, b.Category))
	})
	for i := range out {
		for _, sh := range []*share{&out[i].Web, &out[i].Mail, &out[i].DNS} {
			sh.Percent = percent(sh.Orgs, out[i].Orgs)
		}
	}
	return out
}

// distribution orders counts by grade, the rules' grades first, then
// no grade.
func (s *Server) distribution(counts map[string]int, total int) distribution {
	var d distribution
	for _, g := range s.rules.Grades {
		d = append(d, gradeCount{Grade: g.Grade, Count: counts[g.Grade], Percent: percent(counts[g.Grade], total)})
	}
	d = append(d, gradeCount{Grade: "", Count: counts[""], Percent: percent(counts[""], total)})
	return d
}

// percent is 100 n / total, rounded to the nearest, 0 when total is 0.
func percent(n, total int) int {
	if total == 0 {
		return 0
	}
	return (200*n + total) / (2 * total)
}

// comparison is campaign.Compare of two campaigns, kept: the count of
// each kind of change, and the domains that got worse, the largest loss
// first.
type comparison struct {
	From, To int64
	Worse    []campaign.Change
	Counts   map[string]int
}

// compare returns the comparison of campaign to with campaign from.
func (s *Server) compare(ctx context.Context, from, to int64) (*comparison, error) {
	k := [2]int64{from, to}
	s.cmpMu.Lock()
	defer s.cmpMu.Unlock()
	if c := s.cmps[k]; c != nil {
		return c, nil
	}
	c := &comparison{From: from, To: to, Counts: map[string]int{}}
	err := campaign.Compare(ctx, s.st, from, to, func(ch campaign.Change) error {
		c.Counts[ch.Kind()]++
		if ch.Kind() == campaign.Worse {
			c.Worse = append(c.Worse, ch)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(c.Worse, func(a, b campaign.Change) int {
		return cmp.Or(cmp.Compare(a.Delta(), b.Delta()), cmp.Compare(a.Org.ID, b.Org.ID), cmp.Compare(a.Domain, b.Domain))
	})
	s.cmps[k] = c
	return c, nil
}

// finished returns the finished campaigns, newest first (at most 1000).
func (s *Server) finished(ctx context.Context) ([]store.CampaignSummary, error) {
	list, err := s.campaigns(ctx)
	if err != nil {
		return nil, err
	}
	var out []store.CampaignSummary
	for _, c := range list {
		if c.Status == store.StatusFinished {
			out = append(out, c)
		}
	}
	return out, nil
}

// previousFinished returns the finished campaign before id, or 0.
func previousFinished(list []store.CampaignSummary, id int64) int64 {
	for _, c := range list {
		if c.ID < id {
			return c.ID
		}
	}
	return 0
}

// Warm computes, ahead of the first visitor, what the home and campaign
// pages of the newest finished campaign need (its statistics and its
// comparison with the previous one) and the search index; what it
// computes is kept as if a page had asked. It returns how long it took.
// A server that is not warmed computes the same at the first request.
func (s *Server) Warm(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	if err := s.index.ensure(ctx); err != nil {
		return 0, err
	}
	fin, err := s.finished(ctx)
	if err != nil || len(fin) == 0 {
		return time.Since(start), err
	}
	if _, err := s.campaignStats(ctx, fin[0]); err != nil {
		return 0, err
	}
	if prev := previousFinished(fin, fin[0].ID); prev != 0 {
		if _, err := s.compare(ctx, prev, fin[0].ID); err != nil {
			return 0, err
		}
	}
	return time.Since(start), nil
}
