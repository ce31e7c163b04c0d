package mailcheck

import (
	"strconv"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

const dmarcExample = "« _dmarc.example.fr. IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@example.fr\" »"
const dmarcExampleEN = "_dmarc.example.org. IN TXT \"v=DMARC1; p=reject; rua=mailto:dmarc@example.org\""

var defDMARCMissing = &audit.Definition{
	ID:       "mail.dmarc.missing",
	Severity: audit.High,
	Title:    audit.Text{FR: "Aucune politique DMARC : l'usurpation du domaine n'est pas bloquée", EN: "No DMARC policy: spoofing of the domain is not blocked"},
	Remediation: audit.Text{
		FR: "Publier une politique DMARC, d'abord en observation (« p=none » avec une adresse rua pour recevoir les rapports), puis « p=quarantine » et enfin « p=reject » : " + dmarcExample + ".",
		EN: "Publish a DMARC policy, first to observe (\"p=none\" with a rua address to get the reports), then \"p=quarantine\" and finally \"p=reject\": " + dmarcExampleEN + ".",
	},
	Standard: "RFC 7489, Sections 6.1 and 6.6.3",
}

var defDMARCMultiple = &audit.Definition{
	ID:       "mail.dmarc.multiple",
	Severity: audit.High,
	Title:    audit.Text{FR: "Plusieurs enregistrements DMARC : aucune politique ne s'applique", EN: "Several DMARC records: no policy applies"},
	Remediation: audit.Text{
		FR: "Ne garder qu'un seul enregistrement « v=DMARC1 » à « _dmarc » : " + dmarcExample + ".",
		EN: "Keep a single \"v=DMARC1\" record at \"_dmarc\": " + dmarcExampleEN + ".",
	},
	Standard: "RFC 7489, Section 6.6.3",
}

var defDMARCSyntax = &audit.Definition{
	ID:       "mail.dmarc.syntax",
	Severity: audit.Medium,
	Title:    audit.Text{FR: "Erreur de syntaxe dans l'enregistrement DMARC", EN: "Syntax error in the DMARC record"},
	Remediation: audit.Text{
		FR: "Corriger les balises signalées : l'enregistrement commence par « v=DMARC1; », p et sp valent none, quarantine ou reject, pct un entier de 0 à 100, rua et ruf des URI « mailto: ».",
		EN: "Fix the reported tags: the record starts with \"v=DMARC1;\", p and sp are none, quarantine or reject, pct an integer from 0 to 100, rua and ruf \"mailto:\" URIs.",
	},
	Standard: "RFC 7489, Section 6.4",
}

var defDMARCPNone = &audit.Definition{
	ID:       "mail.dmarc.p_none",
	Severity: audit.Medium,
	Title:    audit.Text{FR: "DMARC en observation seulement (p=none)", EN: "DMARC in monitoring mode only (p=none)"},
	Remediation: audit.Text{
		FR: "Après avoir vérifié dans les rapports agrégés que le courrier légitime est authentifié, passer à « p=quarantine » puis à « p=reject ».",
		EN: "Once the aggregate reports show that legitimate mail is authenticated, move to \"p=quarantine\" then \"p=reject\".",
	},
	Standard: "RFC 7489, Section 6.3",
}

var defDMARCSPWeaker = &audit.Definition{
	ID:       "mail.dmarc.sp_weaker",
	Severity: audit.Medium,
	Title:    audit.Text{FR: "La politique DMARC des sous-domaines (sp) est plus faible que celle du domaine", EN: "The DMARC subdomain policy (sp) is weaker than the domain's"},
	Remediation: audit.Text{
		FR: "Retirer « sp= » (les sous-domaines héritent alors de « p ») ou lui donner la même valeur que « p », par exemple « p=reject; sp=reject ».",
		EN: "Remove \"sp=\" (subdomains then inherit \"p\") or give it the same value as \"p\", for instance \"p=reject; sp=reject\".",
	},
	Standard: "RFC 7489, Section 6.3",
}

var defDMARCPct = &audit.Definition{
	ID:       "mail.dmarc.pct",
	Severity: audit.Low,
	Title:    audit.Text{FR: "La politique DMARC ne s'applique qu'à une partie du courrier (pct < 100)", EN: "The DMARC policy applies to part of the mail only (pct < 100)"},
	Remediation: audit.Text{
		FR: "Une fois le déploiement terminé, retirer « pct= » ou le fixer à 100.",
		EN: "Once the roll-out is complete, remove \"pct=\" or set it to 100.",
	},
	Standard: "RFC 7489, Section 6.3",
}

var defDMARCNoRUA = &audit.Definition{
	ID:       "mail.dmarc.no_rua",
	Severity: audit.Low,
	Title:    audit.Text{FR: "DMARC sans adresse de rapports agrégés (rua)", EN: "DMARC without an aggregate report address (rua)"},
	Remediation: audit.Text{
		FR: "Ajouter « rua=mailto:dmarc@example.fr » pour recevoir les rapports agrégés et voir qui envoie au nom du domaine.",
		EN: "Add \"rua=mailto:dmarc@example.org\" to receive aggregate reports and see who sends mail in the domain's name.",
	},
	Standard: "RFC 7489, Sections 6.3 and 7.2",
}

var defDMARCRUAUnauthorised = &audit.Definition{
	ID:       "mail.dmarc.rua_unauthorised",
	Severity: audit.Low,
	Title:    audit.Text{FR: "Une adresse de rapports DMARC externe n'a pas autorisé la réception", EN: "An external DMARC report address has not authorised reception"},
	Remediation: audit.Text{
		FR: "Le domaine destinataire doit publier « example.fr._report._dmarc.destinataire.fr. IN TXT \"v=DMARC1\" » ; sans lui, les rapports ne lui sont pas envoyés.",
		EN: "The receiving domain must publish example.org._report._dmarc.receiver.net. IN TXT \"v=DMARC1\"; without it, reports are not sent there.",
	},
	Standard: "RFC 7489, Section 7.1",
}

// policyRank orders DMARC policies from the weakest.
func policyRank(p string) int {
	switch p {
	case "none":
		return 0
	case "quarantine":
		return 1
	case "reject":
		return 2
	}
	return -1
}

// DMARC judges the DMARC policy that applies to the domain (RFC 7489).
var DMARC = audit.CheckFunc("mail.dmarc", func(o *audit.Observations) []audit.Finding {
	m := mail(o)
	if m == nil || m.DMARC == nil || m.DMARC.Error != "" {
		return nil
	}
	dm, d := m.DMARC, domainOf(o)
	switch len(dm.Records) {
	case 0:
		ev := audit.M("mail.record.missing", "version", "v=DMARC1", "name", "_dmarc."+d)
		if dm.Fallback {
			ev = audit.M("mail.dmarc.missing_fallback", "name", "_dmarc."+d, "fallback", dm.Name)
		}
		return []audit.Finding{defDMARCMissing.New(d, ev)}
	case 1:
	default:
		return []audit.Finding{defDMARCMultiple.New(dm.Name, audit.M("mail.records", "records", quoted(dm.Records, ", ")))}
	}
	var out []audit.Finding
	if len(dm.Errors) > 0 {
		out = append(out, defDMARCSyntax.New(dm.Name, audit.M("mail.errors", "errors", quoted(dm.Errors, "; "))))
	}
	// The policy for the audited domain: sp when it came from the
	// organisational domain (RFC 7489 section 6.6.3), p otherwise.
	policy := dm.Policy
	if dm.Fallback && dm.SubdomainPolicy != "" {
		policy = dm.SubdomainPolicy
	}
	switch {
	case policy != "none":
	case dm.Fallback && dm.SubdomainPolicy != "":
		out = append(out, defDMARCPNone.New(dm.Name, audit.M("mail.dmarc.sp_none", "record", evidence.Quote(dm.Records[0]))))
	default:
		out = append(out, defDMARCPNone.New(dm.Name, audit.M("mail.dmarc.p_none", "record", evidence.Quote(dm.Records[0]))))
	}
	if !dm.Fallback && dm.SubdomainPolicy != "" && policyRank(dm.SubdomainPolicy) >= 0 && policyRank(dm.SubdomainPolicy) < policyRank(dm.Policy) {
		out = append(out, defDMARCSPWeaker.New(dm.Name, audit.M("mail.dmarc.policies", "p", dm.Policy, "sp", dm.SubdomainPolicy)))
	}
	if dm.Percent != nil && *dm.Percent < 100 && policy != "none" {
		out = append(out, defDMARCPct.New(dm.Name, audit.M("mail.tag", "tag", "pct", "value", strconv.Itoa(*dm.Percent))))
	}
	if len(dm.RUA) == 0 {
		out = append(out, defDMARCNoRUA.New(dm.Name, audit.M("mail.dmarc.no_rua")))
	}
	var unauth []audit.Message
	for _, list := range [][]audit.DMARCReportAddress{dm.RUA, dm.RUF} {
		for _, a := range list {
			if a.External && a.Authorized != nil && !*a.Authorized {
				unauth = append(unauth, audit.M("mail.dmarc.unauthorised", "uri", evidence.Quote(a.URI), "name", evidence.Quote(a.AuthName)))
			}
		}
	}
	if len(unauth) > 0 {
		out = append(out, defDMARCRUAUnauthorised.New(dm.Name, audit.M("mail.dmarc.not_authorised").WithItems(evidence.Items(unauth)...)))
	}
	return out
}, defDMARCMissing, defDMARCMultiple, defDMARCSyntax, defDMARCPNone, defDMARCSPWeaker, defDMARCPct, defDMARCNoRUA, defDMARCRUAUnauthorised)
