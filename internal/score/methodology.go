package score

import (
	"fmt"
	"html"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check"
)

// Methodology writes the methodology of the current rules to w, in format
// "markdown" or "html" and language "fr" or "en". It is generated from the
// rules table and from the checks' definitions, so that the published text
// and the code cannot disagree.
func Methodology(w io.Writer, format, lang string) error {
	return Default().WriteMethodology(w, format, lang)
}

// WriteMethodology writes the methodology of these rules; see
// Methodology.
func (r *Rules) WriteMethodology(w io.Writer, format, lang string) error {
	var d doc
	switch format {
	case "markdown", "md", "":
		d = &markdown{}
	case "html":
		d = &htmlDoc{lang: lang}
	default:
		return fmt.Errorf("score: methodology format %q: want markdown or html", format)
	}
	if lang != "fr" && lang != "en" {
		return fmt.Errorf("score: methodology language %q: want fr or en", lang)
	}
	r.write(d, lang, check.Definitions())
	_, err := io.WriteString(w, d.String())
	return err
}

// tr picks the French or English text.
func tr(lang, fr, en string) string {
	if lang == "en" {
		return en
	}
	return fr
}

func (r *Rules) write(d doc, lang string, defs []*audit.Definition) {
	t := func(fr, en string) string { return tr(lang, fr, en) }
	d.title(t("Méthodologie du CyberScore de vigie, version ", "vigie CyberScore methodology, version ") + r.Methodology)
	d.para(t(
		"Ce texte est produit par « vigie methodology » à partir de la table des règles (internal/score/rules/v1.json) et des définitions des constatations : il dit exactement ce que calcule le code.",
		"This text is produced by \"vigie methodology\" from the rules table (internal/score/rules/v1.json) and the definitions of the findings: it says exactly what the code computes."))

	d.heading(t("Principe", "How the score works"))
	d.list([]string{
		t("Chaque zone part de 100 points. Chaque constatation retire des points à sa zone : ceux de sa gravité, ou ses points propres quand la table dit pourquoi. Une zone ne descend pas sous 0.",
			"Each area starts at 100 points. Each finding takes points from its area: those of its severity, or its own points where the table says why. An area never goes below 0."),
		t("Un même identifiant de constatation retire au plus son maximum à une zone, quel que soit le nombre de sujets touchés : par défaut, le même défaut sur le domaine et sur www compte une fois.",
			"One finding id takes at most its maximum from an area however many subjects it hits: by default, the same flaw on the domain and on www counts once."),
		t("Les points globaux sont la moyenne des zones observées, pondérée par leur poids, arrondie à l'entier le plus proche (les demis vers le haut). Une zone sans observation (pas de site web, messagerie non sondée) est exclue de la moyenne : elle ne compte pas pour 100.",
			"The overall points are the mean of the observed areas, weighted by their weights, rounded to the nearest integer (halves up). An area with no observation (no web site, mail not probed) is left out of the mean: it does not count as 100."),
		t("Qu'une zone soit observée dépend des seules observations, jamais des constatations : ajouter une constatation ne peut donc jamais améliorer la note. Une constatation d'une zone non observée ne retire pas de points mais compte pour les plafonds et les seuils.",
			"Whether an area is observed depends on the observations only, never on the findings: adding a finding can never improve the grade. A finding of an unobserved area takes no points but counts for the caps and the thresholds."),
		t("Les points donnent une note selon les seuils ci-dessous ; puis les plafonds s'appliquent : une constatation grave plafonne la note quels que soient les points. Le résultat montre la note avant plafond et chaque plafond appliqué, avec sa raison. Les plafonds ne changent pas les points.",
			"The points give a grade by the thresholds below; then the caps apply: a severe finding caps the grade whatever the points. The result shows the grade before the caps and each cap applied, with its reason. Caps do not change the points."),
		t("Le score est une fonction pure des observations publiées : « vigie rescore » recalcule les constatations et la note d'un résultat enregistré avec la méthodologie du jour.",
			"The score is a pure function of the published observations: \"vigie rescore\" recomputes the findings and the grade of a saved result with today's methodology."),
	})

	d.heading(t("Zones", "Areas"))
	rows := [][]string{}
	for _, a := range r.Areas {
		rows = append(rows, []string{code(a.ID), a.Name.In(lang), strconv.Itoa(a.Weight), a.ObservedWhen.In(lang)})
	}
	d.table([]string{t("Zone", "Area"), t("Nom", "Name"), t("Poids", "Weight"), t("Observée quand", "Observed when")}, rows)

	d.heading(t("Points par gravité", "Points by severity"))
	rows = nil
	for s := audit.Critical; s >= audit.Info; s-- {
		rows = append(rows, []string{s.String(), strconv.Itoa(r.SeverityPoints[s.String()])})
	}
	d.table([]string{t("Gravité", "Severity"), t("Points retirés", "Points taken")}, rows)

	d.heading(t("Seuils de note", "Grade thresholds"))
	rows = nil
	for _, g := range r.Grades {
		cond := t("au moins ", "at least ") + strconv.Itoa(g.Min) + t(" points", " points")
		if g.MaxSeverity != "" {
			cond += t(" et aucune constatation de gravité supérieure à ", " and no finding above severity ") + g.MaxSeverity
		}
		rows = append(rows, []string{g.Grade, cond})
	}
	d.table([]string{t("Note", "Grade"), t("Condition", "Condition")}, rows)

	d.heading(t("Plafonds", "Caps"))
	d.para(t("Une seule constatation d'un de ces identifiants suffit à plafonner la note.", "One finding of any of these ids is enough to cap the grade."))
	rows = nil
	for _, c := range r.Caps {
		ids := make([]string, len(c.IDs))
		for i, id := range c.IDs {
			ids[i] = code(id)
		}
		rows = append(rows, []string{code(c.Rule), c.Grade, strings.Join(ids, ", "), c.Reason.In(lang)})
	}
	d.table([]string{t("Règle", "Rule"), t("Note au plus", "Grade at most"), t("Constatations", "Findings"), t("Raison", "Reason")}, rows)

	d.heading(t("Constatations", "Findings"))
	d.para(t("Chaque constatation qu'un audit peut produire, par zone : sa gravité, les points qu'elle retire (par constatation, et au plus pour l'identifiant), les plafonds qu'elle déclenche et la norme dont elle vient.",
		"Every finding an audit can produce, by area: its severity, the points it takes (per finding, and at most for the id), the caps it triggers and the standard it comes from."))
	byID := map[string]*audit.Definition{}
	for _, def := range defs {
		byID[def.ID] = def
	}
	sections := slices.Clone(r.Areas)
	for _, in := range r.Indicators {
		sections = append(sections, Area{ID: in.ID, Name: audit.Text{FR: "Indicateur " + in.Name.FR, EN: in.Name.EN + " indicator"}})
	}
	for _, a := range sections {
		rows = nil
		var notes []string
		for _, f := range r.Findings {
			if f.Area != a.ID {
				continue
			}
			def := byID[f.ID]
			sev, title, standard := "", "", ""
			if def != nil {
				sev, title, standard = def.Severity.String(), def.Title.In(lang), def.Standard
			}
			s, _ := audit.ParseSeverity(sev)
			each, most, _ := r.points(f.ID, s)
			pts := strconv.Itoa(each)
			if most != each {
				pts += t(", au plus ", ", at most ") + strconv.Itoa(most)
			}
			var caps []string
			for _, c := range r.Caps {
				if slices.Contains(c.IDs, f.ID) {
					caps = append(caps, c.Grade)
				}
			}
			rows = append(rows, []string{code(f.ID), sev, pts, strings.Join(caps, ", "), title, standard})
			if f.Reason != nil {
				notes = append(notes, code(f.ID)+t(" : ", ": ")+f.Reason.In(lang))
			}
		}
		if len(rows) == 0 {
			continue
		}
		d.subheading(a.Name.In(lang))
		d.table([]string{t("Identifiant", "Id"), t("Gravité", "Severity"), t("Points", "Points"), t("Plafond", "Cap"), t("Titre", "Title"), t("Norme", "Standard")}, rows)
		if len(notes) > 0 {
			d.para(t("Points propres et leurs raisons :", "Own points and their reasons:"))
			d.list(notes)
		}
	}

	for _, in := range r.Indicators {
		d.heading(t("Indicateur ", "Indicator: ") + in.Name.In(lang))
		d.para(in.Description.In(lang))
		how := t("Calcul : l'indicateur part de 100 points ; chacune de ses constatations retire les points de sa gravité (table ci-dessus), un même identifiant au plus une fois ; il n'est calculé que quand ", "How it is computed: the indicator starts at 100 points; each of its findings takes the points of its severity (table above), one id at most once; it is computed only when ")
		if in.Method == MethodEcoIndex {
			how = t("Calcul : les points sont l'EcoIndex arrondi de la première page d'accueil chargée jusqu'au bout, d'après ses mesures (éléments, requêtes, poids), sans constatation ; il n'est calculé que quand ", "How it is computed: the points are the rounded EcoIndex of the first home page loaded to the end, from its measures (elements, requests, weight), without findings; it is computed only when ")
		}
		d.para(how + in.ObservedWhen.In(lang) + t(". Seuils :", ". Thresholds:"))
		var rows [][]string
		for _, g := range in.Grades {
			rows = append(rows, []string{g.Grade, strconv.Itoa(g.Min)})
		}
		d.table([]string{t("Note", "Grade"), t("Points au moins", "Points at least")}, rows)
		d.para(t("Données et crédits : ", "Data and credits: ") + in.Credit.In(lang))
	}

	d.heading(t("Profils de comparaison", "Comparison profiles"))
	d.para(t("Le résultat contient aussi, sous leur propre clé, des scores calculés à la manière d'outils connus, à partir des mêmes observations, pour comparer. Ils ne comptent pas dans le CyberScore.",
		"The result also holds, each under its own key, scores computed the way well-known tools compute theirs, from the same observations, for comparison. They do not count in the CyberScore."))
	d.list([]string{
		t("observatory : l'algorithme publié de l'Observatoire HTTP de MDN (100 points de départ, modificateurs par test, bonus seulement à partir de 90, barème de notes A+ à F). vigie s'en écarte volontairement : l'Observatoire ignore TLS, les certificats et le DNS et récompense des bonus ; le CyberScore ne donne pas de bonus et plafonne la note sur les défauts graves.",
			"observatory: the published algorithm of the MDN HTTP Observatory (100 to start, per-test modifiers, bonuses only from 90, grade chart A+ to F). vigie differs on purpose: the Observatory ignores TLS, certificates and DNS and gives bonuses; the CyberScore gives no bonus and caps the grade on severe flaws."),
		t("ssllabs : une note à la manière du guide de notation SSL Labs (protocoles 30 %, échange de clés 30 %, chiffrement 40 %, et ses plafonds). vigie s'en écarte : SSL Labs ne note que TLS ; le CyberScore pèse aussi les en-têtes web et le DNS.",
			"ssllabs: a grade in the manner of the SSL Labs rating guide (protocol 30%, key exchange 30%, cipher 40%, and its caps). vigie differs: SSL Labs grades TLS only; the CyberScore also weighs web headers and DNS."),
		t("internetnl : un pourcentage à la manière d'internet.nl (part des tests web réussis). vigie s'en écarte : internet.nl ne plafonne pas et compte chaque test réussi ou échoué, sans gravité.",
			"internetnl: a percentage in the manner of internet.nl (share of the web tests passed). vigie differs: internet.nl has no caps and counts each test as passed or failed, with no severity."),
	})

	writeDifferences(d, lang)

	d.heading(t("Historique des versions", "Version history"))
	var hist [][]string
	for i := len(r.History) - 1; i >= 0; i-- {
		v := r.History[i]
		hist = append(hist, []string{v.Version, v.Date, v.Changes.In(lang)})
	}
	d.table([]string{t("Version", "Version"), t("Date", "Date"), t("Changements", "Changes")}, hist)
}

// doc is a document being written, in Markdown or HTML. Text given to its
// methods is plain text where `backquotes` mark code, as in Markdown.
type doc interface {
	title(s string)
	heading(s string)
	subheading(s string)
	para(s string)
	list(items []string)
	table(head []string, rows [][]string)
	String() string
}

// code marks s as code.
func code(s string) string { return "`" + s + "`" }

type markdown struct{ b strings.Builder }

func (m *markdown) title(s string)      { fmt.Fprintf(&m.b, "# %s\n\n", s) }
func (m *markdown) heading(s string)    { fmt.Fprintf(&m.b, "## %s\n\n", s) }
func (m *markdown) subheading(s string) { fmt.Fprintf(&m.b, "### %s\n\n", s) }
func (m *markdown) para(s string)       { fmt.Fprintf(&m.b, "%s\n\n", s) }

func (m *markdown) list(items []string) {
	for _, it := range items {
		fmt.Fprintf(&m.b, "- %s\n", it)
	}
	m.b.WriteString("\n")
}

func (m *markdown) table(head []string, rows [][]string) {
	fmt.Fprintf(&m.b, "| %s |\n|", strings.Join(head, " | "))
	for range head {
		m.b.WriteString("---|")
	}
	m.b.WriteString("\n")
	for _, r := range rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		fmt.Fprintf(&m.b, "| %s |\n", strings.Join(cells, " | "))
	}
	m.b.WriteString("\n")
}

func (m *markdown) String() string { return m.b.String() }

type htmlDoc struct {
	b    strings.Builder
	name string
	lang string
}

// codeSpan matches a `code` span of escaped text.
var codeSpan = regexp.MustCompile("`([^`]*)`")

// inline escapes s for HTML and turns its `code` spans into <code>.
func inline(s string) string {
	return codeSpan.ReplaceAllString(html.EscapeString(s), "<code>$1</code>")
}

func (h *htmlDoc) title(s string) {
	h.name = s
	fmt.Fprintf(&h.b, "<h1>%s</h1>\n", inline(s))
}
func (h *htmlDoc) heading(s string)    { fmt.Fprintf(&h.b, "<h2>%s</h2>\n", inline(s)) }
func (h *htmlDoc) subheading(s string) { fmt.Fprintf(&h.b, "<h3>%s</h3>\n", inline(s)) }
func (h *htmlDoc) para(s string)       { fmt.Fprintf(&h.b, "<p>%s</p>\n", inline(s)) }

func (h *htmlDoc) list(items []string) {
	h.b.WriteString("<ul>\n")
	for _, it := range items {
		fmt.Fprintf(&h.b, "<li>%s</li>\n", inline(it))
	}
	h.b.WriteString("</ul>\n")
}

func (h *htmlDoc) table(head []string, rows [][]string) {
	h.b.WriteString("<table>\n<tr>")
	for _, c := range head {
		fmt.Fprintf(&h.b, "<th>%s</th>", inline(c))
	}
	h.b.WriteString("</tr>\n")
	for _, r := range rows {
		h.b.WriteString("<tr>")
		for _, c := range r {
			fmt.Fprintf(&h.b, "<td>%s</td>", inline(c))
		}
		h.b.WriteString("</tr>\n")
	}
	h.b.WriteString("</table>\n")
}

func (h *htmlDoc) String() string {
	return "<!DOCTYPE html>\n<html lang=\"" + h.lang + "\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html.EscapeString(h.name) +
		"</title>\n</head>\n<body>\n" + h.b.String() + "</body>\n</html>\n"
}
