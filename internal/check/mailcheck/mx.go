package mailcheck

import (
	"strconv"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var defMXMissing = &audit.Definition{
	ID:       "mail.mx.missing",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "Aucun MX ni « null MX » : le domaine ne dit pas s'il reçoit du courrier",
		EN: "No MX and no null MX: the domain does not say whether it receives mail",
	},
	Remediation: audit.Text{
		FR: "Publier les serveurs de messagerie du domaine (« example.fr. IN MX 10 mx1.example.fr. ») ou, si le domaine ne reçoit jamais de courrier, un null MX : « example.fr. IN MX 0 . », accompagné de « v=spf1 -all » et d'une politique DMARC « p=reject ».",
		EN: "Publish the domain's mail servers (\"example.org. IN MX 10 mx1.example.org.\") or, if the domain never receives mail, a null MX: \"example.org. IN MX 0 .\", together with \"v=spf1 -all\" and a DMARC policy \"p=reject\".",
	},
	Standard: "RFC 7505, Section 3; RFC 5321, Section 5.1",
}

var defMXCNAME = &audit.Definition{
	ID:       "mail.mx.cname",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "Un MX désigne un alias (CNAME)",
		EN: "An MX points to an alias (CNAME)",
	},
	Remediation: audit.Text{
		FR: "Faire pointer l'enregistrement MX directement vers le nom canonique du serveur (celui qui porte les enregistrements A/AAAA), par exemple « example.fr. IN MX 10 mx1.hebergeur.fr. » au lieu d'un alias.",
		EN: "Point the MX record directly at the server's canonical name (the one holding the A/AAAA records), for instance \"example.org. IN MX 10 mx1.provider.net.\" instead of an alias.",
	},
	Standard: "RFC 5321, Section 5.1; RFC 2181, Section 10.3",
}

var defMXLiteral = &audit.Definition{
	ID:       "mail.mx.literal",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "Un MX contient une adresse IP au lieu d'un nom d'hôte",
		EN: "An MX holds an IP address instead of a host name",
	},
	Remediation: audit.Text{
		FR: "Un MX doit désigner un nom d'hôte : créer « mx1.example.fr. IN A 192.0.2.25 » puis « example.fr. IN MX 10 mx1.example.fr. ». Les expéditeurs conformes ne livrent pas à une adresse écrite dans un MX.",
		EN: "An MX must name a host: create \"mx1.example.org. IN A 192.0.2.25\" then \"example.org. IN MX 10 mx1.example.org.\". Compliant senders do not deliver to an address written in an MX.",
	},
	Standard: "RFC 5321, Section 5.1; RFC 7505, Section 3",
}

// MX reports a domain that says nothing about mail, and MX records that
// point to an alias or an address literal (RFC 5321 section 5.1). A domain
// without MX says nothing about mail when it has no address either, or
// when no SMTP server answers at its address (the implicit MX of RFC 5321
// section 5.1): senders then retry for days before bouncing, where a null
// MX (RFC 7505 section 3) would make them fail at once.
var MX = audit.CheckFunc("mail.mx", func(o *audit.Observations) []audit.Finding {
	m := mail(o)
	if m == nil || m.MX == nil || m.MX.Error != "" {
		return nil
	}
	var out []audit.Finding
	if m.MX.Rcode == "NOERROR" && len(m.MX.Records) == 0 {
		switch hs := hosts(m); {
		case len(hs) == 0:
			out = append(out, defMXMissing.New(domainOf(o), audit.M("mail.mx.none")))
		case m.MX.Implicit && !smtpAnswered(m):
			out = append(out, defMXMissing.New(domainOf(o), audit.M("mail.mx.implicit_no_smtp").WithItems(smtpErrors(hs)...)))
		}
	}
	if m.MX.Implicit {
		return out
	}
	for _, h := range hosts(m) {
		if h.CNAME != "" {
			out = append(out, defMXCNAME.New(h.Name, audit.M("mail.mx.cname", "preference", strconv.Itoa(int(h.Preference)), "host", evidence.Quote(h.Name), "target", evidence.Quote(h.CNAME))))
		}
		if h.AddressLiteral {
			out = append(out, defMXLiteral.New(h.Name, audit.M("mail.mx.record", "preference", strconv.Itoa(int(h.Preference)), "host", evidence.Quote(h.Name))))
		}
	}
	return out
}, defMXMissing, defMXCNAME, defMXLiteral)

// smtpErrors lists why each SMTP session of hs failed ("192.0.2.1:25:
// connection refused"), or says that none was tried.
func smtpErrors(hs []*audit.MXHost) []audit.Message {
	var errs []audit.Message
	for _, h := range hs {
		if h.Error != "" {
			errs = append(errs, audit.Failure(h.Error))
		}
		for _, s := range h.SMTP {
			if s != nil && s.Error != "" {
				errs = append(errs, audit.Failure(s.Error))
			}
		}
	}
	if len(errs) == 0 {
		return []audit.Message{audit.M("mail.smtp.none")}
	}
	return evidence.Items(errs)
}
