package servicecheck

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
	"vigie.eu/vigie/internal/eol"
)

var defEOL = &audit.Definition{
	ID:       "services.eol",
	Severity: audit.High,
	Title:    audit.Text{FR: "Logiciel en fin de vie exposé sur internet", EN: "End-of-life software exposed to the internet"},
	Remediation: audit.Text{
		FR: "Mettre à jour vers une version maintenue par l'éditeur, ou retirer le service d'internet. Si la version annoncée est celle d'une distribution encore suivie (Debian, Red Hat), vérifier qu'elle reçoit les correctifs et masquer la version (nginx : « server_tokens off »).",
		EN: "Update to a version its vendor maintains, or take the service off the internet. If the version stated is that of a distribution still supported (Debian, Red Hat), check that it gets fixes and hide the version (nginx: \"server_tokens off\").",
	},
	Standard: stdEOL,
}

// eolCode is the catalogue code of an entry's sentence.
func eolCode(e *eol.Entry) string {
	return "eol." + strings.ReplaceAll(e.Product, " ", "_") + "." + e.Below
}

// The sentence of every entry of the table joins the catalogue, so that
// stored evidence renders in either language.
func init() {
	for i := range eol.Default().Entries {
		e := &eol.Default().Entries[i]
		audit.Messages[eolCode(e)] = e.What
	}
}

// EOL reports software whose stated version is past its end of life
// according to vigie's table (internal/eol).
var EOL = audit.CheckFunc("services.eol", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	each(o, func(a *audit.ServiceAddress, s *audit.Service) {
		for _, m := range lookupEOL(s) {
			out = append(out, defEOL.New(endpoint(a, s), audit.M("services.eol",
				"endpoint", endpoint(a, s), "identity", evidence.Quote(m.product+" "+m.version),
				"source", m.entry.Source).WithItems(audit.M(eolCode(m.entry)))))
		}
	})
	return out
}, defEOL)
