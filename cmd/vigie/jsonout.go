package main

import (
	"encoding/json"
	"io"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/campaign"
	"vigie.eu/vigie/internal/store"
)

// The JSON of "vigie campaign status --json" and "vigie campaign compare
// --json". Field names are published (the README lists them): they are
// never renamed nor reused, only added.

// statusJSON is the output of "vigie campaign status --json".
type statusJSON struct {
	// Campaigns are the latest campaigns, newest first.
	Campaigns []campaign.SummaryJSON `json:"campaigns"`
}

func statusOf(list []store.CampaignSummary) statusJSON {
	out := statusJSON{Campaigns: []campaign.SummaryJSON{}}
	for _, c := range list {
		out.Campaigns = append(out.Campaigns, campaign.SummaryOf(c))
	}
	return out
}

// writeJSON writes v as indented JSON on stdout.
func writeJSON(e *env, what string, v any) int {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		e.errorf("%s: %v", what, err)
		return exitFailed
	}
	b = append(b, '\n')
	if _, err := e.stdout.Write(b); err != nil {
		e.errorf("%s: %v", what, err)
		return exitFailed
	}
	return exitOK
}

// compareJSON is the output of "vigie campaign compare --json".
type compareJSON struct {
	From campaign.SummaryJSON `json:"from"`
	To   campaign.SummaryJSON `json:"to"`
	// Methodology is the methodology both were judged again with.
	Methodology string `json:"methodology,omitempty"`
	// Counts are the domains of each kind of change (worse, better,
	// same, unscored, new, gone), www counterparts included.
	Counts map[string]int `json:"counts"`
	// Rows are the sites, largest change first (as the CSV).
	Rows []compareRowJSON `json:"rows"`
}

// compareRowJSON is one site: an organisation's domain and, when listed,
// its www counterpart.
type compareRowJSON struct {
	OrgID    string `json:"org_id"`
	OrgName  string `json:"org_name"`
	Category string `json:"category"`
	changeJSON
	// WWW is the www counterpart of domain; its change fields are set
	// only when it changed otherwise (same_as_domain false).
	WWW *wwwJSON `json:"www,omitempty"`
}

type wwwJSON struct {
	SameAsDomain bool `json:"same_as_domain"`
	changeJSON
}

// changeJSON is how one domain changed.
type changeJSON struct {
	Domain string `json:"domain"`
	// Change is worse, better, same, unscored, new or gone.
	Change string `json:"change,omitempty"`
	// Before and After are absent when the campaign did not audit it.
	Before *sideJSON `json:"before,omitempty"`
	After  *sideJSON `json:"after,omitempty"`
	// Delta and GradeDelta (grade steps, A to C is -2) are set when
	// both sides are scored.
	Delta      *int          `json:"delta,omitempty"`
	GradeDelta *int          `json:"grade_delta,omitempty"`
	Added      []findingJSON `json:"added,omitempty"`
	Fixed      []findingJSON `json:"fixed,omitempty"`
}

type sideJSON struct {
	Time   time.Time `json:"time"`
	Grade  string    `json:"grade,omitempty"`
	Points *int      `json:"points,omitempty"`
	Error  string    `json:"error,omitempty"`
}

type findingJSON struct {
	ID       string `json:"id"`
	Severity string `json:"severity"`
	Subject  string `json:"subject"`
}

func sideOf(s *campaign.Side) *sideJSON {
	if s == nil {
		return nil
	}
	j := &sideJSON{Time: s.Time.UTC(), Grade: s.Grade, Error: s.Error}
	if s.Grade != "" {
		p := s.Points
		j.Points = &p
	}
	return j
}

func findingsOf(fs []audit.Finding) []findingJSON {
	var out []findingJSON
	for _, f := range fs {
		out = append(out, findingJSON{ID: f.ID, Severity: f.Severity.String(), Subject: f.Subject})
	}
	return out
}

func changeOf(c *campaign.Change) changeJSON {
	j := changeJSON{Domain: c.Domain, Change: c.Kind(), Before: sideOf(c.Before), After: sideOf(c.After),
		Added: findingsOf(c.Added), Fixed: findingsOf(c.Fixed)}
	if k := c.Kind(); k == campaign.Worse || k == campaign.Better || k == campaign.Same {
		d, g := c.Delta(), c.GradeDelta()
		j.Delta, j.GradeDelta = &d, &g
	}
	return j
}

// writeComparisonJSON writes the comparison as one JSON object.
func writeComparisonJSON(w io.Writer, from, to store.CampaignSummary, methodology string, counts map[string]int, rows []campaign.Row) error {
	out := compareJSON{From: campaign.SummaryOf(from), To: campaign.SummaryOf(to), Methodology: methodology, Counts: map[string]int{}, Rows: []compareRowJSON{}}
	for _, k := range []string{campaign.Worse, campaign.Better, campaign.Same, campaign.Unscored, campaign.New, campaign.Gone} {
		out.Counts[k] = counts[k]
	}
	for _, r := range rows {
		j := compareRowJSON{OrgID: r.Org.ID, OrgName: r.Org.Name, Category: r.Org.Category, changeJSON: changeOf(&r.Change)}
		if r.WWW != nil {
			j.WWW = &wwwJSON{SameAsDomain: !r.WWWDiffers(), changeJSON: changeJSON{Domain: r.WWW.Domain}}
			if r.WWWDiffers() {
				j.WWW.changeJSON = changeOf(r.WWW)
			}
		}
		out.Rows = append(out.Rows, j)
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}
