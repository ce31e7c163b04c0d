package web

import (
	"fmt"
	"slices"
	"time"

	"vigie.eu/vigie/internal/store"
)

// chart is the history of an organisation's grades, drawn as an SVG by
// the page template: one line per domain, points out of 100 against the
// campaigns, oldest on the left.
type chart struct {
	Width, Height int
	Lines         []chartLine
	// XLabels are the campaigns' dates, YLabels the grade thresholds.
	XLabels []chartLabel
	YLabels []chartLabel
	Summary string // the same data as text, for screen readers
}

type chartLine struct {
	Domain string
	Points string // the polyline's points
	Dots   []chartLabel
	Class  string
}

type chartLabel struct {
	X, Y int
	Text string
}

// Geometry of the chart, in SVG user units.
const (
	chartW, chartH        = 640, 220
	chartLeft, chartRight = 48, 16
	chartTop, chartBottom = 12, 32
)

// historyChart draws recs (an organisation's audits, oldest first); nil
// when fewer than one graded audit.
func (s *Server) historyChart(recs []store.AuditRecord, lang string) *chart {
	var campaigns []int64
	when := map[int64]time.Time{}
	for _, r := range recs {
		if r.Grade == "" {
			continue
		}
		if !slices.Contains(campaigns, r.CampaignID) {
			campaigns = append(campaigns, r.CampaignID)
			when[r.CampaignID] = r.Time
		}
	}
	if len(campaigns) == 0 {
		return nil
	}
	slices.SortFunc(campaigns, func(a, b int64) int { return when[a].Compare(when[b]) })
	c := &chart{Width: chartW, Height: chartH}
	plotW, plotH := chartW-chartLeft-chartRight, chartH-chartTop-chartBottom
	x := func(i int) int {
		if len(campaigns) == 1 {
			return chartLeft + plotW/2
		}
		return chartLeft + i*plotW/(len(campaigns)-1)
	}
	y := func(points int) int { return chartTop + (100-points)*plotH/100 }
	for i, id := range campaigns {
		c.XLabels = append(c.XLabels, chartLabel{X: x(i), Y: chartH - 10, Text: when[id].UTC().Format("2006-01-02")})
	}
	for _, g := range s.rules.Grades {
		c.YLabels = append(c.YLabels, chartLabel{X: chartLeft - 8, Y: y(g.Min), Text: g.Grade})
	}
	var domains []string
	for _, r := range recs {
		if r.Grade != "" && !slices.Contains(domains, r.Domain) {
			domains = append(domains, r.Domain)
		}
	}
	for di, d := range domains {
		l := chartLine{Domain: d, Class: fmt.Sprintf("line%d", di%4)}
		for i, id := range campaigns {
			for _, r := range recs {
				if r.Domain == d && r.CampaignID == id && r.Grade != "" {
					px, py := x(i), y(r.Points)
					if l.Points != "" {
						l.Points += " "
					}
					l.Points += fmt.Sprintf("%d,%d", px, py)
					l.Dots = append(l.Dots, chartLabel{X: px, Y: py, Text: fmt.Sprintf("%s %s : %s (%d/100)", d, when[id].UTC().Format("2006-01-02"), r.Grade, r.Points)})
					if c.Summary != "" {
						c.Summary += " ; "
					}
					c.Summary += fmt.Sprintf("%s %s %s %d/100", d, when[id].UTC().Format("2006-01-02"), r.Grade, r.Points)
				}
			}
		}
		c.Lines = append(c.Lines, l)
	}
	return c
}
