package httpcheck

import (
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var redirectMissing = &audit.Definition{
	ID:       "http.redirect.missing",
	Severity: audit.Medium,
	Title: audit.Text{
		FR: "L'adresse en HTTP ne redirige pas vers HTTPS",
		EN: "The HTTP address does not redirect to HTTPS",
	},
	Remediation: audit.Text{
		FR: "Rediriger toute requête HTTP vers la même adresse en HTTPS, avec un code 301. " +
			"nginx : « server { listen 80; server_name exemple.fr www.exemple.fr; return 301 https://$host$request_uri; } » ; " +
			"Apache : « <VirtualHost *:80> Redirect permanent / https://exemple.fr/ </VirtualHost> ».",
		EN: "Redirect every HTTP request to the same address over HTTPS, with a 301 status. " +
			"nginx: \"server { listen 80; server_name example.org www.example.org; return 301 https://$host$request_uri; }\"; " +
			"Apache: \"<VirtualHost *:80> Redirect permanent / https://example.org/ </VirtualHost>\".",
	},
	Standard: "RFC 6797, section 7.2; Mozilla Web Security Guidelines (HTTP redirections)",
}

// Redirect reports each http:// start URL whose chain ends on a page that
// is not https://. Chains that stopped on an error say nothing.
var Redirect = audit.CheckFunc("http.redirect", func(o *audit.Observations) []audit.Finding {
	var f findings
	for _, h := range o.HTTP {
		if h == nil || !strings.HasPrefix(strings.ToLower(h.URL), "http://") {
			continue
		}
		r := h.Answer()
		if r == nil || strings.HasPrefix(strings.ToLower(r.URL), "https://") {
			continue
		}
		ev := audit.M("http.redirect.ends", "url", evidence.Quote(r.URL), "status", strconv.Itoa(r.Status))
		switch n := len(h.Responses) - 1; {
		case n == 1:
			ev = audit.M("http.redirect.ends_after_1", "url", evidence.Quote(r.URL), "status", strconv.Itoa(r.Status))
		case n > 1:
			ev = audit.M("http.redirect.ends_after", "url", evidence.Quote(r.URL), "status", strconv.Itoa(r.Status), "n", strconv.Itoa(n))
		}
		f.add(redirectMissing, h.URL, ev)
	}
	return f.list
}, redirectMissing)
