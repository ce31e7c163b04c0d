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
	// XLabels are the campaigns' dates, YLabels the points (0 to 100 by
	// 25): a grade is not a height, since a cap lowers the grade of a
	// domain with many points; each dot carries its grade as text.
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
	X, Y   int
	Text   string
	Anchor string // text-anchor: start, middle or end
	Grade  string // a dot's grade, written beside it
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
		anchor := "middle"
		switch {
		case len(campaigns) == 1:
		case i == 0:
			anchor = "start"
		case i == len(campaigns)-1:
			anchor = "end"
		}
		c.XLabels = append(c.XLabels, chartLabel{X: x(i), Y: chartH - 10, Text: when[id].UTC().Format("2006-01-02"), Anchor: anchor})
	}
	for p := 0; p <= 100; p += 25 {
		c.YLabels = append(c.YLabels, chartLabel{X: chartLeft - 8, Y: y(p), Text: fmt.Sprint(p)})
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
					l.Dots = append(l.Dots, chartLabel{X: px, Y: py, Grade: r.Grade, Text: fmt.Sprintf("%s %s%s%s (%s)", d, when[id].UTC().Format("2006-01-02"), tr(lang, "\u00a0: ", ": "), r.Grade, outOf100(r.Points, lang))})
					if c.Summary != "" {
						c.Summary += tr(lang, "\u202f; ", "; ")
					}
					c.Summary += fmt.Sprintf("%s %s %s, %s", d, when[id].UTC().Format("2006-01-02"), r.Grade, outOf100(r.Points, lang))
				}
			}
		}
		c.Lines = append(c.Lines, l)
	}
	return c
}

// outOf100 writes points as the reports do, never as "75/100", which
// reads as a percentage.
func outOf100(points int, lang string) string {
	return fmt.Sprintf(tr(lang, "%d points sur 100", "%d points out of 100"), points)
}
