package web

import (
	"strings"
	"testing"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check"
	"vigie.eu/vigie/internal/profile"
)

// TestExemplary judges the observatory's own pages with vigie's checks
// and its MDN HTTP Observatory profile, as an audit of the site served
// over TLS would see them: no web finding above info, and A+ from the
// profile. (The audit over the network, with a lab certificate, and the
// MDN Observatory itself are left to an end-to-end test.)
func TestExemplary(t *testing.T) {
	s := newServer(t, Options{TLS: true, SecurityContact: "mailto:securite@example.test"})
	id := auditIDs(t, s, "chu-lyon.test")[0]
	for _, path := range []string{"/", "/org/26690027600016", "/methodology", "/audit/" + itoa(id) + "/print"} {
		r := get(t, s, path)
		page := body(t, r)
		const u = "https://observatoire.test/"
		resp := audit.HTTPResponse{URL: u, Status: r.StatusCode, Headers: map[string][]string(r.Header), TLSVersion: "TLS 1.3"}
		o := &audit.Observations{Domain: "observatoire.test", Time: base,
			HTTP: []*audit.HTTPObservation{{URL: u, Responses: []audit.HTTPResponse{resp}, Body: page}}}
		obs := profile.Observatory(o)
		if obs == nil || obs.Grade != "A+" {
			t.Errorf("%s: MDN Observatory profile %+v, want A+", path, obs)
		}
		findings, errs := check.Run(o)
		if len(errs) > 0 {
			t.Fatal(errs)
		}
		for _, f := range findings {
			if strings.HasPrefix(f.ID, "http.") && f.Severity > audit.Info {
				t.Errorf("%s: finding %s (%s): %s", path, f.ID, f.Severity, f.Evidence)
			}
		}
	}
}
