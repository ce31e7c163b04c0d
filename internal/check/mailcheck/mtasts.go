package mailcheck

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var defMTASTSMissing = &audit.Definition{
	ID:       "mail.mtasts.missing",
	Severity: audit.Low,
	Title:    audit.Text{FR: "Pas de politique MTA-STS : TLS vers les MX peut être retiré par un attaquant", EN: "No MTA-STS policy: TLS to the MX hosts can be stripped by an attacker"},
	Remediation: audit.Text{
		FR: "Servir https://mta-sts.example.fr/.well-known/mta-sts.txt (« version: STSv1 », « mode: enforce », « mx: mx1.example.fr », « max_age: 604800 ») avec un certificat valide, puis publier « _mta-sts.example.fr. IN TXT \"v=STSv1; id=20250101\" ». Commencer en « mode: testing » avec TLS-RPT.",
		EN: "Serve https://mta-sts.example.org/.well-known/mta-sts.txt (\"version: STSv1\", \"mode: enforce\", \"mx: mx1.example.org\", \"max_age: 604800\") with a valid certificate, then publish _mta-sts.example.org. IN TXT \"v=STSv1; id=20250101\". Start with \"mode: testing\" and TLS-RPT.",
	},
	Standard: "RFC 8461, Sections 3.1 to 3.3",
}

var defMTASTSTesting = &audit.Definition{
	ID:       "mail.mtasts.testing",
	Severity: audit.Low,
	Title:    audit.Text{FR: "MTA-STS en mode test : rien n'est imposé", EN: "MTA-STS in testing mode: nothing is enforced"},
	Remediation: audit.Text{
		FR: "Après quelques semaines de rapports TLS-RPT sans échec, passer à « mode: enforce » et changer l'« id » de l'enregistrement _mta-sts.",
		EN: "After a few weeks of TLS-RPT reports without failures, switch to \"mode: enforce\" and change the \"id\" of the _mta-sts record.",
	},
	Standard: "RFC 8461, Section 5",
}

var defMTASTSPolicyInvalid = &audit.Definition{
	ID:       "mail.mtasts.policy_invalid",
	Severity: audit.Medium,
	Title:    audit.Text{FR: "Politique MTA-STS inaccessible ou invalide", EN: "MTA-STS policy unreachable or invalid"},
	Remediation: audit.Text{
		FR: "Servir la politique en HTTPS (certificat valide pour mta-sts.example.fr, réponse 200 sans redirection, « Content-Type: text/plain ») avec les champs version, mode, mx et max_age ; l'enregistrement _mta-sts doit être unique et valide (« v=STSv1; id=... »).",
		EN: "Serve the policy over HTTPS (a certificate valid for mta-sts.example.org, a 200 answer without redirect, \"Content-Type: text/plain\") with the version, mode, mx and max_age fields; the _mta-sts record must be unique and valid (\"v=STSv1; id=...\").",
	},
	Standard: "RFC 8461, Sections 3.1 to 3.3",
}

var defMTASTSMXNotCovered = &audit.Definition{
	ID:       "mail.mtasts.mx_not_covered",
	Severity: audit.High,
	Title:    audit.Text{FR: "Un MX n'est pas couvert par la politique MTA-STS", EN: "An MX is not covered by the MTA-STS policy"},
	Remediation: audit.Text{
		FR: "Ajouter une ligne « mx: » pour chaque serveur MX (ou un motif « mx: *.example.fr ») et changer l'« id » de l'enregistrement _mta-sts ; en mode enforce, les expéditeurs refusent de livrer à un MX non couvert.",
		EN: "Add an \"mx:\" line for each MX server (or a pattern \"mx: *.example.org\") and change the \"id\" of the _mta-sts record; in enforce mode, senders refuse to deliver to an MX that is not covered.",
	},
	Standard: "RFC 8461, Section 4.1",
}

// MTASTS judges the domain's MTA-STS record and policy (RFC 8461).
var MTASTS = audit.CheckFunc("mail.mtasts", func(o *audit.Observations) []audit.Finding {
	m := mail(o)
	if m == nil || m.MTASTS == nil || m.MTASTS.Error != "" || !receivesMail(m) {
		return nil
	}
	s, d := m.MTASTS, domainOf(o)
	if len(s.Records) == 0 {
		return []audit.Finding{defMTASTSMissing.New(d, audit.M("mail.record.missing", "version", "v=STSv1", "name", "_mta-sts."+d))}
	}
	var problems []string
	problems = append(problems, s.RecordErrors...)
	if s.FetchError != "" {
		problems = append(problems, s.FetchError)
	}
	problems = append(problems, s.PolicyErrors...)
	var out []audit.Finding
	if len(problems) > 0 {
		out = append(out, defMTASTSPolicyInvalid.New(d, audit.M("mail.errors", "errors", quoted(problems, "; "))))
	}
	if s.FetchError != "" || s.Policy == "" {
		return out
	}
	if s.Mode == "testing" {
		out = append(out, defMTASTSTesting.New(d, audit.M("mail.mtasts.testing")))
	}
	if s.Mode == "enforce" || s.Mode == "testing" {
		for _, h := range hosts(m) {
			if m.MX.Implicit || h.AddressLiteral {
				continue
			}
			if !covered(h.Name, s.MX) {
				out = append(out, defMTASTSMXNotCovered.New(h.Name, audit.M("mail.mtasts.not_covered", "host", evidence.Quote(h.Name), "mx", quoted(s.MX, ", "), "mode", s.Mode)))
			}
		}
	}
	return out
}, defMTASTSMissing, defMTASTSTesting, defMTASTSPolicyInvalid, defMTASTSMXNotCovered)

// covered says whether host matches one of the policy's mx patterns (RFC
// 8461 section 4.1: "*." matches exactly one leftmost label).
func covered(host string, patterns []string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, p := range patterns {
		p = strings.ToLower(strings.TrimSuffix(p, "."))
		if rest, ok := strings.CutPrefix(p, "*."); ok {
			if i := strings.IndexByte(host, '.'); i > 0 && host[i+1:] == rest {
				return true
			}
			continue
		}
		if p == host {
			return true
		}
	}
	return false
}
