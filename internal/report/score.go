package report

import (
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
)

// areaName names the areas of the rules table (internal/score) in the
// report's languages; an unknown area is shown by its id.
var areaName = map[string]audit.Text{
	"web_transport":  {FR: "transport web", EN: "web transport"},
	"web_app":        {FR: "application web", EN: "web application"},
	"mail":           {FR: "messagerie", EN: "mail"},
	"dns":            {FR: "DNS", EN: "DNS"},
	"attack_surface": {FR: "surface d'attaque", EN: "attack surface"},
}

func (p *printer) area(id string) string {
	if t, ok := areaName[id]; ok {
		return t.In(p.lang)
	}
	return id
}

// score prints the CyberScore near the top: the grade and points, the
// grade before the caps and each cap that applied with its reason, and
// each area's points. Nothing is printed for a result without a score.
func (p *printer) score(s *audit.Score) {
	if s == nil {
		return
	}
	head := "CyberScore" + p.tr(" : ", ": ") + s.Grade + " — " + p.points(s.Points)
	p.raw(p.paint(bold, head) + clean(p.tr(" (méthodologie ", " (methodology ")+s.Methodology+")"))
	if len(s.Caps) > 0 {
		p.line("  " + p.tr("note des points, avant plafonds : ", "grade of the points, before caps: ") + s.BeforeCaps.Grade + " (" + strconv.Itoa(s.BeforeCaps.Points) + " points)")
		for _, c := range s.Caps {
			l := "  " + p.tr("plafond ", "cap ") + c.Grade + p.tr(" : ", ": ") + c.Rule + " (" + c.ID
			if c.Subject != "" {
				l += ", " + c.Subject
			}
			p.line(l + ")")
			p.field("    ", "", c.Reason.In(p.lang))
		}
	}
	var areas []string
	for _, a := range s.Areas {
		areas = append(areas, p.area(a.Area)+" "+strconv.Itoa(a.Points))
	}
	if len(areas) > 0 {
		p.line("  " + p.tr("zones : ", "areas: ") + strings.Join(areas, ", "))
	}
	if len(s.Unobserved) > 0 {
		var un []string
		for _, a := range s.Unobserved {
			un = append(un, p.area(a))
		}
		p.line("  " + p.tr("non observées (hors moyenne) : ", "not observed (left out of the mean): ") + strings.Join(un, ", "))
	}
	p.line("  " + p.tr("« vigie methodology » explique le calcul.", "\"vigie methodology\" explains the computation."))
	p.line("")
}
