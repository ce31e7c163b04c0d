package httpcheck

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
)

var permissionsMissing = &audit.Definition{
	ID:       "http.permissions_policy.missing",
	Severity: audit.Info,
	Title: audit.Text{
		FR: "En-tête Permissions-Policy absent",
		EN: "No Permissions-Policy header",
	},
	Remediation: audit.Text{
		FR: "Désactiver les fonctions du navigateur dont le site n'a pas besoin (caméra, micro, géolocalisation…). " +
			"nginx : « add_header Permissions-Policy \"camera=(), microphone=(), geolocation=()\" always; » ; " +
			"Apache : « Header always set Permissions-Policy \"camera=(), microphone=(), geolocation=()\" ».",
		EN: "Turn off the browser features the site does not use (camera, microphone, geolocation…). " +
			"nginx: “add_header Permissions-Policy \"camera=(), microphone=(), geolocation=()\" always;”; " +
			"Apache: “Header always set Permissions-Policy \"camera=(), microphone=(), geolocation=()\"”.",
	},
	Standard: "Permissions Policy (W3C)",
}

// PermissionsPolicy notes final HTTPS pages without a Permissions-Policy
// header.
var PermissionsPolicy = audit.CheckFunc("http.permissions_policy", func(o *audit.Observations) []audit.Finding {
	var f findings
	for _, p := range pages(o) {
		if strings.TrimSpace(strings.Join(p.resp.Header("Permissions-Policy"), "")) != "" {
			continue
		}
		f.add(permissionsMissing, p.host, noHeader(p, "Permissions-Policy"))
	}
	return f.list
}, permissionsMissing)
