package httpcheck

import (
	"fmt"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var mixedContent = &audit.Definition{
	ID:       "http.content.mixed",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "La page HTTPS charge des ressources en HTTP (contenu mixte)",
		EN: "The HTTPS page loads resources over HTTP (mixed content)",
	},
	Remediation: audit.Text{
		FR: "Charger chaque ressource (scripts, feuilles de style, images, cadres) en https://, ou par un chemin relatif. " +
			"En attendant, la directive CSP « upgrade-insecure-requests » fait passer les requêtes en HTTPS. " +
			"nginx : « add_header Content-Security-Policy \"upgrade-insecure-requests\" always; » ; " +
			"Apache : « Header always set Content-Security-Policy \"upgrade-insecure-requests\" ».",
		EN: "Load every resource (scripts, style sheets, images, frames) over https://, or by a relative path. " +
			"Meanwhile, the CSP directive \"upgrade-insecure-requests\" moves the requests to HTTPS. " +
			"nginx: “add_header Content-Security-Policy \"upgrade-insecure-requests\" always;”; " +
			"Apache: “Header always set Content-Security-Policy \"upgrade-insecure-requests\"”.",
	},
	Standard: "Mixed Content (W3C); Mozilla Web Security Guidelines",
}

// subresourceAttrs names, per element, the attributes whose URL the
// browser loads with the page.
var subresourceAttrs = map[string][]string{
	"script": {"src"},
	"link":   {"href"},
	"img":    {"src"},
	"iframe": {"src"},
	"audio":  {"src"},
	"video":  {"src", "poster"},
	"source": {"src"},
	"track":  {"src"},
	"object": {"data"},
	"embed":  {"src"},
}

// loadedLinks are the <link rel> values whose href is fetched with the
// page; other links (canonical, alternate) are only addresses.
var loadedLinks = []string{
	"stylesheet", "icon", "apple-touch-icon", "apple-touch-icon-precomposed",
	"mask-icon", "preload", "modulepreload", "prefetch", "manifest",
}

// MixedContent reports final HTTPS pages whose HTML loads subresources
// over http://.
var MixedContent = audit.CheckFunc("http.content.mixed", func(o *audit.Observations) []audit.Finding {
	var f findings
	for _, p := range pages(o) {
		if !isHTML(p) {
			continue
		}
		var found []string
		for _, el := range p.obs.Elements() {
			attrs := subresourceAttrs[el.Tag]
			if el.Tag == "link" && !loadsLink(el.Attrs["rel"]) {
				continue
			}
			for _, a := range attrs {
				v := strings.TrimSpace(el.Attrs[a])
				if len(v) >= 7 && strings.EqualFold(v[:7], "http://") {
					found = append(found, fmt.Sprintf("<%s %s=%s>", el.Tag, a, evidence.Quote(v)))
				}
			}
		}
		if len(found) > 0 {
			f.add(mixedContent, p.host, audit.M("http.mixed.found", "url", evidence.Quote(p.resp.URL), "elements", evidence.List(found, ", ")))
		}
	}
	return f.list
}, mixedContent)

func loadsLink(rel string) bool {
	for _, r := range strings.Fields(strings.ToLower(rel)) {
		for _, l := range loadedLinks {
			if r == l {
				return true
			}
		}
	}
	return false
}
