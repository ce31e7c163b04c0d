package tlscheck

import (
	"strconv"
	"time"

	"vigie.eu/vigie/internal/audit"
)

// expiringWindow is how far ahead of the audit an expiry is reported.
const expiringWindow = 30 * 24 * time.Hour

var defExpired = &audit.Definition{
	ID:       "tls.cert.expired",
	Severity: audit.Critical,
	Title: audit.Text{
		FR: "Le certificat du serveur a expiré",
		EN: "The server certificate has expired",
	},
	Remediation: audit.Text{
		FR: "Renouveler le certificat et installer le nouveau sur le serveur, puis automatiser le renouvellement (ACME, par exemple certbot ou le module mod_md d'Apache) et surveiller la date d'expiration.",
		EN: "Renew the certificate and install the new one on the server, then automate renewal (ACME, for instance certbot or Apache's mod_md) and monitor the expiry date.",
	},
	Standard: "RFC 5280, Section 4.1.2.5; " + anssiTLS,
}

var defNotYetValid = &audit.Definition{
	ID:       "tls.cert.not_yet_valid",
	Severity: audit.Critical,
	Title: audit.Text{
		FR: "Le certificat du serveur n'est pas encore valide",
		EN: "The server certificate is not valid yet",
	},
	Remediation: audit.Text{
		FR: "Vérifier l'horloge de la machine qui a produit le certificat et sa date de début de validité ; réémettre le certificat avec une date de début passée et le réinstaller.",
		EN: "Check the clock of the machine that issued the certificate and its start of validity; reissue the certificate with a start date in the past and install it again.",
	},
	Standard: "RFC 5280, Section 4.1.2.5",
}

var defExpiringSoon = &audit.Definition{
	ID:       "tls.cert.expiring_soon",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "Le certificat du serveur expire dans moins de 30 jours",
		EN: "The server certificate expires within 30 days",
	},
	Remediation: audit.Text{
		FR: "Renouveler le certificat avant son expiration, puis automatiser le renouvellement (ACME, par exemple certbot ou le module mod_md d'Apache) et surveiller la date d'expiration.",
		EN: "Renew the certificate before it expires, then automate renewal (ACME, for instance certbot or Apache's mod_md) and monitor the expiry date.",
	},
	Standard: "RFC 5280, Section 4.1.2.5",
}

// Validity compares the validity period of each host's leaf certificate
// with the time of the audit (RFC 5280 Section 4.1.2.5: both bounds are
// inclusive). It reports nothing when the audit time is unknown.
var Validity = audit.CheckFunc("tls.cert.validity", func(o *audit.Observations) []audit.Finding {
	if o.Time.IsZero() {
		return nil
	}
	now := o.Time
	var out []audit.Finding
	for _, t := range probed(o) {
		if len(t.Certificates) == 0 {
			continue
		}
		leaf := t.Certificates[0]
		switch {
		case !leaf.NotAfter.IsZero() && now.After(leaf.NotAfter):
			out = append(out, defExpired.New(t.Host, audit.M("tls.cert.expired", "not_after", stamp(leaf.NotAfter)).WithItems(span(now.Sub(leaf.NotAfter)))))
		case !leaf.NotBefore.IsZero() && now.Before(leaf.NotBefore):
			out = append(out, defNotYetValid.New(t.Host, audit.M("tls.cert.not_yet_valid", "not_before", stamp(leaf.NotBefore)).WithItems(span(leaf.NotBefore.Sub(now)))))
		case !leaf.NotAfter.IsZero() && !leaf.NotAfter.After(now.Add(expiringWindow)):
			out = append(out, defExpiringSoon.New(t.Host, audit.M("tls.cert.expiring", "not_after", stamp(leaf.NotAfter)).WithItems(span(leaf.NotAfter.Sub(now)))))
		}
	}
	return out
}, defExpired, defNotYetValid, defExpiringSoon)

// outOfValidity reports whether c is expired or not yet valid at now.
func outOfValidity(c audit.Certificate, now time.Time) bool {
	if now.IsZero() {
		return false
	}
	return (!c.NotAfter.IsZero() && now.After(c.NotAfter)) || (!c.NotBefore.IsZero() && now.Before(c.NotBefore))
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// span writes a duration in whole days, or hours under two days.
func span(d time.Duration) audit.Message {
	switch {
	case d >= 48*time.Hour:
		return audit.M("time.days", "n", strconv.Itoa(int(d/(24*time.Hour))))
	case d >= 2*time.Hour:
		return audit.M("time.hours", "n", strconv.Itoa(int(d/time.Hour)))
	case d >= time.Hour:
		return audit.M("time.hour")
	}
	return audit.M("time.under_hour")
}
