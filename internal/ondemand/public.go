package ondemand

import (
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/engine"
)

// Public takes out of r, in place, what describes the operator's set-up
// rather than the audited domain: the resolver asked, a DNSSEC trust
// anchor other than the IANA root's, certificate roots other than the
// system's (a file name), and the ranges outside the public internet
// the audit was allowed to reach. The findings are judged again on what
// is left, so that no evidence quotes what was taken out.
func Public(r *audit.Result) {
	o := r.Observations
	if o == nil {
		return
	}
	if o.DNS != nil {
		o.DNS.Resolver = ""
		if s := o.DNS.DNSSEC; s != nil && !strings.HasPrefix(s.Anchor, "IANA root") {
			s.Anchor = ""
		}
	}
	roots := func(t *audit.TLSObservation) {
		if t != nil && t.Verification != nil && t.Verification.Roots != "system" {
			t.Verification.Roots = ""
		}
	}
	for _, t := range o.TLS {
		roots(t)
	}
	if o.Mail != nil && o.Mail.MX != nil {
		for _, h := range o.Mail.MX.Hosts {
			if h == nil {
				continue
			}
			for _, s := range h.SMTP {
				if s != nil {
					roots(s.TLS)
				}
			}
		}
	}
	o.AllowedPrivate = nil
	if r.Error == "" {
		engine.Rejudge(r)
	}
}
