package httpcheck

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
)

var xctoMissing = &audit.Definition{
	ID:       "http.xcto.missing",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "En-tête X-Content-Type-Options: nosniff absent",
		EN: "No X-Content-Type-Options: nosniff header",
	},
	Remediation: audit.Text{
		FR: "Interdire au navigateur de deviner le type des contenus. " +
			"nginx : « add_header X-Content-Type-Options nosniff always; » ; " +
			"Apache : « Header always set X-Content-Type-Options \"nosniff\" ».",
		EN: "Forbid browsers from guessing content types. " +
			"nginx: \"add_header X-Content-Type-Options nosniff always;\"; " +
			"Apache: “Header always set X-Content-Type-Options \"nosniff\"”.",
	},
	Standard: "Fetch Standard (WHATWG), X-Content-Type-Options header; Mozilla Web Security Guidelines (X-Content-Type-Options)",
}

// ContentTypeOptions reports final HTTPS pages without
// X-Content-Type-Options: nosniff.
var ContentTypeOptions = audit.CheckFunc("http.xcto", func(o *audit.Observations) []audit.Finding {
	var f findings
	for _, p := range pages(o) {
		values := p.resp.Header("X-Content-Type-Options")
		if nosniff(values) {
			continue
		}
		f.add(xctoMissing, p.host, headerProblem(p, "X-Content-Type-Options", "http.xcto.not_nosniff"))
	}
	return f.list
}, xctoMissing)

// nosniff implements the Fetch Standard's "determine nosniff": the first
// value of the header, split on commas, is "nosniff" in any case.
func nosniff(values []string) bool {
	if len(values) == 0 {
		return false
	}
	first, _, _ := strings.Cut(values[0], ",")
	return strings.EqualFold(strings.Trim(first, " \t"), "nosniff")
}
