package httpcheck

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var sriMissing = &audit.Definition{
	ID:       "http.content.sri_missing",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "Script tiers chargé sans contrôle d'intégrité (SRI)",
		EN: "Third-party script loaded without an integrity check (SRI)",
	},
	Remediation: audit.Text{
		FR: "Héberger le script sur le site lui-même, ou ajouter son empreinte : " +
			"« <script src=\"https://cdn.exemple/lib.js\" integrity=\"sha384-…\" crossorigin=\"anonymous\"></script> » " +
			"(empreinte : « openssl dgst -sha384 -binary lib.js | openssl base64 -A »). " +
			"Un script tiers compromis agit avec tous les droits de la page.",
		EN: "Host the script on the site itself, or add its hash: " +
			"“<script src=\"https://cdn.example/lib.js\" integrity=\"sha384-…\" crossorigin=\"anonymous\"></script>” " +
			"(hash: \"openssl dgst -sha384 -binary lib.js | openssl base64 -A\"). " +
			"A compromised third-party script acts with every right of the page.",
	},
	Standard: "Subresource Integrity (W3C); ANSSI, Recommandations pour la mise en place de sites web maîtrisés",
}

// SRI reports final HTTPS pages that load scripts from another site (not
// the page's host, not the audited domain nor its subdomains) without an
// integrity attribute.
var SRI = audit.CheckFunc("http.content.sri", func(o *audit.Observations) []audit.Finding {
	var f findings
	domain := strings.ToLower(strings.TrimSuffix(o.Domain, "."))
	for _, p := range pages(o) {
		if !isHTML(p) {
			continue
		}
		var found []string
		for _, el := range p.obs.Elements() {
			src, ok := el.Attrs["src"]
			if el.Tag != "script" || !ok || strings.TrimSpace(el.Attrs["integrity"]) != "" {
				continue
			}
			u, err := p.url.Parse(strings.TrimSpace(src))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
				continue
			}
			host := strings.ToLower(u.Hostname())
			if host == "" || host == p.host || host == domain || (domain != "" && strings.HasSuffix(host, "."+domain)) {
				continue
			}
			found = append(found, evidence.Quote(u.String()))
		}
		if len(found) > 0 {
			f.add(sriMissing, p.host, audit.M("http.sri.missing", "url", evidence.Quote(p.resp.URL), "scripts", evidence.List(found, ", ")))
		}
	}
	return f.list
}, sriMissing)
