package httpcheck

import (
	"regexp"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/evidence"
)

var serverVersion = &audit.Definition{
	ID:       "http.disclosure.server_version",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "L'en-tête Server révèle la version du logiciel",
		EN: "The Server header discloses the software version",
	},
	Remediation: audit.Text{
		FR: "Ne pas annoncer la version du serveur, qui aide à cibler les failles connues. " +
			"nginx : « server_tokens off; » ; Apache : « ServerTokens Prod » et « ServerSignature Off ».",
		EN: "Do not announce the server version, which helps target known flaws. " +
			"nginx: \"server_tokens off;\"; Apache: \"ServerTokens Prod\" and \"ServerSignature Off\".",
	},
	Standard: "RFC 9110, section 10.2.4",
}

var poweredBy = &audit.Definition{
	ID:       "http.disclosure.powered_by",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "L'en-tête X-Powered-By révèle le logiciel de l'application",
		EN: "The X-Powered-By header discloses the application software",
	},
	Remediation: audit.Text{
		FR: "Supprimer l'en-tête. PHP : « expose_php = Off » dans php.ini ; nginx : « proxy_hide_header X-Powered-By; » " +
			"(ou « fastcgi_hide_header X-Powered-By; ») ; Apache : « Header always unset X-Powered-By ».",
		EN: "Remove the header. PHP: \"expose_php = Off\" in php.ini; nginx: \"proxy_hide_header X-Powered-By;\" " +
			"(or \"fastcgi_hide_header X-Powered-By;\"); Apache: \"Header always unset X-Powered-By\".",
	},
	Standard: "RFC 9110, section 10.2.4 (same reasoning as for Server)",
}

// versioned matches a product name followed by a version number:
// "nginx/1.22.1", "Apache/2.4.57 (Debian)", "Jetty(9.4.43.v20210629)",
// but not "ECS (dcb/7F84)".
var versioned = regexp.MustCompile(`(?i)[a-z][a-z0-9._-]*[/(]v?[0-9]+(\.[0-9]+)*([\s();,.-]|$)`)

// Disclosure reports responses, of any chain, whose Server header names a
// software version, or that carry X-Powered-By; once per host. RFC 9110,
// section 10.2.4: an origin server SHOULD NOT send needlessly
// fine-grained detail in Server.
var Disclosure = audit.CheckFunc("http.disclosure", func(o *audit.Observations) []audit.Finding {
	var f findings
	seen := map[[2]string]bool{}
	once := func(d *audit.Definition, host string, evidence audit.Message) {
		if k := [2]string{d.ID, host}; !seen[k] {
			seen[k] = true
			f.add(d, host, evidence)
		}
	}
	for _, h := range o.HTTP {
		if h == nil {
			continue
		}
		for i := range h.Responses {
			r := &h.Responses[i]
			host := hostOf(r.URL)
			if r.Status == 0 || host == "" {
				continue
			}
			for _, v := range r.Header("Server") {
				if versioned.MatchString(v) {
					once(serverVersion, host, audit.M("http.header.value", "header", "Server", "value", evidence.Quote(v)))
				}
			}
			for _, v := range r.Header("X-Powered-By") {
				if v != "" {
					once(poweredBy, host, audit.M("http.header.value", "header", "X-Powered-By", "value", evidence.Quote(v)))
				}
			}
		}
	}
	return f.list
}, serverVersion, poweredBy)
