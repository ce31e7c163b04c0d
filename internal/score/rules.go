package score

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"vigie.eu/vigie/internal/audit"
)

// rulesJSON is the current rules table. A new methodology version is a new
// edit of this file with a new "methodology" and a line of "history".
//
//go:embed rules/v1.json
var rulesJSON []byte

// Rules is the rules table: the areas and their weights, the points each
// finding takes, the caps on the grade and the grade thresholds. It is
// data (rules/v1.json), published by "vigie methodology".
type Rules struct {
	// Methodology is the version of the table ("2026.1").
	Methodology string `json:"methodology"`
	// Areas are the scored areas, in report order.
	Areas []Area `json:"areas"`
	// SeverityPoints is what a finding takes from its area by
	// default, by severity name.
	SeverityPoints map[string]int `json:"severity_points"`
	// Findings has one rule per finding id.
	Findings []FindingRule `json:"findings"`
	// Caps are the caps on the grade, from the strictest.
	Caps []CapRule `json:"caps"`
	// Grades are the grade thresholds, from the best grade to the worst.
	Grades []GradeRule `json:"grades"`
	// Indicators are the indicators graded beside the CyberScore (the
	// sovereignty indicator): their findings, whose rules name the
	// indicator as their area, take nothing from the CyberScore.
	Indicators []Indicator `json:"indicators,omitempty"`
	// History lists the methodology versions, the oldest first.
	History []Version `json:"history"`

	byID map[string]*FindingRule
}

// Area is one scored area: out of 100, weighted in the overall mean.
type Area struct {
	ID     string     `json:"id"`
	Name   audit.Text `json:"name"`
	Weight int        `json:"weight"`
	// ObservedWhen says when the area counts as observed.
	ObservedWhen audit.Text `json:"observed_when"`
}

// Indicator is an indicator of its own, graded beside the CyberScore: it
// starts at 100, each of its findings takes the points of its severity
// (each id at most once, as in an area), and the points give a grade by
// its own thresholds.
type Indicator struct {
	ID           string      `json:"id"`
	Name         audit.Text  `json:"name"`
	Description  audit.Text  `json:"description"`
	ObservedWhen audit.Text  `json:"observed_when"`
	Grades       []GradeRule `json:"grades"`
	// Credit names the data the indicator is computed from and their
	// authors, as their licences require.
	Credit audit.Text `json:"credit"`
	// Method, when "ecoindex", makes the points the EcoIndex of the
	// home page as a browser loaded it (internal/ecoindex) instead of
	// 100 less the points of findings.
	Method string `json:"method,omitempty"`
}

// MethodEcoIndex is the Indicator.Method of the eco-design indicator.
const MethodEcoIndex = "ecoindex"

// FindingRule says what one finding id takes from which area.
type FindingRule struct {
	ID   string `json:"id"`
	Area string `json:"area"`
	// Points, when set, replaces the severity's default points for
	// each finding of this id; Reason must then say why.
	Points *int `json:"points,omitempty"`
	// Max is the most points this id takes from its area however many
	// findings (subjects) it has; 0 means the points of one finding,
	// so that the same flaw on the domain and on www counts once.
	Max int `json:"max,omitempty"`
	// Reason justifies Points or Max.
	Reason *audit.Text `json:"reason,omitempty"`
}

// CapRule caps the grade when any of its finding ids is found.
type CapRule struct {
	Rule   string     `json:"rule"`
	Grade  string     `json:"grade"`
	IDs    []string   `json:"ids"`
	Reason audit.Text `json:"reason"`
}

// GradeRule is a grade threshold: the grade needs at least Min points and,
// when MaxSeverity is set, no finding above that severity.
type GradeRule struct {
	Grade       string      `json:"grade"`
	Min         int         `json:"min"`
	MaxSeverity string      `json:"max_severity,omitempty"`
	Note        *audit.Text `json:"note,omitempty"`
}

// Version is one entry of the methodology's history.
type Version struct {
	Version string     `json:"version"`
	Date    string     `json:"date"`
	Changes audit.Text `json:"changes"`
}

var (
	defaultOnce  sync.Once
	defaultRules *Rules
)

// Default returns the current rules table. It panics if the embedded table
// is invalid, which the package's tests rule out.
func Default() *Rules {
	defaultOnce.Do(func() {
		r, err := ParseRules(rulesJSON)
		if err != nil {
			panic(err)
		}
		defaultRules = r
	})
	return defaultRules
}

// ParseRules decodes and validates a rules table.
func ParseRules(data []byte) (*Rules, error) {
	var r Rules
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("score: rules: %w", err)
	}
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("score: rules %s: %w", r.Methodology, err)
	}
	return &r, nil
}

func (r *Rules) validate() error {
	if r.Methodology == "" {
		return fmt.Errorf("no methodology version")
	}
	if len(r.History) == 0 || r.History[len(r.History)-1].Version != r.Methodology {
		return fmt.Errorf("the last history entry is not version %s", r.Methodology)
	}
	areas := map[string]bool{}
	for _, a := range r.Areas {
		if a.ID == "" || areas[a.ID] || a.Weight <= 0 {
			return fmt.Errorf("area %q: empty, repeated or without weight", a.ID)
		}
		areas[a.ID] = true
	}
	for s := audit.Info; s <= audit.Critical; s++ {
		if _, ok := r.SeverityPoints[s.String()]; !ok {
			return fmt.Errorf("no points for severity %s", s)
		}
	}
	if len(r.SeverityPoints) != int(audit.Critical)+1 {
		return fmt.Errorf("severity_points names an unknown severity")
	}
	indicators := map[string]bool{}
	for _, in := range r.Indicators {
		if in.ID == "" || areas[in.ID] || indicators[in.ID] || len(in.Grades) == 0 || in.Grades[len(in.Grades)-1].Min != 0 ||
			in.Credit.FR == "" || in.Credit.EN == "" {
			return fmt.Errorf("indicator %q: empty, repeated, without grades down to 0 points or without credit", in.ID)
		}
		if in.Method != "" && in.Method != MethodEcoIndex {
			return fmt.Errorf("indicator %q: unknown method %q", in.ID, in.Method)
		}
		indicators[in.ID] = true
	}
	r.byID = map[string]*FindingRule{}
	for i := range r.Findings {
		f := &r.Findings[i]
		if r.byID[f.ID] != nil {
			return fmt.Errorf("finding %s: two rules", f.ID)
		}
		if !areas[f.Area] && !indicators[f.Area] {
			return fmt.Errorf("finding %s: unknown area %q", f.ID, f.Area)
		}
		if (f.Points != nil || f.Max != 0) && (f.Reason == nil || f.Reason.FR == "" || f.Reason.EN == "") {
			return fmt.Errorf("finding %s: points or max without a reason in French and English", f.ID)
		}
		if f.Points != nil && (*f.Points < 0 || *f.Points > 100) {
			return fmt.Errorf("finding %s: points %d out of 0..100", f.ID, *f.Points)
		}
		if f.Max < 0 || f.Max > 100 {
			return fmt.Errorf("finding %s: max %d out of 0..100", f.ID, f.Max)
		}
		r.byID[f.ID] = f
	}
	if len(r.Grades) == 0 || r.Grades[len(r.Grades)-1].Min != 0 {
		return fmt.Errorf("the worst grade must start at 0 points")
	}
	grades := map[string]bool{}
	for i, g := range r.Grades {
		if grades[g.Grade] {
			return fmt.Errorf("grade %s: repeated", g.Grade)
		}
		grades[g.Grade] = true
		if i > 0 && g.Min > r.Grades[i-1].Min {
			return fmt.Errorf("grade %s: thresholds must not rise from the best grade to the worst", g.Grade)
		}
		if g.MaxSeverity != "" {
			if _, err := audit.ParseSeverity(g.MaxSeverity); err != nil {
				return fmt.Errorf("grade %s: %w", g.Grade, err)
			}
		}
	}
	caps := map[string]bool{}
	for _, c := range r.Caps {
		if caps[c.Rule] || !strings.HasPrefix(c.Rule, "cap.") {
			return fmt.Errorf("cap %q: repeated or not named cap.*", c.Rule)
		}
		caps[c.Rule] = true
		if !grades[c.Grade] {
			return fmt.Errorf("cap %s: unknown grade %q", c.Rule, c.Grade)
		}
		if c.Reason.FR == "" || c.Reason.EN == "" {
			return fmt.Errorf("cap %s: reason missing in French or English", c.Rule)
		}
		for _, id := range c.IDs {
			if r.byID[id] == nil {
				return fmt.Errorf("cap %s: finding %s has no rule", c.Rule, id)
			}
		}
	}
	return nil
}

// Rule returns the rule of a finding id, or nil.
func (r *Rules) Rule(id string) *FindingRule { return r.byID[id] }

// gradeIndex returns the position of grade in Grades (0 is the best), or
// the worst position if unknown.
func (r *Rules) gradeIndex(grade string) int {
	if i := slices.IndexFunc(r.Grades, func(g GradeRule) bool { return g.Grade == grade }); i >= 0 {
		return i
	}
	return len(r.Grades) - 1
}

// Area returns the area of a finding id: its rule's, or for an id with no
// rule (a check newer than the table), the area its prefix suggests.
func (r *Rules) area(id string) string {
	if f := r.byID[id]; f != nil {
		return f.Area
	}
	switch {
	case strings.HasPrefix(id, "tls."):
		return "web_transport"
	case strings.HasPrefix(id, "dns."):
		return "dns"
	case strings.HasPrefix(id, "mail."):
		return "mail"
	case strings.HasPrefix(id, "services."):
		return "attack_surface"
	case strings.HasPrefix(id, "sovereignty."):
		return "sovereignty"
	case strings.HasPrefix(id, "privacy."):
		return "privacy"
	}
	return "web_app"
}

// points returns what one finding of this id and severity takes from its
// area, the most the id can take, and the rule that says so.
func (r *Rules) points(id string, sev audit.Severity) (each, most int, rule string) {
	each, rule = r.SeverityPoints[sev.String()], "severity."+sev.String()
	f := r.byID[id]
	if f != nil && f.Points != nil {
		each, rule = *f.Points, "finding."+id
	}
	most = each
	if f != nil && f.Max != 0 {
		most, rule = max(f.Max, each), "finding."+id
	}
	return each, most, rule
}

// AreaOf returns the area of a finding id, as the score counts it.
func (r *Rules) AreaOf(id string) string { return r.area(id) }

// Indicator returns the indicator id, or nil.
func (r *Rules) Indicator(id string) *Indicator {
	for i := range r.Indicators {
		if r.Indicators[i].ID == id {
			return &r.Indicators[i]
		}
	}
	return nil
}

// isIndicator reports whether area is an indicator's id.
func (r *Rules) isIndicator(area string) bool { return r.Indicator(area) != nil }
