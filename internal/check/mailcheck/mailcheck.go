// Package mailcheck judges what the mail probe saw of the audited domain:
// its MX hosts, STARTTLS and the TLS they speak, and the records that
// protect its mail (SPF, DMARC, DKIM, MTA-STS, TLS-RPT, DANE).
//
// Every check here is pure: it reads audit.Observations.Mail and returns
// findings, with the domain, an MX host or a DNS name as subject. Nothing
// is reported about what the probe could not observe (a DNS or connection
// error): those errors stay in the observations.
//
// The TLS of each MX host, seen through STARTTLS, is judged by the checks
// of tlscheck, whose findings are renamed under "mail.tls." (see TLS).
package mailcheck

import (
	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

// Checks lists every check of the package, in report order.
var Checks = []audit.Check{MX, SPF, DMARC, DKIM, STARTTLS, TLS, MTASTS, TLSRPT, DANE}

// mail returns the mail observation, or nil when the probe did not run or
// could not run at all.
func mail(o *audit.Observations) *audit.MailObservation {
	if o == nil || o.Mail == nil || o.Mail.Error != "" {
		return nil
	}
	return o.Mail
}

// receivesMail reports whether the domain has mail hosts to judge: MX
// records that are not the null MX, or an implicit MX (the domain's own
// address, RFC 5321 section 5.1) where an SMTP server answered. A domain
// without MX whose address does not answer SMTP receives no mail: MTA-STS,
// TLS-RPT and DANE do not apply to it, and mail.mx.missing says to publish
// a null MX (RFC 7505) instead.
func receivesMail(m *audit.MailObservation) bool {
	if m.MX == nil || m.MX.Error != "" || m.MX.Null || len(hosts(m)) == 0 {
		return false
	}
	return !m.MX.Implicit || smtpAnswered(m)
}

// sendsNoMail reports whether the domain declares that it sends no mail:
// its one SPF record is "v=spf1 -all" and nothing else (RFC 7208 section
// 5.1; the usual companion of a null MX, RFC 7505 section 4). DKIM keys
// are then not expected.
func sendsNoMail(m *audit.MailObservation) bool {
	if m.SPF == nil || len(m.SPF.Records) != 1 || m.SPF.Tree == nil {
		return false
	}
	terms := m.SPF.Tree.Terms
	return len(terms) == 1 && terms[0].Name == "all" && terms[0].Qualifier == "-"
}

// smtpAnswered reports whether an SMTP server greeted on some address of
// some mail host.
func smtpAnswered(m *audit.MailObservation) bool {
	for _, h := range hosts(m) {
		for _, s := range h.SMTP {
			if s != nil && s.BannerCode != 0 {
				return true
			}
		}
	}
	return false
}

// hosts returns the mail hosts of the observation, skipping the nil
// entries a hand-edited result may hold.
func hosts(m *audit.MailObservation) []*audit.MXHost {
	if m.MX == nil {
		return nil
	}
	var out []*audit.MXHost
	for _, h := range m.MX.Hosts {
		if h != nil {
			out = append(out, h)
		}
	}
	return out
}

// domainOf is the audited domain as findings name it.
func domainOf(o *audit.Observations) string { return o.Domain }

// quoted lists remote values (records, names, or messages that may hold
// them) for evidence: each quoted, at most evidence.MaxItems.
func quoted(items []string, sep string) string {
	return evidence.List(evidence.QuoteAll(items), sep)
}
