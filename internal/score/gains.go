package score

import (
	"cmp"
	"slices"

	"vigie.eu/vigie/internal/audit"
)

// Gain is one action of the plan "what to fix first": the findings it
// fixes and what fixing them gains, the audit rescored without them (and
// without the actions before it in the plan).
type Gain struct {
	// IDs are the finding ids the action fixes: one id, or the ids of
	// one cap rule (TLS 1.0 and TLS 1.1 are turned off together).
	IDs []string `json:"ids"`
	// Area is the area of the first id.
	Area string `json:"area"`
	// Findings is how many findings the action fixes (one per subject)
	// and Severity the worst of them.
	Findings int            `json:"findings"`
	Severity audit.Severity `json:"severity"`
	// From is the grade and points before the action, To after it.
	From audit.ScoreGrade `json:"from"`
	To   audit.ScoreGrade `json:"to"`
	// Points is To.Points - From.Points, never negative.
	Points int `json:"points"`
	// CapsLifted are the cap rules that no longer apply after it.
	CapsLifted []string `json:"caps_lifted,omitempty"`
}

// Raises says whether the action raises the grade.
func (g Gain) Raises() bool { return g.From.Grade != g.To.Grade }

// Gains plans with the current rules. See Rules.Gains.
func Gains(findings []audit.Finding, o *audit.Observations) []Gain {
	return Default().Gains(findings, o)
}

// Gains returns the plan "what to fix first": every finding of findings
// in one action, the actions in the order that gains most at each step,
// each with the grade and points before and after it, so the plan can be
// read "fixing this takes the grade from B to A (+12 points)". At each
// step the next action is the one that raises the grade most, then lifts
// the most caps, then regains the most points, then has the worst
// severity, then the first id. It returns nil when the audit has no
// score. It does not change findings.
func (r *Rules) Gains(findings []audit.Finding, o *audit.Observations) []Gain {
	now := r.Compute(findings, o)
	if now == nil {
		return nil
	}
	actions := r.actions(findings)
	rest := slices.Clone(findings)
	var plan []Gain
	for len(actions) > 0 {
		best, bestAt := Gain{}, -1
		for i, ids := range actions {
			g := r.gain(ids, rest, o, now)
			if bestAt < 0 || r.better(g, best) {
				best, bestAt = g, i
			}
		}
		plan = append(plan, best)
		rest = slices.DeleteFunc(rest, func(f audit.Finding) bool { return slices.Contains(best.IDs, f.ID) })
		now = r.Compute(rest, o)
		actions = slices.Delete(actions, bestAt, bestAt+1)
	}
	return plan
}

// actions groups the finding ids of findings: the ids of one cap rule
// together, each other id alone, in the order of findings.
func (r *Rules) actions(findings []audit.Finding) [][]string {
	var groups [][]string
	at := map[string]int{}
	for _, f := range findings {
		if _, ok := at[f.ID]; ok {
			continue
		}
		key := f.ID
		if i := slices.IndexFunc(r.Caps, func(c CapRule) bool { return slices.Contains(c.IDs, f.ID) }); i >= 0 {
			key = r.Caps[i].Rule
		}
		if g, ok := at[key]; ok {
			groups[g] = append(groups[g], f.ID)
			at[f.ID] = g
			continue
		}
		at[key], at[f.ID] = len(groups), len(groups)
		groups = append(groups, []string{f.ID})
	}
	return groups
}

// gain rescores rest (scored now) without the findings of ids.
func (r *Rules) gain(ids []string, rest []audit.Finding, o *audit.Observations, now *audit.Score) Gain {
	g := Gain{IDs: ids, Area: r.area(ids[0]), From: audit.ScoreGrade{Grade: now.Grade, Points: now.Points}}
	var left []audit.Finding
	for _, f := range rest {
		if !slices.Contains(ids, f.ID) {
			left = append(left, f)
			continue
		}
		if g.Findings == 0 || f.Severity > g.Severity {
			g.Severity = f.Severity
		}
		g.Findings++
	}
	// Whether an area is observed depends on the observations only, so
	// the audit without these findings still has a score.
	after := r.Compute(left, o)
	g.To = audit.ScoreGrade{Grade: after.Grade, Points: after.Points}
	g.Points = max(g.To.Points-g.From.Points, 0)
	for _, c := range now.Caps {
		if !slices.ContainsFunc(after.Caps, func(a audit.ScoreCap) bool { return a.Rule == c.Rule }) {
			g.CapsLifted = append(g.CapsLifted, c.Rule)
		}
	}
	return g
}

// better says whether action a comes before action b.
func (r *Rules) better(a, b Gain) bool {
	raised := func(g Gain) int { return r.gradeIndex(g.From.Grade) - r.gradeIndex(g.To.Grade) }
	return cmp.Or(cmp.Compare(raised(a), raised(b)), cmp.Compare(len(a.CapsLifted), len(b.CapsLifted)),
		cmp.Compare(a.Points, b.Points), cmp.Compare(a.Severity, b.Severity), cmp.Compare(b.IDs[0], a.IDs[0])) > 0
}
