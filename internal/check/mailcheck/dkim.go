package mailcheck

import (
	"slices"
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var defDKIMNotFound = &audit.Definition{
	ID:       "mail.dkim.not_found",
	Severity: audit.Info,
	Title:    audit.Text{FR: "Aucune clé DKIM trouvée parmi les sélecteurs courants", EN: "No DKIM key found among common selectors"},
	Remediation: audit.Text{
		FR: "Les sélecteurs DKIM ne se listent pas : relancer l'audit avec « --dkim-selector NOM » (le « s= » d'un en-tête DKIM-Signature reçu). S'il n'y en a pas, activer la signature DKIM chez l'hébergeur de messagerie et publier la clé : « sel._domainkey.example.fr. IN TXT \"v=DKIM1; k=rsa; p=...\" ».",
		EN: "DKIM selectors cannot be listed: run the audit again with \"--dkim-selector NAME\" (the \"s=\" of a received DKIM-Signature header). If there is none, enable DKIM signing at the mail provider and publish the key: sel._domainkey.example.org. IN TXT \"v=DKIM1; k=rsa; p=...\".",
	},
	Standard: "RFC 6376, Section 3.6.2",
}

var defDKIMSelectorMissing = &audit.Definition{
	ID:       "mail.dkim.selector_missing",
	Severity: audit.Medium,
	Title:    audit.Text{FR: "Le sélecteur DKIM indiqué n'a pas de clé publiée", EN: "The given DKIM selector has no published key"},
	Remediation: audit.Text{
		FR: "Publier la clé publique du sélecteur (« sel._domainkey.example.fr. IN TXT \"v=DKIM1; k=rsa; p=...\" ») : sans elle, les signatures DKIM de ce sélecteur échouent.",
		EN: "Publish the selector's public key (sel._domainkey.example.org. IN TXT \"v=DKIM1; k=rsa; p=...\"): without it, DKIM signatures with this selector fail.",
	},
	Standard: "RFC 6376, Sections 3.6.2 and 6.1.2",
}

var defDKIMWeakKey = &audit.Definition{
	ID:       "mail.dkim.weak_key",
	Severity: audit.High,
	Title:    audit.Text{FR: "Clé DKIM RSA de moins de 1024 bits", EN: "DKIM RSA key under 1024 bits"},
	Remediation: audit.Text{
		FR: "Générer une nouvelle clé RSA de 2048 bits (ou Ed25519 en complément), la publier sous un nouveau sélecteur, signer avec elle, puis révoquer l'ancienne (« p= » vide).",
		EN: "Generate a new 2048-bit RSA key (or Ed25519 alongside), publish it under a new selector, sign with it, then revoke the old one (empty \"p=\").",
	},
	Standard: "RFC 8301, Section 3.2",
}

var defDKIMShortKey = &audit.Definition{
	ID:       "mail.dkim.short_key",
	Severity: audit.Low,
	Title:    audit.Text{FR: "Clé DKIM RSA de moins de 2048 bits", EN: "DKIM RSA key under 2048 bits"},
	Remediation: audit.Text{
		FR: "Passer à une clé RSA de 2048 bits sous un nouveau sélecteur (la valeur « p= » tient en plusieurs chaînes de 255 caractères dans le TXT).",
		EN: "Move to a 2048-bit RSA key under a new selector (the \"p=\" value fits in several 255-character strings of the TXT record).",
	},
	Standard: "RFC 8301, Section 3.2",
}

var defDKIMTestMode = &audit.Definition{
	ID:       "mail.dkim.test_mode",
	Severity: audit.Low,
	Title:    audit.Text{FR: "Clé DKIM en mode test (t=y)", EN: "DKIM key in test mode (t=y)"},
	Remediation: audit.Text{
		FR: "Retirer « t=y » de l'enregistrement une fois la signature vérifiée : en mode test, les vérificateurs peuvent ignorer l'échec d'une signature.",
		EN: "Remove \"t=y\" from the record once signing works: in test mode, verifiers may disregard a failed signature.",
	},
	Standard: "RFC 6376, Section 3.6.1",
}

var defDKIMRevoked = &audit.Definition{
	ID:       "mail.dkim.revoked",
	Severity: audit.Info,
	Title:    audit.Text{FR: "Clé DKIM révoquée (p= vide)", EN: "Revoked DKIM key (empty p=)"},
	Remediation: audit.Text{
		FR: "Normal après une rotation ; vérifier qu'aucun serveur ne signe plus avec ce sélecteur, sinon publier une nouvelle clé.",
		EN: "Normal after a rotation; check that no server still signs with this selector, or publish a new key.",
	},
	Standard: "RFC 6376, Section 3.6.1",
}

var defDKIMSHA1 = &audit.Definition{
	ID:       "mail.dkim.sha1",
	Severity: audit.Low,
	Title:    audit.Text{FR: "La clé DKIM accepte SHA-1 (h=sha1)", EN: "The DKIM key accepts SHA-1 (h=sha1)"},
	Remediation: audit.Text{
		FR: "Retirer « h=sha1 » (ou écrire « h=sha256 ») et signer en rsa-sha256 : SHA-1 ne doit plus être utilisé pour signer.",
		EN: "Remove \"h=sha1\" (or write \"h=sha256\") and sign with rsa-sha256: SHA-1 must no longer be used for signing.",
	},
	Standard: "RFC 8301, Section 3.1",
}

var defDKIMSyntax = &audit.Definition{
	ID:       "mail.dkim.syntax",
	Severity: audit.Medium,
	Title:    audit.Text{FR: "Enregistrement de clé DKIM invalide", EN: "Invalid DKIM key record"},
	Remediation: audit.Text{
		FR: "Corriger l'enregistrement : « v=DKIM1; k=rsa; p=<clé publique en base64> », sans espace parasite ni guillemet dans la clé.",
		EN: "Fix the record: \"v=DKIM1; k=rsa; p=<base64 public key>\", with no stray space or quote in the key.",
	},
	Standard: "RFC 6376, Section 3.6.1",
}

// DKIM judges the DKIM keys found for the given and common selectors
// (RFC 6376, RFC 8301). A missing key is not reported for a domain whose
// SPF record says it sends no mail.
var DKIM = audit.CheckFunc("mail.dkim", func(o *audit.Observations) []audit.Finding {
	m := mail(o)
	if m == nil || m.DKIM == nil {
		return nil
	}
	var out []audit.Finding
	found, given, failed := false, false, false
	for _, s := range m.DKIM.Selectors {
		given = given || s.Given
		failed = failed || s.Error != ""
		if !s.Found {
			if s.Given && s.Error == "" && !sendsNoMail(m) {
				out = append(out, defDKIMSelectorMissing.New(s.Name, audit.M("mail.dkim.no_key", "rcode", s.Rcode)))
			}
			continue
		}
		found = true
		if len(s.Errors) > 0 {
			out = append(out, defDKIMSyntax.New(s.Name, audit.M("mail.errors", "errors", quoted(s.Errors, "; "))))
		}
		if s.Revoked {
			out = append(out, defDKIMRevoked.New(s.Name, audit.M("mail.dkim.revoked")))
			continue
		}
		if s.KeyType == "rsa" && s.KeyBits > 0 {
			switch {
			case s.KeyBits < 1024:
				out = append(out, defDKIMWeakKey.New(s.Name, audit.M("mail.dkim.rsa_bits", "bits", strconv.Itoa(s.KeyBits))))
			case s.KeyBits < 2048:
				out = append(out, defDKIMShortKey.New(s.Name, audit.M("mail.dkim.rsa_bits", "bits", strconv.Itoa(s.KeyBits))))
			}
		}
		if slices.Contains(s.Flags, "y") {
			out = append(out, defDKIMTestMode.New(s.Name, audit.M("mail.tag", "tag", "t", "value", evidence.Quote(strings.Join(s.Flags, ":")))))
		}
		if slices.Contains(s.HashAlgorithms, "sha1") {
			out = append(out, defDKIMSHA1.New(s.Name, audit.M("mail.tag", "tag", "h", "value", evidence.Quote(strings.Join(s.HashAlgorithms, ":")))))
		}
	}
	// A selector whose query failed may hold the key: no "not found"
	// then.
	if !found && !given && !failed && len(m.DKIM.Tried) > 0 && !sendsNoMail(m) {
		ev := audit.M("mail.dkim.not_found", "count", strconv.Itoa(len(m.DKIM.Tried)), "selectors", evidence.List(m.DKIM.Tried, ", "), "domain", domainOf(o), "rcode", m.DKIM.DomainKeyRcode)
		out = append(out, defDKIMNotFound.New(domainOf(o), ev))
	}
	return out
}, defDKIMNotFound, defDKIMSelectorMissing, defDKIMWeakKey, defDKIMShortKey, defDKIMTestMode, defDKIMRevoked, defDKIMSHA1, defDKIMSyntax)
