package mailcheck

import (
	"strconv"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var defDANEUnsigned = &audit.Definition{
	ID:       "mail.dane.unsigned",
	Severity: audit.Info,
	Title:    audit.Text{FR: "Pas de DANE pour le MX : sa zone n'est pas signée (DNSSEC)", EN: "No DANE for the MX: its zone is not signed (DNSSEC)"},
	Remediation: audit.Text{
		FR: "DANE demande DNSSEC : signer la zone du MX, puis publier un enregistrement TLSA « _25._tcp.mx1.example.fr. IN TLSA 3 1 1 <SHA-256 de la clé publique> ».",
		EN: "DANE needs DNSSEC: sign the MX's zone, then publish a TLSA record _25._tcp.mx1.example.org. IN TLSA 3 1 1 <SHA-256 of the public key>.",
	},
	Standard: "RFC 7672, Section 2.2; RFC 6698",
}

var defDANEMissing = &audit.Definition{
	ID:       "mail.dane.missing",
	Severity: audit.Low,
	Title:    audit.Text{FR: "Zone signée mais pas d'enregistrement TLSA (DANE) pour le MX", EN: "Signed zone but no TLSA record (DANE) for the MX"},
	Remediation: audit.Text{
		FR: "Publier « _25._tcp.mx1.example.fr. IN TLSA 3 1 1 <SHA-256 de la clé publique du certificat> » (par exemple avec « openssl x509 -pubkey | openssl pkey -pubin -outform DER | sha256sum ») et le mettre à jour avant chaque changement de clé.",
		EN: "Publish _25._tcp.mx1.example.org. IN TLSA 3 1 1 <SHA-256 of the certificate's public key> (for instance with \"openssl x509 -pubkey | openssl pkey -pubin -outform DER | sha256sum\") and update it before every key change.",
	},
	Standard: "RFC 7672, Section 3.1; RFC 6698",
}

var defDANEMismatch = &audit.Definition{
	ID:       "mail.dane.mismatch",
	Severity: audit.High,
	Title:    audit.Text{FR: "Aucun enregistrement TLSA ne correspond au certificat du MX", EN: "No TLSA record matches the MX's certificate"},
	Remediation: audit.Text{
		FR: "Les expéditeurs DANE refusent de livrer : publier le TLSA de la clé actuelle (« 3 1 1 <SHA-256 de la clé publique> »), en gardant l'ancien le temps du TTL lors des rotations.",
		EN: "DANE senders refuse to deliver: publish the TLSA of the current key (\"3 1 1 <SHA-256 of the public key>\"), keeping the old one for a TTL during rotations.",
	},
	Standard: "RFC 7672, Section 3.1; RFC 6698, Section 2.1",
}

var defDANEInsecure = &audit.Definition{
	ID:       "mail.dane.insecure",
	Severity: audit.Medium,
	Title:    audit.Text{FR: "Enregistrements TLSA non validés par DNSSEC : ils sont ignorés", EN: "TLSA records not validated by DNSSEC: they are ignored"},
	Remediation: audit.Text{
		FR: "Signer la zone du MX avec DNSSEC et publier son DS dans la zone parente (ou corriger les signatures invalides) : sans validation, les expéditeurs ignorent les TLSA.",
		EN: "Sign the MX's zone with DNSSEC and publish its DS in the parent zone (or fix the invalid signatures): without validation, senders ignore TLSA records.",
	},
	Standard: "RFC 7672, Section 2.2; RFC 6698, Section 4.1",
}

var defDANEUnusable = &audit.Definition{
	ID:       "mail.dane.unusable",
	Severity: audit.Medium,
	Title:    audit.Text{FR: "Enregistrements TLSA inutilisables pour SMTP", EN: "TLSA records unusable for SMTP"},
	Remediation: audit.Text{
		FR: "Pour SMTP, utiliser l'usage 3 (DANE-EE) ou 2 (DANE-TA), sélecteur 1 et correspondance 1 : « 3 1 1 <SHA-256> » ; les usages 0 et 1 (PKIX) ne sont pas pris en compte.",
		EN: "For SMTP, use usage 3 (DANE-EE) or 2 (DANE-TA), selector 1 and matching type 1: \"3 1 1 <SHA-256>\"; usages 0 and 1 (PKIX) are not taken into account.",
	},
	Standard: "RFC 7672, Section 3.1.3",
}

// DANE judges the TLSA records of each MX host against their DNSSEC
// status and the certificates the host presented (RFC 7672, RFC 6698).
var DANE = audit.CheckFunc("mail.dane", func(o *audit.Observations) []audit.Finding {
	m := mail(o)
	if m == nil || !receivesMail(m) {
		return nil
	}
	var out []audit.Finding
	for _, h := range hosts(m) {
		t := h.TLSA
		if t == nil || t.Error != "" {
			continue
		}
		if len(t.Records) == 0 {
			switch t.DNSSEC {
			case audit.DNSSECSecure:
				out = append(out, defDANEMissing.New(h.Name, audit.M("mail.dane.none_secure", "name", evidence.Quote(t.Name))))
			case audit.DNSSECInsecure:
				out = append(out, defDANEUnsigned.New(h.Name, audit.M("mail.dane.none_insecure", "name", evidence.Quote(t.Name), "reason", evidence.Quote(t.DNSSECReason))))
			}
			continue
		}
		if t.DNSSEC != audit.DNSSECSecure {
			out = append(out, defDANEInsecure.New(h.Name, audit.M("mail.dane.unsigned", "count", strconv.Itoa(len(t.Records)), "name", evidence.Quote(t.Name), "status", t.DNSSEC, "reason", evidence.Quote(t.DNSSECReason))))
			continue
		}
		// RFC 7672 section 3.1.3: usages 0 and 1 are not used for SMTP.
		var usable, comparable []audit.TLSARecord
		for _, r := range t.Records {
			if r.Usage != 2 && r.Usage != 3 || r.Selector > 1 || r.MatchingType > 2 {
				continue
			}
			usable = append(usable, r)
			if r.MatchingType != 0 {
				comparable = append(comparable, r)
			}
		}
		if len(usable) == 0 {
			out = append(out, defDANEUnusable.New(h.Name, audit.M("mail.dane.unusable", "count", strconv.Itoa(len(t.Records)), "name", evidence.Quote(t.Name))))
			continue
		}
		if len(comparable) < len(usable) {
			continue // a full-data record (matching type 0) is not compared
		}
		var mismatched []string
		for _, s := range h.SMTP {
			if s == nil || len(s.Chain) == 0 {
				continue
			}
			if !anyMatch(comparable, s.Chain) {
				mismatched = append(mismatched, s.Address)
			}
		}
		if len(mismatched) > 0 {
			out = append(out, defDANEMismatch.New(h.Name, audit.M("mail.dane.mismatch", "name", evidence.Quote(t.Name), "addresses", evidence.List(mismatched, ", "))))
		}
	}
	return out
}, defDANEUnsigned, defDANEMissing, defDANEMismatch, defDANEInsecure, defDANEUnusable)

// anyMatch says whether one record matches the chain: DANE-EE (3) the
// leaf, DANE-TA (2) a certificate above it (RFC 7672 section 3.1).
func anyMatch(records []audit.TLSARecord, chain []audit.DANEDigests) bool {
	for _, r := range records {
		certs := chain[:1]
		if r.Usage == 2 {
			certs = chain[1:]
		}
		for _, c := range certs {
			if r.Data == digest(c, r.Selector, r.MatchingType) {
				return true
			}
		}
	}
	return false
}

// digest picks the digest a record of this selector and matching type
// compares (RFC 6698 sections 2.1.2 and 2.1.3).
func digest(c audit.DANEDigests, selector, matching uint8) string {
	switch {
	case selector == 0 && matching == 1:
		return c.CertSHA256
	case selector == 0 && matching == 2:
		return c.CertSHA512
	case selector == 1 && matching == 1:
		return c.SPKISHA256
	case selector == 1 && matching == 2:
		return c.SPKISHA512
	}
	return ""
}
