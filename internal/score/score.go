// Package score computes vigie's CyberScore: a grade from A+ to F and the
// points behind it, as a pure function of an audit's findings and
// observations and of a rules table kept as data (rules/v1.json) under a
// methodology version.
//
// The score is built so that anyone can check it by hand:
//
//   - Each area (web transport, web application, mail, DNS) starts at 100.
//     Each finding takes points from its area: the default of its
//     severity, or its own points where the table says why. One finding id
//     takes at most its maximum from an area however many subjects it hits
//     (the same flaw on the domain and on www counts once by default).
//   - The overall points are the weighted mean of the areas that were
//     observed; an area with no observation is left out, not counted as
//     100. Whether an area was observed depends on the observations only,
//     never on the findings, so that adding a finding can never raise the
//     score; a finding in an area left out still counts for the caps and
//     for the thresholds' severity conditions.
//   - The points give a grade by the thresholds of the table; then caps
//     apply: a severe finding caps the grade whatever the points (an
//     invalid certificate: F). The result keeps the grade before the caps
//     and the caps that applied.
//
// Methodology prints the table as text, so the published methodology and
// the code cannot disagree. The comparison profiles (MDN HTTP Observatory,
// SSL Labs, internet.nl) are not part of the score: internal/profile
// computes them beside it.
//
// It does no I/O and reads no clock.
package score

import (
	"cmp"
	"slices"
	"vigie.eu/vigie/internal/ecoindex"

	"vigie.eu/vigie/internal/audit"
)

// Compute scores an audit with the current rules. See Rules.Compute.
func Compute(findings []audit.Finding, o *audit.Observations) *audit.Score {
	return Default().Compute(findings, o)
}

// Compute scores findings and o with these rules. It returns nil when no
// area was observed (the domain does not exist, nothing answered): there
// is nothing to grade. It does not change findings.
func (r *Rules) Compute(findings []audit.Finding, o *audit.Observations) *audit.Score {
	fs := slices.Clone(findings)
	slices.SortStableFunc(fs, func(a, b audit.Finding) int {
		return cmp.Or(cmp.Compare(a.ID, b.ID), cmp.Compare(a.Subject, b.Subject), cmp.Compare(a.Evidence, b.Evidence))
	})

	observed := ObservedAreas(o)
	byArea := map[string][]audit.Finding{}
	var graded []audit.Finding // the CyberScore's: no indicator's
	for _, f := range fs {
		a := r.area(f.ID)
		byArea[a] = append(byArea[a], f)
		if !r.isIndicator(a) {
			graded = append(graded, f)
		}
	}
	fs = graded

	s := &audit.Score{Methodology: r.Methodology, Areas: []audit.AreaScore{}}
	var sum, weights int
	for _, area := range r.Areas {
		if !observed[area.ID] {
			// The attack surface is opt-in (--services): an audit
			// that did not ask for it has not missed it.
			if area.ID != "attack_surface" || o != nil && o.Services != nil {
				s.Unobserved = append(s.Unobserved, area.ID)
			}
			continue
		}
		as := r.scoreArea(area, byArea[area.ID])
		s.Areas = append(s.Areas, as)
		sum += as.Points * area.Weight
		weights += area.Weight
	}
	if weights == 0 {
		return nil
	}
	// Rounded half up, in integers so that anyone gets the same result.
	s.Points = (2*sum + weights) / (2 * weights)

	worst := audit.Info
	for _, f := range fs {
		worst = max(worst, f.Severity)
	}
	s.BeforeCaps = audit.ScoreGrade{Points: s.Points, Grade: r.grade(s.Points, worst, len(fs) > 0)}

	final := r.gradeIndex(s.BeforeCaps.Grade)
	for _, c := range r.Caps {
		i := slices.IndexFunc(fs, func(f audit.Finding) bool { return slices.Contains(c.IDs, f.ID) })
		if i < 0 {
			continue
		}
		s.Caps = append(s.Caps, audit.ScoreCap{Rule: c.Rule, Grade: c.Grade, Reason: c.Reason, ID: fs[i].ID, Subject: fs[i].Subject})
		final = max(final, r.gradeIndex(c.Grade))
	}
	slices.SortStableFunc(s.Caps, func(a, b audit.ScoreCap) int {
		return cmp.Compare(r.gradeIndex(b.Grade), r.gradeIndex(a.Grade))
	})
	s.Grade = r.Grades[final].Grade
	s.Incomplete = o != nil && o.CutShort != nil
	for _, in := range r.Indicators {
		if !observed[in.ID] {
			continue
		}
		as := r.scoreArea(Area{ID: in.ID, Weight: 1}, byArea[in.ID])
		is := audit.IndicatorScore{Indicator: in.ID, Points: as.Points, Lost: as.Lost}
		if in.Method == MethodEcoIndex {
			is = ecoIndexScore(in.ID, o)
		}
		is.Grade = in.Grades[len(in.Grades)-1].Grade
		for _, g := range in.Grades {
			if is.Points >= g.Min {
				is.Grade = g.Grade
				break
			}
		}
		s.Indicators = append(s.Indicators, is)
	}
	return s
}

// scoreArea takes the points of fs (sorted by id) from area's 100.
func (r *Rules) scoreArea(area Area, fs []audit.Finding) audit.AreaScore {
	as := audit.AreaScore{Area: area.ID, Points: 100, Weight: area.Weight}
	for i := 0; i < len(fs); {
		j := i
		for j < len(fs) && fs[j].ID == fs[i].ID {
			j++
		}
		id := fs[i].ID
		var taken, most int
		var rule string
		for _, f := range fs[i:j] {
			each, m, ru := r.points(id, f.Severity)
			taken += each
			// The worst severity of the id sets its rule and maximum.
			if m >= most {
				most, rule = m, ru
			}
		}
		taken = min(taken, most)
		as.Lost = append(as.Lost, audit.PointsLost{ID: id, Subject: fs[i].Subject, Findings: j - i, Points: taken, Rule: rule})
		as.Points -= taken
		i = j
	}
	as.Points = max(as.Points, 0)
	slices.SortStableFunc(as.Lost, func(a, b audit.PointsLost) int {
		return cmp.Or(cmp.Compare(b.Points, a.Points), cmp.Compare(a.ID, b.ID))
	})
	return as
}

// grade returns the best grade whose thresholds points and the worst
// severity meet.
func (r *Rules) grade(points int, worst audit.Severity, any bool) string {
	for _, g := range r.Grades {
		if points < g.Min {
			continue
		}
		if g.MaxSeverity != "" && any {
			limit, _ := audit.ParseSeverity(g.MaxSeverity)
			if worst > limit {
				continue
			}
		}
		return g.Grade
	}
	return r.Grades[len(r.Grades)-1].Grade
}

// ObservedAreas says which areas the observations cover, by area id; see
// the "observed_when" of each area in the rules table. It depends on the
// observations only, never on the findings.
func ObservedAreas(o *audit.Observations) map[string]bool {
	seen := map[string]bool{}
	if o == nil {
		return seen
	}
	if o.DNS != nil && o.DNS.Exists && o.DNS.Answered(o.Domain) {
		seen["dns"] = true
	}
	for _, t := range o.TLS {
		if t != nil && t.Error == "" {
			seen["web_transport"] = true
		}
	}
	if m := o.Mail; m != nil && m.Error == "" &&
		(m.MX != nil && m.MX.Error == "" || m.SPF != nil && m.SPF.Error == "" || m.DMARC != nil && m.DMARC.Error == "") {
		seen["mail"] = true
	}
	for _, p := range o.Pages {
		if p != nil && (p.Error == "" || len(p.Requests) > 0) {
			seen["privacy"] = true
		}
	}
	if ecoPage(o) != nil {
		seen["ecodesign"] = true
	}
	if s := o.Services; s != nil && s.Error == "" && len(s.Addresses) > 0 {
		seen["attack_surface"] = true
	}
	if h := o.Hosting; h != nil {
		for _, n := range h.Hosts {
			if (n.Role == audit.RoleWeb || n.Role == audit.RoleMail || n.Role == audit.RoleDNS) && (n.NameProvider != nil || slices.ContainsFunc(n.Addresses, func(a audit.HostingAddress) bool { return a.Refused == "" })) {
				seen["sovereignty"] = true
			}
		}
	}
	for _, h := range o.HTTP {
		if h == nil {
			continue
		}
		for _, resp := range h.Responses {
			if resp.Status != 0 {
				seen["web_transport"] = true
			}
		}
		if p := h.Answer(); p != nil && p.HTTPS() {
			seen["web_app"] = true
		}
	}
	return seen
}

// ecoPage is the page the EcoIndex is computed from: the first home page
// a browser loaded to the end (a static reading knows neither the DOM
// once scripts ran nor the real weight).
func ecoPage(o *audit.Observations) *audit.PageObservation {
	if o == nil {
		return nil
	}
	for _, p := range o.Pages {
		if p != nil && p.Method == audit.PageBrowser && p.Error == "" && p.DOMElements > 0 {
			return p
		}
	}
	return nil
}

// ecoIndexScore is the eco-design indicator of o: the EcoIndex of its
// page and the measures it comes from.
func ecoIndexScore(id string, o *audit.Observations) audit.IndicatorScore {
	p := ecoPage(o)
	e := ecoindex.Compute(p.DOMElements, p.RequestCount, p.TransferBytes)
	url := p.FinalURL
	if url == "" {
		url = p.URL
	}
	return audit.IndicatorScore{Indicator: id, Points: e.Score, EcoIndex: &audit.EcoIndexScore{
		Page: url, DOMElements: e.DOMElements, Requests: e.Requests, SizeKB: e.SizeKB,
		Score: e.Score, Grade: e.Grade, GHG: e.GHG, Water: e.Water,
	}}
}
