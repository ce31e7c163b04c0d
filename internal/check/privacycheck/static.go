package privacycheck

import "vigie.eu/vigie/internal/audit"

var defStatic = &audit.Definition{
	ID:       "privacy.static_reading",
	Severity: audit.Info,
	Title:    audit.Text{FR: "Page lue sans navigateur : constats vie privée partiels", EN: "Page read without a browser: privacy findings partial"},
	Remediation: audit.Text{
		FR: "Rien à corriger sur le site : relancer l'audit avec un navigateur pour voir ce que les scripts chargent et les cookies qu'ils déposent.",
		EN: "Nothing to fix on the site: run the audit again with a browser to see what scripts load and the cookies they set.",
	},
	Standard: stdConsent,
}

// Static says, for each page read statically, what such a reading
// cannot see, so that no report takes a short list of trackers for the
// whole truth.
var Static = audit.CheckFunc("privacy.static", func(o *audit.Observations) []audit.Finding {
	var out []audit.Finding
	for _, p := range pages(o) {
		if p.Method == audit.PageStatic {
			out = append(out, defStatic.New(pageURL(p), audit.M("privacy.static",
				"page", pageURL(p), "count", itoa(len(p.Requests)))))
		}
	}
	return out
}, defStatic)
