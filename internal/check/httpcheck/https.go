package httpcheck

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var httpsMissing = &audit.Definition{
	ID:       "http.https.missing",
	Severity: audit.High,
	Title: audit.Text{
		FR: "Le site n'est pas servi en HTTPS",
		EN: "The site is not served over HTTPS",
	},
	Remediation: audit.Text{
		FR: "Servir le site en HTTPS sur le domaine et sur www, avec un certificat d'une autorité reconnue " +
			"(Let's Encrypt, par exemple, avec certbot). nginx : « listen 443 ssl; ssl_certificate …; ssl_certificate_key …; » ; " +
			"Apache : « <VirtualHost *:443> SSLEngine on SSLCertificateFile … SSLCertificateKeyFile … ». " +
			"Puis rediriger HTTP vers HTTPS et activer HSTS.",
		EN: "Serve the site over HTTPS on the domain and on www, with a certificate from a recognised authority " +
			"(Let's Encrypt with certbot, for instance). nginx: \"listen 443 ssl; ssl_certificate …; ssl_certificate_key …;\"; " +
			"Apache: \"<VirtualHost *:443> SSLEngine on SSLCertificateFile … SSLCertificateKeyFile …\". " +
			"Then redirect HTTP to HTTPS and enable HSTS.",
	},
	Standard: "Mozilla Web Security Guidelines (HTTPS); ANSSI, Recommandations pour la mise en place de sites web maîtrisés",
}

// HTTPS reports a domain whose web site answers but never on an https://
// page: no chain, from any start URL, ends on an HTTPS response. A domain
// where nothing answers at all (no web site) gets no finding.
var HTTPS = audit.CheckFunc("http.https", func(o *audit.Observations) []audit.Finding {
	answered := false
	var why []audit.Message
	for _, h := range o.HTTP {
		if h == nil {
			continue
		}
		for _, r := range h.Responses {
			if r.Status != 0 {
				answered = true
			}
		}
		r := h.Answer()
		if r != nil && strings.HasPrefix(strings.ToLower(r.URL), "https://") {
			return nil
		}
		if !strings.HasPrefix(strings.ToLower(h.URL), "https://") {
			continue
		}
		switch {
		case r != nil:
			why = append(why, audit.M("http.https.ends", "start", h.URL, "url", evidence.Quote(r.URL)))
		case h.Error != "":
			why = append(why, audit.M("http.https.failed", "start", h.URL).WithItems(audit.Failure(h.Error)))
		}
	}
	if !answered {
		return nil
	}
	ev := audit.M("http.https.none")
	if len(why) > 0 {
		ev = audit.M("http.https.none_because").WithItems(evidence.Items(why)...)
	}
	return []audit.Finding{httpsMissing.New(o.Domain, ev)}
}, httpsMissing)
