package engine

import (
	"strings"
	"testing"

	"vigie.eu/vigie/internal/engine/enginetest"
	"vigie.eu/vigie/internal/version"
)

// TestUserAgent audits good.test, whose web servers record every request:
// each one (the http:// and https:// pages of the domain and of www, the
// redirects, security.txt, the MTA-STS policy) carries the User-Agent of
// the configuration, or by default the one naming vigie, its version and
// the project's URL.
func TestUserAgent(t *testing.T) {
	for _, tt := range []struct {
		name, ua, want string
	}{
		{"default", "", version.UserAgent("test", "")},
		{"with contact", version.Agent("", "test", "https://csirt.example/contact"), "vigie/test (+" + version.URL + ") (+https://csirt.example/contact)"},
		{"operator's own", "CERT-Exemple scanner/2 (+mailto:cert@exemple.fr)", "CERT-Exemple scanner/2 (+mailto:cert@exemple.fr)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lab := enginetest.NewLab(t)
			cfg := labConfig(lab)
			cfg.DKIMSelectors = []string{enginetest.DKIMSelector}
			cfg.UserAgent = tt.ua
			res := Audit(t.Context(), cfg, mustParse(t, "good.test"))
			if res.Error != "" {
				t.Fatalf("audit: %s", res.Error)
			}
			reqs := lab.Requests()
			seen := map[string]bool{}
			for _, r := range reqs {
				fields := strings.SplitN(r, " ", 4)
				if len(fields) != 4 || fields[3] != tt.want {
					t.Errorf("request %q: want User-Agent %q", r, tt.want)
				}
				if len(fields) >= 3 {
					seen[fields[0]+" "+fields[1]+" "+fields[2]] = true
				}
			}
			for _, want := range []string{"http good.test /", "https good.test /", "https www.good.test /",
				"https good.test /.well-known/security.txt", "https mta-sts.good.test /.well-known/mta-sts.txt"} {
				if !seen[want] {
					t.Errorf("no request %q among %q", want, reqs)
				}
			}
		})
	}
}
