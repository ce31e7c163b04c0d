// Package profile computes vigie's comparison profiles: the grades that
// well-known tools would give the same audit, computed the way each tool
// publishes that it computes them, from vigie's observations and findings.
//
//   - Observatory follows the scoring of the MDN HTTP Observatory (the
//     headers, cookies and page of the site);
//   - SSLLabs grades TLS in the manner of the SSL Labs rating guide;
//   - InternetNL gives a percentage in the manner of internet.nl's website
//     test.
//
// The profiles are there to compare: they do not count in the CyberScore
// (internal/score), and the engine computes them beside it (Add). Each
// profile documents where it differs from the tool it follows, and why.
//
// It reads observations through the accessors of internal/audit (headers,
// cookies, the page's elements), as the checks do, and interprets them the
// way each tool does. It does no I/O and reads no clock.
package profile

import (
	"vigie.eu/vigie/internal/audit"
)

// Add computes every profile of an audit and sets it on s, the audit's
// CyberScore: Observatory, SSLLabs and InternetNL, each nil when the
// observations give it nothing to grade. A nil s (nothing was graded) is
// left nil.
func Add(s *audit.Score, findings []audit.Finding, o *audit.Observations) {
	if s == nil {
		return
	}
	s.Observatory = Observatory(o)
	s.SSLLabs = SSLLabs(o)
	s.InternetNL = InternetNL(findings, o)
}
