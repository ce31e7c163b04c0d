package audit

// Score is the CyberScore of one audit: a grade from A+ to F, the points
// behind it, each area's points and every point lost with the finding and
// the rule that took it. It is computed by internal/score from the
// findings and the observations, under a published methodology version;
// anyone can recompute it from a saved result. The comparison profiles it
// carries (Observatory, SSLLabs, InternetNL) are computed beside it by
// internal/profile and do not count in it.
type Score struct {
	// Methodology is the version of the rules that computed this score
	// ("2026.1"); "vigie methodology" prints them.
	Methodology string `json:"methodology"`
	// Grade is the final grade: A+, A, B, C, D, E or F, after caps.
	Grade string `json:"grade"`
	// Points is the overall score out of 100: the weighted mean of the
	// points of the areas that were observed. Caps do not change it.
	Points int `json:"points"`
	// BeforeCaps is the grade the points alone give, before any cap.
	BeforeCaps ScoreGrade `json:"before_caps"`
	// Areas holds the areas that were observed, in the order of the
	// rules table.
	Areas []AreaScore `json:"areas"`
	// Unobserved lists the areas with no observation (no web site, no
	// mail probe): they are left out of the mean, not counted as 100.
	Unobserved []string `json:"unobserved_areas,omitempty"`
	// Caps lists every cap rule that applied, the strictest first. The
	// grade is the lowest of BeforeCaps.Grade and these caps.
	Caps []ScoreCap `json:"caps,omitempty"`
	// Incomplete is true when the audit's deadline cut probes short
	// (Observations.CutShort): the grade is made of part of what the
	// audit should have seen, and says so.
	Incomplete bool `json:"incomplete,omitempty"`

	// Indicators are the indicators graded beside the CyberScore, from
	// findings that do not count in it (sovereignty, privacy);
	// absent when not observed.
	Indicators []IndicatorScore `json:"indicators,omitempty"`

	// Observatory is the MDN HTTP Observatory profile of the same
	// observations, for comparison; nil when no HTTPS page was seen.
	Observatory *ObservatoryScore `json:"observatory,omitempty"`
	// SSLLabs is an SSL Labs-style grade of the TLS observations; nil
	// when no TLS was observed.
	SSLLabs *SSLLabsScore `json:"ssllabs,omitempty"`
	// InternetNL is an internet.nl-style percentage of the web tests;
	// nil when no web site was observed.
	InternetNL *InternetNLScore `json:"internetnl,omitempty"`
}

// ScoreGrade is a score out of 100 and its grade.
type ScoreGrade struct {
	Points int    `json:"points"`
	Grade  string `json:"grade"`
}

// AreaScore is the score of one area (web_transport, web_app, mail, dns).
type AreaScore struct {
	// Area is the area's identifier in the rules table.
	Area string `json:"area"`
	// Points is 100 less the points lost, at least 0.
	Points int `json:"points"`
	// Weight is the area's weight in the overall mean.
	Weight int `json:"weight"`
	// Lost lists the points taken, one entry per finding id, the
	// largest first.
	Lost []PointsLost `json:"lost,omitempty"`
}

// PointsLost is what one finding id took from its area.
type PointsLost struct {
	// ID is the finding id.
	ID string `json:"id"`
	// Subject is the subject of the first finding of this id (a host,
	// a URL); Findings says how many findings of this id there were.
	Subject  string `json:"subject,omitempty"`
	Findings int    `json:"findings"`
	// Points is what the id took from the area, after its cap.
	Points int `json:"points"`
	// Rule names the row of the rules table that set the points:
	// "severity.medium" for the default of a severity, "finding.ID"
	// for a finding with its own points.
	Rule string `json:"rule"`
}

// ScoreCap is a cap rule that applied: the grade cannot be better than
// Grade because of finding ID.
type ScoreCap struct {
	// Rule is the cap's identifier in the rules table
	// ("cap.certificate.invalid").
	Rule string `json:"rule"`
	// Grade is the best grade the cap allows.
	Grade string `json:"grade"`
	// Reason says why, for users.
	Reason Text `json:"reason"`
	// ID and Subject are the finding that triggered the cap (the first
	// one, when several did).
	ID      string `json:"id"`
	Subject string `json:"subject,omitempty"`
}

// ObservatoryScore reproduces the scoring of the MDN HTTP Observatory on
// the final HTTPS page of the audited site.
type ObservatoryScore struct {
	// Algorithm names the published scoring followed.
	Algorithm string `json:"algorithm"`
	// URL is the page scored.
	URL string `json:"url"`
	// Score is the final score (0 or more; above 100 with bonuses).
	Score int `json:"score"`
	// Grade is the Observatory grade (A+ ... F, with + and -).
	Grade string `json:"grade"`
	// Tests lists each test's result and score modifier.
	Tests []ObservatoryTest `json:"tests"`
	// TestsPassed counts the tests that passed.
	TestsPassed int `json:"tests_passed"`
}

// ObservatoryTest is one test of the Observatory profile.
type ObservatoryTest struct {
	// Name is the Observatory's test name ("strict-transport-security").
	Name string `json:"name"`
	// Result is the Observatory's expectation name for the outcome
	// ("hsts-not-implemented").
	Result   string `json:"result"`
	Pass     bool   `json:"pass"`
	Modifier int    `json:"modifier"`
}

// SSLLabsScore is an SSL Labs-style grade of one TLS host: sub-scores for
// protocol support, key exchange and cipher strength, their weighted sum
// and the caps of the published rating guide.
type SSLLabsScore struct {
	// Guide names the rating guide followed.
	Guide string `json:"guide"`
	// Host is the host graded: the worst of the hosts probed.
	Host        string `json:"host"`
	Protocol    int    `json:"protocol"`
	KeyExchange int    `json:"key_exchange"`
	Cipher      int    `json:"cipher"`
	// Score is 0.3 Protocol + 0.3 KeyExchange + 0.4 Cipher.
	Score int    `json:"score"`
	Grade string `json:"grade"`
	// Caps lists the reasons that capped the grade ("TLS 1.0: at most
	// B").
	Caps []string `json:"caps,omitempty"`
}

// InternetNLScore is an internet.nl-style percentage: the share of the
// web tests passed, each test weighted as the published method does.
type InternetNLScore struct {
	// Method names the published method followed.
	Method string `json:"method"`
	// Percent is the score, 0 to 100.
	Percent int `json:"percent"`
	// Tests lists each test and whether it passed.
	Tests []InternetNLTest `json:"tests"`
}

// InternetNLTest is one test of the internet.nl-style profile.
type InternetNLTest struct {
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Weight int    `json:"weight"`
}

// IndicatorScore is the grade of one indicator of the rules table
// (score.Indicator): 100 less the points its findings took.
type IndicatorScore struct {
	// Indicator is the indicator's id ("sovereignty").
	Indicator string `json:"indicator"`
	Grade     string `json:"grade"`
	Points    int    `json:"points"`
	// Lost lists the points taken, one entry per finding id.
	Lost []PointsLost `json:"lost,omitempty"`
	// EcoIndex is what the eco-design indicator was computed from.
	EcoIndex *EcoIndexScore `json:"ecoindex,omitempty"`
}

// EcoIndexScore is the EcoIndex of a home page (GreenIT.fr's method):
// its measures, its score out of 100 and the method's own grade (A to
// G), greenhouse gas (gCO2e) and water (cl) per page view.
type EcoIndexScore struct {
	Page        string  `json:"page"`
	DOMElements int     `json:"dom_elements"`
	Requests    int     `json:"requests"`
	SizeKB      float64 `json:"size_kb"`
	Score       int     `json:"score"`
	Grade       string  `json:"grade"`
	GHG         float64 `json:"ghg_gco2e"`
	Water       float64 `json:"water_cl"`
}

// Indicator returns the score of indicator id, or nil.
func (s *Score) Indicator(id string) *IndicatorScore {
	if s == nil {
		return nil
	}
	for i := range s.Indicators {
		if s.Indicators[i].Indicator == id {
			return &s.Indicators[i]
		}
	}
	return nil
}
