package score

import (
	_ "embed"
	"fmt"
	"strings"
)

// spfPyspf is the table of the disagreements with pyspf that vigie keeps
// (e2e/spf-diff.sh accepts exactly these).
//
//go:embed differences/spf-pyspf.tsv
var spfPyspf string

// dnssecPeers is the table of the disagreements with delv and
// unbound-host that vigie keeps (e2e/dnssec-diff.sh accepts exactly these).
//
//go:embed differences/dnssec-peers.tsv
var dnssecPeers string

// Difference is one known disagreement of vigie with a reference
// implementation, backed by the RFC section that vigie follows.
type Difference struct {
	Case, Vigie, Peer, Standard string
	Reason                      [2]string // French, English
}

// SPFDifferences returns the known disagreements of vigie's SPF
// evaluation with pyspf, as listed in differences/spf-pyspf.tsv.
func SPFDifferences() ([]Difference, error) { return parseDifferences("spf-pyspf.tsv", spfPyspf) }

// DNSSECDifferences returns the known disagreements of vigie's DNSSEC
// validation with delv and unbound-host, as listed in
// differences/dnssec-peers.tsv.
func DNSSECDifferences() ([]Difference, error) {
	return parseDifferences("dnssec-peers.tsv", dnssecPeers)
}

// parseDifferences reads a table of differences: lines of six
// tab-separated columns, "#" starting a comment line.
func parseDifferences(name, s string) ([]Difference, error) {
	var out []Difference
	for i, line := range strings.Split(s, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			return nil, fmt.Errorf("score: %s line %d: %d columns, want 6 (case, vigie, peer, standard, reason fr, reason en)", name, i+1, len(f))
		}
		for j, c := range f {
			if strings.TrimSpace(c) == "" {
				return nil, fmt.Errorf("score: %s line %d: column %d is empty", name, i+1, j+1)
			}
		}
		out = append(out, Difference{Case: f[0], Vigie: f[1], Peer: f[2], Standard: f[3], Reason: [2]string{f[4], f[5]}})
	}
	return out, nil
}

// writeDifferences writes the section of the methodology on the known
// differences with the reference implementations.
func writeDifferences(d doc, lang string) {
	t := func(fr, en string) string { return tr(lang, fr, en) }
	d.heading(t("Écarts connus avec les implémentations de référence", "Known differences with the reference implementations"))
	d.para(t("Les verdicts de vigie sont comparés en intégration continue à ceux des outils de référence, sur des zones de laboratoire. Chaque désaccord restant est listé ici avec la section de la RFC que suit vigie ; tout autre désaccord fait échouer les tests.",
		"vigie's verdicts are compared in continuous integration with those of the reference tools, on lab zones. Every remaining disagreement is listed here with the RFC section vigie follows; any other disagreement fails the tests."))
	tables := []struct {
		title [2]string
		peer  string
		read  func() ([]Difference, error)
	}{
		{[2]string{"DNSSEC : delv (BIND 9) et unbound-host (Unbound) (e2e/dnssec-diff.sh)", "DNSSEC: delv (BIND 9) and unbound-host (Unbound) (e2e/dnssec-diff.sh)"}, t("Référence", "Reference"), DNSSECDifferences},
		{[2]string{"SPF : pyspf (e2e/spf-diff.sh)", "SPF: pyspf (e2e/spf-diff.sh)"}, "pyspf", SPFDifferences},
	}
	for _, tb := range tables {
		d.subheading(t(tb.title[0], tb.title[1]))
		diffs, err := tb.read()
		if err != nil {
			d.para(err.Error())
			return
		}
		var rows [][]string
		for _, x := range diffs {
			reason := x.Reason[0]
			if lang == "en" {
				reason = x.Reason[1]
			}
			rows = append(rows, []string{code(x.Case), x.Vigie, x.Peer, x.Standard, reason})
		}
		d.table([]string{t("Cas", "Case"), "vigie", tb.peer, t("Norme", "Standard"), t("Raison", "Reason")}, rows)
	}

	d.subheading(t("Profil observatory : Observatoire HTTP de MDN 1.4.8 (e2e/observatory.sh)", "The observatory profile: MDN HTTP Observatory 1.4.8 (e2e/observatory.sh)"))
	d.para(t("Le profil reproduit l'algorithme de l'Observatoire, y compris la fusion d'une CSP d'en-tête et de `<meta>`, les scripts dans `<noscript>`, `<base href>`, la note de la dernière réponse d'une boucle de redirections et les balises d'une page plus longue que le corps que vigie garde (lues jusqu'à 16 Mio) ; les sites du laboratoire concordent tous en score et en note. Restent deux écarts, dus aux bibliothèques dont dépend l'Observatoire :",
		"The profile reproduces the Observatory's algorithm, including the merge of a header and a `<meta>` CSP, scripts inside `<noscript>`, `<base href>`, the grade of the last response of a redirect loop and the tags of a page longer than the body vigie keeps (read up to 16 MiB); every lab site agrees on score and grade. Two differences remain, caused by the libraries the Observatory depends on:"))
	d.list([]string{
		t("cookies : le bocal à cookies de l'Observatoire (tough-cookie, par axios-cookiejar-support) rejette certains cookies (un attribut Domain qui ne correspond pas à l'hôte) et les fait expirer selon la date de sa machine, puis juge ceux qui restent ; vigie juge chaque cookie que le serveur envoie, en n'appliquant que le remplacement et Max-Age (RFC 6265, section 5.3), car un cookie refusé par un navigateur reste un défaut de configuration à signaler.",
			"cookies: the Observatory's cookie jar (tough-cookie, through axios-cookiejar-support) rejects some cookies (a Domain attribute that does not match the host) and expires them by its machine's clock, then judges those left; vigie judges every cookie the server sends, applying replacement and Max-Age only (RFC 6265, section 5.3), since a cookie a browser refuses is still a configuration flaw to report."),
		t("CORS : l'Observatoire envoie une requête préalable (OPTIONS) avec un en-tête Origin de son choix et juge la réponse à cette origine ; vigie n'envoie pas de requête de plus et juge l'en-tête Access-Control-Allow-Origin de la page elle-même (Fetch Standard, 3.2.3).",
			"CORS: the Observatory sends a preflight request (OPTIONS) with an Origin header of its own choosing and judges the answer to that origin; vigie sends no extra request and judges the Access-Control-Allow-Origin header of the page itself (Fetch Standard, 3.2.3)."),
	})
}
