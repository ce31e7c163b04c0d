package httpcheck

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
)

const referrerSnippetFR = "nginx : « add_header Referrer-Policy strict-origin-when-cross-origin always; » ; " +
	"Apache : « Header always set Referrer-Policy \"strict-origin-when-cross-origin\" »."

const referrerSnippetEN = "nginx: \"add_header Referrer-Policy strict-origin-when-cross-origin always;\"; " +
	"Apache: “Header always set Referrer-Policy \"strict-origin-when-cross-origin\"”."

var referrerMissing = &audit.Definition{
	ID:       "http.referrer_policy.missing",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "En-tête Referrer-Policy absent",
		EN: "No Referrer-Policy header",
	},
	Remediation: audit.Text{
		FR: "Dire aux navigateurs de ne transmettre aux autres sites que l'origine, jamais l'adresse complète des pages visitées. " + referrerSnippetFR,
		EN: "Tell browsers to send other sites only the origin, never the full address of the pages visited. " + referrerSnippetEN,
	},
	Standard: "Referrer Policy (W3C); Mozilla Web Security Guidelines (Referrer Policy)",
}

var referrerUnsafe = &audit.Definition{
	ID:       "http.referrer_policy.unsafe",
	Severity: audit.Low,
	Title: audit.Text{
		FR: "Referrer-Policy transmet l'adresse complète des pages à d'autres sites",
		EN: "Referrer-Policy sends the full page address to other sites",
	},
	Remediation: audit.Text{
		FR: "Remplacer unsafe-url ou no-referrer-when-downgrade par strict-origin-when-cross-origin (ou no-referrer). " + referrerSnippetFR,
		EN: "Replace unsafe-url or no-referrer-when-downgrade with strict-origin-when-cross-origin (or no-referrer). " + referrerSnippetEN,
	},
	Standard: "Referrer Policy (W3C); Mozilla Web Security Guidelines (Referrer Policy)",
}

// referrerPolicies are the values the Referrer Policy specification
// defines.
var referrerPolicies = []string{
	"no-referrer", "no-referrer-when-downgrade", "same-origin", "origin",
	"strict-origin", "origin-when-cross-origin", "strict-origin-when-cross-origin", "unsafe-url",
}

// ReferrerPolicy reports final HTTPS pages without a Referrer-Policy, or
// with one that sends full URLs to other origins.
var ReferrerPolicy = audit.CheckFunc("http.referrer_policy", func(o *audit.Observations) []audit.Finding {
	var f findings
	for _, p := range pages(o) {
		values := p.resp.Header("Referrer-Policy")
		policy := effectiveReferrerPolicy(values)
		switch policy {
		case "":
			f.add(referrerMissing, p.host, headerProblem(p, "Referrer-Policy", "http.referrer.unknown"))
		case "unsafe-url", "no-referrer-when-downgrade":
			f.add(referrerUnsafe, p.host, audit.M("http.header.value", "header", "Referrer-Policy", "value", policy))
		}
	}
	return f.list
}, referrerMissing, referrerUnsafe)

// effectiveReferrerPolicy follows the Referrer Policy specification's
// "parse a referrer policy from a Referrer-Policy header": of the
// comma-separated tokens, the last known one wins; unknown ones are
// ignored, so that new values can be deployed with a fallback.
func effectiveReferrerPolicy(values []string) string {
	policy := ""
	for _, v := range values {
		for token := range strings.SplitSeq(v, ",") {
			token = strings.ToLower(strings.Trim(token, " \t"))
			for _, known := range referrerPolicies {
				if token == known {
					policy = token
				}
			}
		}
	}
	return policy
}
