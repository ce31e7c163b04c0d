package report

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/score"
)

//go:embed html/report.html.tmpl
var htmlTemplate string

var htmlPage = template.Must(template.New("report").Parse(htmlTemplate))

// htmlLabels are the fixed words of the HTML page.
type htmlLabels struct {
	Short, Grade, First, Who, Gain, Glossary, Details, DetailsAbout, Fix, Standard, Observed, Unknown, Methodology string
}

type htmlScore struct {
	Grade, Meaning, Points string
	Caps                   []string
}

type htmlAction struct{ Title, Who, Gain string }

type htmlTerm struct{ Term, Def string }

type htmlSubject struct{ Subject, Evidence string }

type htmlFinding struct {
	ID, Title, Severity, Class, Fix, Standard string
	Subjects                                  []htmlSubject
}

type htmlArea struct {
	ID, Name string
	Findings []htmlFinding
}

type htmlView struct {
	Lang, Title, Meta, Error, Summary, More string
	Incomplete                              string
	L                                       htmlLabels
	Score                                   *htmlScore
	Actions                                 []htmlAction
	Indicators                              []indicator
	Glossary                                []htmlTerm
	Areas                                   []htmlArea
	Observed                                string
	Unknowns                                []string
}

// HTML writes the report of r as one self-contained HTML page: inline
// CSS, no script, nothing loaded from elsewhere, in the same order as the
// text report (the grade, what to fix first and who, a glossary, then the
// details); printed, the first part has its own page(s). Everything from
// the audited servers is escaped by html/template. The web observatory
// renders its printable page with it.
func HTML(w io.Writer, r *audit.Result, o Options) error {
	var b bytes.Buffer
	p := &printer{w: bufio.NewWriter(&b), lang: o.Lang}
	if p.lang != "en" {
		p.lang = "fr"
	}
	v := htmlView{Lang: p.lang, L: htmlLabels{
		Short: p.tr("En bref", "In short"), Grade: p.tr("Note", "Grade"),
		First: p.tr("Ce qu'il faut corriger d'abord", "What to fix first"),
		Who:   p.tr("Qui :", "Who:"), Gain: p.tr("Gain :", "Gain:"), Glossary: p.tr("Lexique", "Glossary"),
		Details:      p.tr("Détails pour le technicien", "Details for the technician"),
		DetailsAbout: p.tr("Chaque zone avec ses constats, la correction et la norme, puis ce qui a été observé.", "Each area with its findings, the fix and the standard, then what was observed."),
		Fix:          p.tr("Correction :", "Fix:"), Standard: p.tr("Référence :", "Standard:"),
		Observed: p.tr("Ce qui a été observé", "What was observed"), Unknown: p.tr("Ce qui n'a pas pu être établi", "What could not be found out"),
		Methodology: p.tr("Le calcul de la note est publié : « vigie methodology » (docs/methodology.fr.md).", "The computation of the grade is published: \"vigie methodology\" (docs/methodology.en.md)."),
	}}
	head := p.capture(func() { p.header(r) })
	v.Title, v.Meta, _ = strings.Cut(strings.TrimSpace(head), "\n")
	if r.Error != "" {
		v.Error = p.tr("Audit impossible : ", "Audit failed: ") + ErrorText(r.Error, p.lang)
	}
	if o := r.Observations; o != nil && o.CutShort != nil && r.Error == "" {
		v.Incomplete = p.tr("Audit incomplet : ", "Incomplete audit: ") + o.CutShort.Text(p.lang)
	}
	if s := r.Score; s != nil && r.Error == "" {
		hs := &htmlScore{Grade: s.Grade, Meaning: score.GradeMeaning(s.Grade).In(p.lang), Points: p.points(s.Points)}
		for _, c := range s.Caps {
			hs.Caps = append(hs.Caps, p.tr("Limitée à ", "Capped at ")+c.Grade+p.tr(" : ", ": ")+score.CapMeaning(c.Rule).In(p.lang))
		}
		v.Score = hs
		v.Indicators = p.indicators(r)
		plan := score.Gains(r.Findings, r.Observations)
		for _, g := range plan[:min(topActions, len(plan))] {
			v.Actions = append(v.Actions, htmlAction{Title: actionTitle(g, r.Findings, p.lang), Who: actorOf(g.IDs[0]).In(p.lang), Gain: p.gainText(g)})
		}
		if len(plan) > topActions {
			v.More = fmt.Sprintf(p.tr("Les %d autres corrections suivent, dans les détails.", "The %d other fixes follow, in the details."), len(plan)-topActions)
		}
		for _, g := range glossary {
			term, def, _ := strings.Cut(g.In(p.lang), ":")
			v.Glossary = append(v.Glossary, htmlTerm{Term: strings.TrimSpace(term), Def: strings.TrimSpace(def)})
		}
	}
	if r.Error == "" {
		v.Summary = strings.TrimSpace(p.capture(func() { p.summary(r.Findings, len(p.errors(r)) > 0) }))
		for _, g := range byAreas(r.Findings) {
			a := htmlArea{ID: strings.ReplaceAll(g.ID, "_", "-"), Name: p.area(g.ID)}
			for _, same := range g.IDs {
				f := same[0]
				hf := htmlFinding{ID: f.ID, Title: f.Title.In(p.lang), Severity: severityName[f.Severity][0].In(p.lang),
					Class: f.Severity.String(), Fix: f.Remediation.In(p.lang), Standard: f.Standard}
				for _, g := range same {
					hf.Subjects = append(hf.Subjects, htmlSubject{Subject: clean(g.Subject), Evidence: clean(g.EvidenceIn(p.lang))})
				}
				a.Findings = append(a.Findings, hf)
			}
			v.Areas = append(v.Areas, a)
		}
	}
	if r.Observations != nil && r.Error == "" {
		v.Observed = strings.TrimRight(p.capture(func() { p.observed(r.Observations) }), "\n")
		v.Observed = strings.TrimPrefix(v.Observed, v.L.Observed+"\n")
	}
	if r.Observations != nil || r.Error == "" {
		for _, e := range p.errors(r) {
			if p.lang == "en" {
				e = strings.Replace(e, " : ", ": ", 1)
			}
			v.Unknowns = append(v.Unknowns, clean(e))
		}
	}
	return htmlPage.Execute(w, v)
}

// capture returns what fn prints.
func (p *printer) capture(fn func()) string {
	var b bytes.Buffer
	w := p.w
	p.w = bufio.NewWriter(&b)
	fn()
	p.w.Flush()
	p.w = w
	return b.String()
}
