package report

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/score"
)

// An actor is who should carry out a fix: the report tells the mayor whom
// to ask.
type actor struct {
	// prefixes are the finding ids (or their prefixes, ending in ".")
	// the actor fixes; the longest match wins.
	prefixes []string
	who      audit.Text
}

// actors maps finding ids to who fixes them. The server's TLS and the
// HTTPS redirect are the host's; the pages' headers, cookies and content
// the web agency's; the mail records the mail provider's; the DNS the
// host's (who usually runs the zone); what only the organisation can
// decide (a contact for security reports, what its names point to) its
// own.
var actors = []actor{
	{[]string{"tls.", "http.https.", "http.redirect.", "http.hsts.", "dns."}, audit.Text{FR: "l'hébergeur du site et du domaine", EN: "the site and domain hosting provider"}},
	{[]string{"http."}, audit.Text{FR: "l'agence web (ou le prestataire du site)", EN: "the web agency (or the site's contractor)"}},
	{[]string{"mail."}, audit.Text{FR: "le prestataire de messagerie", EN: "the mail provider"}},
	{[]string{"http.securitytxt.", "dns.address.not_public"}, audit.Text{FR: "l'organisation elle-même (son responsable informatique)", EN: "the organisation itself (its IT officer)"}},
}

// actorOf returns who should fix finding id.
func actorOf(id string) audit.Text {
	best, n := audit.Text{FR: "l'organisation elle-même (son responsable informatique)", EN: "the organisation itself (its IT officer)"}, -1
	for _, a := range actors {
		for _, p := range a.prefixes {
			match := id == p || strings.HasSuffix(p, ".") && strings.HasPrefix(id, p)
			if match && len(p) > n {
				best, n = a.who, len(p)
			}
		}
	}
	return best
}

// glossary explains the words of the report a mayor may not know.
var glossary = []audit.Text{
	{FR: "HTTPS, TLS : le chiffrement des échanges entre les visiteurs et le site.", EN: "HTTPS, TLS: the encryption of exchanges between visitors and the site."},
	{FR: "Certificat : la pièce d'identité du site, vérifiée par les navigateurs.", EN: "Certificate: the site's identity card, checked by browsers."},
	{FR: "En-têtes de sécurité (HSTS, CSP...) : des consignes que le site donne aux navigateurs pour protéger ses visiteurs.", EN: "Security headers (HSTS, CSP...): instructions the site gives browsers to protect its visitors."},
	{FR: "DNS, DNSSEC : l'annuaire d'internet qui mène au site et au courrier, et sa signature.", EN: "DNS, DNSSEC: the internet's directory that leads to the site and the mail, and its signature."},
	{FR: "SPF, DKIM, DMARC : ce qui empêche d'envoyer du courrier au nom de la collectivité.", EN: "SPF, DKIM, DMARC: what prevents sending mail in the organisation's name."},
	{FR: "Plafond : un défaut grave limite la note, quels que soient les points.", EN: "Cap: a serious flaw limits the grade, whatever the points."},
}

// topActions is how many actions the first page lists.
const topActions = 3

// points says "70 points sur 100", never "70/100", which reads as a
// percentage.
func (p *printer) points(n int) string {
	return strconv.Itoa(n) + p.tr(" points sur 100", " points out of 100")
}

// gradeLine is "B : correct : ..." — the grade with its meaning.
func (p *printer) gradeLine(s *audit.Score) string {
	return s.Grade + p.tr(" — ", " — ") + score.GradeMeaning(s.Grade).In(p.lang)
}

// actionTitle names an action by the titles of its findings.
func actionTitle(g score.Gain, fs []audit.Finding, lang string) string {
	var titles []string
	for _, id := range g.IDs {
		i := slices.IndexFunc(fs, func(f audit.Finding) bool { return f.ID == id })
		if i >= 0 {
			if t := fs[i].Title.In(lang); !slices.Contains(titles, t) {
				titles = append(titles, t)
			}
		}
	}
	return strings.Join(titles, " ; ")
}

// gainText says what an action gains: "la note passe de B à A (+12
// points)", or the points alone, and the caps it lifts.
func (p *printer) gainText(g score.Gain) string {
	var s string
	switch {
	case g.Raises():
		s = fmt.Sprintf(p.tr("la note passe de %s à %s (+%d points)", "the grade goes from %s to %s (+%d points)"), g.From.Grade, g.To.Grade, g.Points)
	case g.Points > 0:
		s = fmt.Sprintf(p.tr("+%d points, la note reste %s", "+%d points, the grade stays %s"), g.Points, g.From.Grade)
	default:
		s = fmt.Sprintf(p.tr("aucun point, la note reste %s", "no points, the grade stays %s"), g.From.Grade)
	}
	for _, c := range g.CapsLifted {
		s += p.tr(" ; lève le plafond : ", "; lifts the cap: ") + score.CapMeaning(c).In(p.lang)
	}
	return s
}

// mayor prints the first page: the grade and its meaning in plain words,
// the caps that hold it down, the three actions that gain most with who
// should carry out each, and a short glossary.
func (p *printer) mayor(r *audit.Result) {
	s := r.Score
	if s == nil {
		return
	}
	p.heading(p.tr("En bref", "In short"))
	p.field("", p.tr("Note : ", "Grade: "), p.gradeLine(s))
	p.field("", "      ", "("+p.points(s.Points)+")")
	for _, c := range s.Caps {
		p.field("  ", p.tr("Limitée à ", "Capped at ")+c.Grade+p.tr(" : ", ": "), score.CapMeaning(c.Rule).In(p.lang))
	}
	p.writeIndicators(r)
	p.line("")
	plan := score.Gains(r.Findings, r.Observations)
	if len(plan) > 0 {
		p.heading(p.tr("Ce qu'il faut corriger d'abord", "What to fix first"))
		for i, g := range plan[:min(topActions, len(plan))] {
			p.field("", strconv.Itoa(i+1)+". ", actionTitle(g, r.Findings, p.lang))
			p.field("   ", p.tr("Qui : ", "Who: "), actorOf(g.IDs[0]).In(p.lang))
			p.field("   ", p.tr("Gain : ", "Gain: "), p.gainText(g))
		}
		if len(plan) > topActions {
			p.line(fmt.Sprintf(p.tr("Les %d autres corrections suivent, dans les détails.", "The %d other fixes follow, in the details."), len(plan)-topActions))
		}
		p.line("")
	}
	p.heading(p.tr("Lexique", "Glossary"))
	for _, g := range glossary {
		p.field("  - ", "", g.In(p.lang))
	}
	p.line("")
	p.heading(p.tr("Détails pour le technicien", "Details for the technician"))
	p.field("", "", p.tr("Chaque zone avec ses constats, ce qui a été observé, la correction et la norme. Le calcul de la note est publié : « vigie methodology » (docs/methodology.fr.md).",
		"Each area with its findings, what was observed, the fix and the standard. The computation of the grade is published: \"vigie methodology\" (docs/methodology.en.md)."))
	p.line("")
}

// areaGroup is one area's findings, from the most severe, those of one
// id together.
type areaGroup struct {
	ID  string
	IDs [][]audit.Finding
	N   int
}

// byAreas groups findings by area, in the rules table's order.
func byAreas(fs []audit.Finding) []areaGroup {
	rules := score.Default()
	var order []string
	for _, a := range rules.Areas {
		order = append(order, a.ID)
	}
	groups := map[string][]audit.Finding{}
	for _, f := range fs {
		a := rules.AreaOf(f.ID)
		if !slices.Contains(order, a) {
			order = append(order, a)
		}
		groups[a] = append(groups[a], f)
	}
	var out []areaGroup
	for _, a := range order {
		group := slices.Clone(groups[a])
		if len(group) == 0 {
			continue
		}
		slices.SortStableFunc(group, func(x, y audit.Finding) int {
			return cmp.Or(cmp.Compare(y.Severity, x.Severity), cmp.Compare(x.ID, y.ID))
		})
		g := areaGroup{ID: a, N: len(group)}
		// Findings of one id (the same problem on several hosts) are
		// told once, with each subject's evidence.
		for len(group) > 0 {
			n := 1
			for n < len(group) && group[n].ID == group[0].ID {
				n++
			}
			g.IDs = append(g.IDs, group[:n])
			group = group[n:]
		}
		out = append(out, g)
	}
	return out
}

// byArea prints the findings area by area, in the rules table's order,
// and within an area from the most severe.
func (p *printer) byArea(fs []audit.Finding) {
	for _, g := range byAreas(fs) {
		p.heading(fmt.Sprintf("%s (%d)", strings.ToUpper(p.area(g.ID)), g.N))
		for _, same := range g.IDs {
			p.raw("  " + p.paint(severityColor[same[0].Severity], "["+severityName[same[0].Severity][0].In(p.lang)+"]"))
			p.finding(same)
		}
		p.line("")
	}
}

// indicator is an indicator graded beside the CyberScore, as the
// reports show it: its name and grade, then lines of label and value.
type indicator struct {
	Label, Value string
	Lines        [][2]string
}

// indicators returns the indicators of r that were observed: sovereignty
// (who hosts the web site, the mail and the DNS under which law, and the
// credit the IP data's licence, CC BY 4.0, requires), privacy (how the
// home pages were read, the third parties they load) and eco-design (the
// EcoIndex of the first home page a browser loaded).
func (p *printer) indicators(r *audit.Result) []indicator {
	var out []indicator
	grade := func(in *audit.IndicatorScore) string {
		return fmt.Sprintf(p.tr("%s (%d/100), indicateur à part, hors CyberScore", "%s (%d/100), an indicator of its own, not in the CyberScore"), in.Grade, in.Points)
	}
	if in := r.Score.Indicator("sovereignty"); in != nil && r.Observations != nil && r.Observations.Hosting != nil {
		h := r.Observations.Hosting
		v := indicator{Label: p.tr("Souveraineté : ", "Sovereignty: "), Value: grade(in)}
		for _, role := range []struct {
			id string
			t  audit.Text
		}{{audit.RoleWeb, audit.Text{FR: "Site : ", EN: "Web site: "}}, {audit.RoleMail, audit.Text{FR: "Messagerie : ", EN: "Mail: "}}, {audit.RoleDNS, audit.Text{FR: "DNS : ", EN: "DNS: "}}} {
			ps := h.ProvidersOf(role.id)
			if len(ps) == 0 {
				continue
			}
			var names []string
			for _, pr := range ps {
				n := fmt.Sprintf("%s (%s)", audit.StripControls(pr.Name), strings.Join(pr.Jurisdictions, "+"))
				if pr.Extraterritorial {
					n += p.tr(", soumis au droit extra-européen", ", bound by extra-European law")
				}
				names = append(names, n)
			}
			v.Lines = append(v.Lines, [2]string{role.t.In(p.lang), strings.Join(names, " ; ")})
		}
		var credits []string
		for _, src := range h.Sources {
			if src.Attribution != "" {
				credits = append(credits, audit.StripControls(src.Attribution+", "+src.License))
			}
		}
		if len(credits) == 0 {
			credits = append(credits, "RouteViews, DB-IP (https://db-ip.com), CC BY 4.0")
		}
		v.Lines = append(v.Lines, [2]string{p.tr("Données IP : ", "IP data: "), strings.Join(credits, " ; ") + p.tr(" ; table des fournisseurs ", "; providers table ") + audit.StripControls(h.Providers)})
		out = append(out, v)
	}
	if in := r.Score.Indicator("privacy"); in != nil && r.Observations != nil && len(r.Observations.Pages) > 0 {
		v := indicator{Label: p.tr("Vie privée : ", "Privacy: "), Value: grade(in)}
		static := false
		var parties []string
		seen := map[string]bool{}
		for _, pg := range r.Observations.Pages {
			if pg == nil {
				continue
			}
			static = static || pg.Method == audit.PageStatic
			for _, tp := range pg.ThirdParties {
				if tp.FirstParty || seen[tp.Name] || len(parties) == maxIndicatorParties {
					continue
				}
				seen[tp.Name] = true
				n := audit.StripControls(tp.Name)
				if tp.Country != "" {
					n += " (" + audit.StripControls(tp.Country) + ")"
				}
				parties = append(parties, n)
			}
		}
		for _, pg := range r.Observations.Pages {
			if pg == nil {
				continue
			}
			how := p.tr("chargée par un navigateur, sans interaction", "loaded by a browser, without interaction")
			if pg.Method == audit.PageStatic {
				how = p.tr("HTML lu sans l'exécuter (partiel)", "HTML read without running it (partial)")
			}
			if pg.ErrorCode != "" {
				how += p.tr(" ; interrompue : ", "; cut short: ") + audit.StripControls(pg.ErrorCode)
			}
			v.Lines = append(v.Lines, [2]string{audit.StripControls(pg.URL) + " : ", fmt.Sprintf(p.tr("%s ; %d requêtes, %d cookies", "%s; %d requests, %d cookies"), how, pg.RequestCount, len(pg.Cookies))})
		}
		if static {
			v.Lines = append(v.Lines, [2]string{p.tr("Lecture : ", "Reading: "), p.tr("statique, du HTML reçu sans exécuter ses scripts : ce qu'ils chargent ensuite n'est pas vu", "static, of the HTML received without running its scripts: what they load next is not seen")})
		}
		if len(parties) > 0 {
			v.Lines = append(v.Lines, [2]string{p.tr("Tiers : ", "Third parties: "), strings.Join(parties, ", ")})
		}
		out = append(out, v)
	}
	if in := r.Score.Indicator("ecodesign"); in != nil && in.EcoIndex != nil {
		e := in.EcoIndex
		out = append(out, indicator{Label: p.tr("Écoconception : ", "Eco-design: "),
			Value: fmt.Sprintf(p.tr("EcoIndex %d/100 (%s), indicateur à part, hors CyberScore ; %.2f gCO2e et %.2f cl d'eau par vue",
				"EcoIndex %d/100 (%s), an indicator of its own, not in the CyberScore; %.2f gCO2e and %.2f cl of water per view"), e.Score, e.Grade, e.GHG, e.Water),
			Lines: [][2]string{
				{p.tr("Mesures : ", "Measures: "), fmt.Sprintf(p.tr("%d éléments, %d requêtes, %.0f Ko (%s)", "%d elements, %d requests, %.0f KB (%s)"), e.DOMElements, e.Requests, e.SizeKB, audit.StripControls(e.Page))},
				{p.tr("Méthode : ", "Method: "), p.tr("EcoIndex, publiée par GreenIT.fr et le projet EcoIndex (ecoindex.fr), implémentée par vigie", "EcoIndex, published by GreenIT.fr and the EcoIndex project (ecoindex.fr), implemented by vigie")},
			}})
	}
	return out
}

// maxIndicatorParties bounds the third parties the privacy indicator
// names on the first page (the details list them all).
const maxIndicatorParties = 8

// writeIndicators writes the indicators beside the CyberScore.
func (p *printer) writeIndicators(r *audit.Result) {
	for _, in := range p.indicators(r) {
		p.field("", in.Label, in.Value)
		for _, l := range in.Lines {
			p.field("  ", l[0], l[1])
		}
	}
}
