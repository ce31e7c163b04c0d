package mailcheck

import (
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
	"vigie.eu/vigie/internal/check/tlscheck"
)

var defSTARTTLSMissing = &audit.Definition{
	ID:       "mail.starttls.missing",
	Severity: audit.High,
	Title:    audit.Text{FR: "Le serveur MX ne propose pas STARTTLS : le courrier circule en clair", EN: "The MX server does not offer STARTTLS: mail travels in clear text"},
	Remediation: audit.Text{
		FR: "Activer TLS sur le port 25 avec un certificat valide pour le nom du MX ; Postfix : « smtpd_tls_security_level = may », « smtpd_tls_chain_files = /etc/ssl/private/mx.pem » ; Exim : « tls_advertise_hosts = * » et « tls_certificate ».",
		EN: "Enable TLS on port 25 with a certificate valid for the MX name; Postfix: \"smtpd_tls_security_level = may\", \"smtpd_tls_chain_files = /etc/ssl/private/mx.pem\"; Exim: \"tls_advertise_hosts = *\" and \"tls_certificate\".",
	},
	Standard: "RFC 3207; RFC 8314, Section 3",
}

var defSTARTTLSFailed = &audit.Definition{
	ID:       "mail.starttls.failed",
	Severity: audit.High,
	Title:    audit.Text{FR: "STARTTLS est proposé mais échoue", EN: "STARTTLS is offered but fails"},
	Remediation: audit.Text{
		FR: "Vérifier la configuration TLS du serveur (certificat et clé lisibles, protocoles TLS 1.2 et 1.3 activés) : les expéditeurs retombent en clair ou abandonnent la livraison.",
		EN: "Check the server's TLS configuration (readable certificate and key, TLS 1.2 and 1.3 enabled): senders fall back to clear text or give up delivery.",
	},
	Standard: "RFC 3207, Section 4",
}

// STARTTLS reports MX addresses that answered SMTP but offer no working
// STARTTLS (RFC 3207).
var STARTTLS = audit.CheckFunc("mail.starttls", func(o *audit.Observations) []audit.Finding {
	m := mail(o)
	if m == nil || !receivesMail(m) {
		return nil
	}
	var out []audit.Finding
	for _, h := range hosts(m) {
		var missing []string
		var failed []audit.Message
		for _, s := range h.SMTP {
			switch {
			case s == nil || s.Error != "" || s.EHLOCode != 250:
				// Not reached, refused service or no EHLO: cannot tell.
			case !s.STARTTLS:
				missing = append(missing, s.Address)
			case s.STARTTLSCode != 220:
				failed = append(failed, audit.M("mail.starttls.code", "address", s.Address, "code", strconv.Itoa(s.STARTTLSCode)))
			case s.TLSError != "":
				failed = append(failed, audit.M("mail.starttls.failed", "address", s.Address).WithItems(audit.Failure(s.TLSError)))
			}
		}
		if len(missing) > 0 {
			out = append(out, defSTARTTLSMissing.New(h.Name, audit.M("mail.starttls.missing", "addresses", evidence.List(missing, ", "))))
		}
		if len(failed) > 0 {
			out = append(out, defSTARTTLSFailed.New(h.Name, audit.M("list").WithItems(evidence.Items(failed)...)))
		}
	}
	return out
}, defSTARTTLSMissing, defSTARTTLSFailed)

// skippedTLS are the tlscheck findings that make no sense for SMTP
// between servers.
var skippedTLS = map[string]bool{
	"tls.kex.no_post_quantum": true, // informative on the web; noise for MX hosts today
}

// tlsDefinitions are tlscheck's definitions renamed under "mail.tls.",
// with a Postfix hint. Certificate problems are capped at medium: SMTP
// between servers is opportunistic (RFC 7435) unless MTA-STS or DANE
// asks senders to verify, and the MTA-STS and DANE checks say so then.
var tlsDefinitions, tlsByID = func() ([]*audit.Definition, map[string]*audit.Definition) {
	var defs []*audit.Definition
	byID := map[string]*audit.Definition{}
	for _, c := range tlscheck.Checks {
		for _, d := range c.Definitions() {
			if skippedTLS[d.ID] {
				continue
			}
			m := *d
			m.ID = "mail." + d.ID
			m.Title = audit.Text{FR: "MX : " + d.Title.FR, EN: "MX: " + d.Title.EN}
			if strings.HasPrefix(d.ID, "tls.cert.") && m.Severity > audit.Medium {
				m.Severity = audit.Medium
			}
			if strings.HasPrefix(d.ID, "tls.protocol.") || strings.HasPrefix(d.ID, "tls.cipher.") {
				m.Remediation = audit.Text{
					FR: d.Remediation.FR + " Pour Postfix : « smtpd_tls_protocols = >=TLSv1.2 », « smtpd_tls_mandatory_protocols = >=TLSv1.2 », « tls_medium_cipherlist » restreinte aux suites ECDHE avec AES-GCM ou ChaCha20.",
					EN: d.Remediation.EN + " For Postfix: \"smtpd_tls_protocols = >=TLSv1.2\", \"smtpd_tls_mandatory_protocols = >=TLSv1.2\", \"tls_medium_cipherlist\" restricted to ECDHE suites with AES-GCM or ChaCha20.",
				}
			}
			m.Standard = d.Standard + "; RFC 3207"
			defs = append(defs, &m)
			byID[d.ID] = &m
		}
	}
	return defs, byID
}()

// TLS judges the TLS each MX address speaks through STARTTLS with the
// checks of tlscheck, and renames their findings under "mail.tls." so that
// the web's and the mail's TLS are scored apart. The subject is the MX
// host name; identical findings of several addresses of one host are
// reported once.
var TLS = audit.CheckFunc("mail.tls", func(o *audit.Observations) []audit.Finding {
	m := mail(o)
	if m == nil || !receivesMail(m) {
		return nil
	}
	sub := &audit.Observations{Domain: o.Domain, Time: o.Time}
	for _, h := range hosts(m) {
		for _, s := range h.SMTP {
			if s != nil && s.TLS != nil {
				sub.TLS = append(sub.TLS, s.TLS)
			}
		}
	}
	if len(sub.TLS) == 0 {
		return nil
	}
	var out []audit.Finding
	seen := map[string]bool{}
	for _, c := range tlscheck.Checks {
		for _, f := range c.Run(sub) {
			d := tlsByID[f.ID]
			if d == nil {
				continue
			}
			key := f.ID + "\x00" + f.Subject + "\x00" + f.Evidence
			if seen[key] {
				continue
			}
			seen[key] = true
			out = append(out, d.New(f.Subject, *f.EvidenceMessage))
		}
	}
	return out
}, tlsDefinitions...)
