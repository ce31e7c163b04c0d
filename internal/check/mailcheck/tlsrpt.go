package mailcheck

import "vigie.eu/vigie/internal/audit"

var defTLSRPTMissing = &audit.Definition{
	ID:       "mail.tlsrpt.missing",
	Severity: audit.Low,
	Title:    audit.Text{FR: "Pas d'enregistrement TLS-RPT : les échecs TLS des expéditeurs restent inconnus", EN: "No TLS-RPT record: senders' TLS failures stay unknown"},
	Remediation: audit.Text{
		FR: "Publier « _smtp._tls.example.fr. IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@example.fr\" » pour recevoir les rapports quotidiens des expéditeurs.",
		EN: "Publish _smtp._tls.example.org. IN TXT \"v=TLSRPTv1; rua=mailto:tlsrpt@example.org\" to receive the senders' daily reports.",
	},
	Standard: "RFC 8460, Section 3",
}

var defTLSRPTInvalid = &audit.Definition{
	ID:       "mail.tlsrpt.invalid",
	Severity: audit.Low,
	Title:    audit.Text{FR: "Enregistrement TLS-RPT invalide", EN: "Invalid TLS-RPT record"},
	Remediation: audit.Text{
		FR: "Un seul enregistrement, de la forme « v=TLSRPTv1; rua=mailto:tlsrpt@example.fr » (ou une URL https:), est attendu à _smtp._tls.",
		EN: "A single record of the form \"v=TLSRPTv1; rua=mailto:tlsrpt@example.org\" (or an https: URL) is expected at _smtp._tls.",
	},
	Standard: "RFC 8460, Section 3",
}

// TLSRPT judges the domain's SMTP TLS reporting record (RFC 8460).
var TLSRPT = audit.CheckFunc("mail.tlsrpt", func(o *audit.Observations) []audit.Finding {
	m := mail(o)
	if m == nil || m.TLSRPT == nil || m.TLSRPT.Error != "" || !receivesMail(m) {
		return nil
	}
	r := m.TLSRPT
	if len(r.Records) == 0 {
		return []audit.Finding{defTLSRPTMissing.New(domainOf(o), audit.M("mail.record.missing", "version", "v=TLSRPTv1", "name", r.Name))}
	}
	if len(r.Errors) > 0 {
		return []audit.Finding{defTLSRPTInvalid.New(r.Name, audit.M("mail.errors", "errors", quoted(r.Errors, "; ")))}
	}
	return nil
}, defTLSRPTMissing, defTLSRPTInvalid)
