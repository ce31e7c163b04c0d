package report

import (
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
)

// maxMailLines bounds the lines of one list of the mail section (MX hosts,
// addresses, DKIM selectors) so that a hostile zone cannot flood the
// report.
const maxMailLines = 10

// mail prints what the mail probe saw: the MX hosts and STARTTLS on each
// address, then the presence of SPF, DMARC, DKIM, MTA-STS and TLS-RPT.
func (p *printer) mail(m *audit.MailObservation) {
	colon := p.tr(" : ", ": ")
	p.line("  " + p.tr("Messagerie", "Mail"))
	if mx := m.MX; mx != nil && mx.Error == "" {
		switch {
		case mx.Null:
			p.line("    MX" + colon + p.tr("null MX, le domaine ne reçoit pas de courrier (RFC 7505)", "null MX, the domain accepts no mail (RFC 7505)"))
		case len(mx.Records) == 0 && len(mx.Hosts) == 0:
			p.line("    MX" + colon + p.tr("aucun, et pas d'adresse pour un MX implicite", "none, and no address for an implicit MX"))
		}
		for i, h := range mx.Hosts {
			if h == nil {
				continue
			}
			if i == maxMailLines {
				p.line("    " + p.tr("et ", "and ") + strconv.Itoa(len(mx.Hosts)-i) + p.tr(" autres", " more"))
				break
			}
			name := "MX " + strconv.Itoa(int(h.Preference)) + " " + h.Name
			if mx.Implicit {
				name = p.tr("MX implicite ", "implicit MX ") + h.Name
			}
			addrs := append(append([]string(nil), h.IPv4...), h.IPv6...)
			if len(addrs) > 0 {
				name += " (" + strings.Join(capList(addrs), ", ") + ")"
			}
			switch {
			case h.AddressLiteral:
				p.line("    " + name + colon + p.tr("adresse IP au lieu d'un nom", "an IP address instead of a name"))
				continue
			case h.Error != "":
				p.line("    " + name + colon + p.tr("pas d'adresse", "no address"))
				continue
			}
			p.line("    " + name)
			for j, s := range h.SMTP {
				if s == nil || j == maxMailLines {
					break
				}
				p.line("      " + s.Address + colon + p.smtpState(s))
			}
		}
	}
	p.line("    SPF" + colon + p.records(m.SPF != nil && m.SPF.Error == "", spfRecords(m.SPF), func() string {
		if m.SPF.Lookups == 1 {
			return p.tr(" (1 requête DNS sur 10 permises)", " (1 DNS lookup of the 10 allowed)")
		}
		return " (" + strconv.Itoa(m.SPF.Lookups) + p.tr(" requêtes DNS sur 10 permises)", " DNS lookups of the 10 allowed)")
	}))
	if d := m.DMARC; d != nil && d.Error == "" {
		extra := func() string {
			if d.Fallback {
				return p.tr(" (domaine organisationnel ", " (organisational domain ") + d.OrgDomain + ")"
			}
			return ""
		}
		p.line("    DMARC" + colon + p.records(true, d.Records, extra))
	}
	if k := m.DKIM; k != nil {
		p.line("    DKIM" + colon + p.dkim(k))
	}
	if s := m.MTASTS; s != nil && s.Error == "" {
		extra := func() string {
			if s.Mode != "" {
				return p.tr(" ; politique : mode ", "; policy: mode ") + s.Mode
			}
			if s.FetchError != "" {
				return p.tr(" ; politique illisible", "; policy unreadable")
			}
			return ""
		}
		p.line("    MTA-STS" + colon + p.records(true, s.Records, extra))
	}
	if r := m.TLSRPT; r != nil && r.Error == "" {
		p.line("    TLS-RPT" + colon + p.records(true, r.Records, func() string { return "" }))
	}
}

// smtpState says what one SMTP session gave: unreachable, no STARTTLS,
// STARTTLS failed, or STARTTLS with the TLS versions accepted.
func (p *printer) smtpState(s *audit.SMTPObservation) string {
	switch {
	case s.Error != "":
		return p.tr("pas de session SMTP (", "no SMTP session (") + p.failure(s.Error) + ")"
	case s.BannerCode != 220:
		return p.tr("service refusé (code ", "service refused (code ") + strconv.Itoa(s.BannerCode) + ")"
	case s.EHLOCode != 250:
		return p.tr("EHLO refusé (code ", "EHLO refused (code ") + strconv.Itoa(s.EHLOCode) + ")"
	case !s.STARTTLS:
		return p.tr("pas de STARTTLS (courrier en clair)", "no STARTTLS (mail in clear text)")
	case s.STARTTLSCode != 220 || s.TLSError != "":
		return p.tr("STARTTLS proposé mais en échec", "STARTTLS offered but failing")
	}
	l := "STARTTLS"
	if s.TLS != nil {
		var versions []string
		for _, pr := range s.TLS.Protocols {
			if pr.Accepted {
				versions = append(versions, pr.Version)
			}
		}
		if len(versions) > 0 {
			l += " (" + strings.Join(versions, ", ") + ")"
		}
	}
	return l
}

// records prints the records found, or says there are none; extra adds
// details when there are.
func (p *printer) records(observed bool, records []string, extra func() string) string {
	switch {
	case !observed:
		return p.tr("non observé", "not observed")
	case len(records) == 0:
		return p.tr("absent", "missing")
	case len(records) > 1:
		return strconv.Itoa(len(records)) + p.tr(" enregistrements (un seul est permis)", " records (only one is allowed)")
	}
	r := records[0]
	if len([]rune(r)) > 120 {
		r = string([]rune(r)[:120]) + "…"
	}
	return p.tr("« "+r+" »", `"`+r+`"`) + extra()
}

func spfRecords(s *audit.SPFObservation) []string {
	if s == nil {
		return nil
	}
	return s.Records
}

// dkim lists the keys found, with their type and size, and the selectors
// the user gave that have none.
func (p *printer) dkim(k *audit.DKIMObservation) string {
	var found, missing []string
	for _, s := range k.Selectors {
		switch {
		case s.Found && s.Revoked:
			found = append(found, s.Selector+p.tr(" (révoquée)", " (revoked)"))
		case s.Found:
			f := s.Selector + " (" + s.KeyType
			if s.KeyBits > 0 {
				f += " " + strconv.Itoa(s.KeyBits) + " bits"
			}
			found = append(found, f+")")
		case s.Given:
			missing = append(missing, s.Selector)
		}
	}
	var parts []string
	if len(found) > 0 {
		word := p.tr("clés ", "keys ")
		if len(found) == 1 {
			word = p.tr("clé ", "key ")
		}
		parts = append(parts, word+strings.Join(capList(found), ", "))
	} else {
		parts = append(parts, p.tr("aucune clé trouvée", "no key found"))
	}
	if len(missing) > 0 {
		parts = append(parts, p.tr("sans clé : ", "no key: ")+strings.Join(capList(missing), ", "))
	}
	parts = append(parts, strconv.Itoa(len(k.Tried))+p.tr(" sélecteurs essayés", " selectors tried"))
	return strings.Join(parts, p.tr(" ; ", "; "))
}

// capList keeps the first maxMailLines items and says how many more.
func capList(items []string) []string {
	if len(items) <= maxMailLines {
		return items
	}
	return append(items[:maxMailLines:maxMailLines], "…+"+strconv.Itoa(len(items)-maxMailLines))
}

// mailErrors lists what the mail probe could not find out. The SMTP
// failures of an implicit MX are not among them: a domain without MX
// whose address does not answer SMTP receives no mail, which is an
// observation (see mail.mx.missing).
func (p *printer) mailErrors(m *audit.MailObservation) []string {
	if m == nil {
		return nil
	}
	if m.Error != "" {
		return []string{p.tr("Messagerie : ", "Mail: ") + p.failure(m.Error)}
	}
	var errs []string
	add := func(what, err string) {
		if err != "" && len(errs) < 2*maxMailLines {
			errs = append(errs, what+" : "+p.failure(err))
		}
	}
	if mx := m.MX; mx != nil {
		add("MX", mx.Error)
		for _, h := range mx.Hosts {
			if h == nil {
				continue
			}
			if !mx.Implicit {
				add("MX "+h.Name, h.Error)
				for _, s := range h.SMTP {
					if s != nil {
						add("SMTP "+s.Address, s.Error)
						add("SMTP "+s.Address+" TLS", s.TLSError)
					}
				}
			}
			if h.TLSA != nil {
				add("TLSA "+h.TLSA.Name, h.TLSA.Error)
			}
		}
	}
	if m.SPF != nil {
		add("SPF", m.SPF.Error)
	}
	if m.DMARC != nil {
		add("DMARC "+m.DMARC.Name, m.DMARC.Error)
	}
	if m.DKIM != nil {
		for _, s := range m.DKIM.Selectors {
			add("DKIM "+s.Name, s.Error)
		}
	}
	if m.MTASTS != nil {
		add("MTA-STS", m.MTASTS.Error)
	}
	if m.TLSRPT != nil {
		add("TLS-RPT "+m.TLSRPT.Name, m.TLSRPT.Error)
	}
	return errs
}
