package httpcheck

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/checktest"
)

func TestGolden(t *testing.T) {
	checktest.Golden(t, "testdata", Checks...)
}

// TestDefinitions checks that identifiers are unique and well formed,
// that every text is given in both languages, and that every finding a
// fixture produces is defined, with its definition's severity and texts.
func TestDefinitions(t *testing.T) {
	defs := map[string]*audit.Definition{}
	for _, d := range Definitions {
		if defs[d.ID] != nil {
			t.Errorf("%s defined twice", d.ID)
		}
		defs[d.ID] = d
		if !strings.HasPrefix(d.ID, "http.") || strings.ToLower(d.ID) != d.ID {
			t.Errorf("%s: identifier not http.lower_case", d.ID)
		}
		for what, s := range map[string]string{
			"Title.FR": d.Title.FR, "Title.EN": d.Title.EN,
			"Remediation.FR": d.Remediation.FR, "Remediation.EN": d.Remediation.EN,
			"Standard": d.Standard,
		} {
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s: empty %s", d.ID, what)
			}
		}
		if d.Title.FR == d.Title.EN || d.Remediation.FR == d.Remediation.EN {
			t.Errorf("%s: French and English texts are the same", d.ID)
		}
	}
	checkIDs := map[string]bool{}
	for _, c := range Checks {
		if checkIDs[c.ID()] {
			t.Errorf("check %s listed twice", c.ID())
		}
		checkIDs[c.ID()] = true
	}
	produced := map[string]bool{}
	for _, o := range fixtures(t) {
		for _, f := range checktest.Run(o, Checks...) {
			produced[f.ID] = true
			d := defs[f.ID]
			if d == nil {
				t.Errorf("finding %s is not in Definitions", f.ID)
				continue
			}
			if f.Severity != d.Severity || f.Title != d.Title || f.Subject == "" || f.Evidence == "" {
				t.Errorf("finding %s differs from its definition or lacks subject or evidence: %+v", f.ID, f)
			}
		}
	}
	// Every definition is exercised by at least one fixture.
	for id := range defs {
		if !produced[id] {
			t.Errorf("no fixture produces %s", id)
		}
	}
}

// TestPublishedIdentifiers pins the identifiers and severities, which are
// published data (ids.md of the project).
func TestPublishedIdentifiers(t *testing.T) {
	want := map[string]audit.Severity{
		"http.https.missing":              audit.High,
		"http.redirect.missing":           audit.Medium,
		"http.hsts.missing":               audit.Medium,
		"http.hsts.short":                 audit.Low,
		"http.hsts.no_subdomains":         audit.Low,
		"http.hsts.invalid":               audit.Medium,
		"http.csp.missing":                audit.Medium,
		"http.csp.weak":                   audit.Medium,
		"http.xcto.missing":               audit.Low,
		"http.framing.missing":            audit.Medium,
		"http.referrer_policy.missing":    audit.Low,
		"http.referrer_policy.unsafe":     audit.Low,
		"http.permissions_policy.missing": audit.Info,
		"http.cookie.no_secure":           audit.Medium,
		"http.cookie.no_httponly":         audit.Low,
		"http.cookie.no_samesite":         audit.Low,
		"http.disclosure.server_version":  audit.Low,
		"http.disclosure.powered_by":      audit.Low,
		"http.securitytxt.missing":        audit.Low,
		"http.securitytxt.invalid":        audit.Low,
		"http.content.mixed":              audit.Medium,
		"http.content.sri_missing":        audit.Low,
	}
	got := map[string]audit.Severity{}
	for _, d := range Definitions {
		got[d.ID] = d.Severity
	}
	for id, sev := range want {
		if g, ok := got[id]; !ok || g != sev {
			t.Errorf("%s: got severity %v (defined: %v), want %v", id, g, ok, sev)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d definitions, want %d", len(got), len(want))
	}
}

// fixtures loads every observations file of testdata.
func fixtures(t *testing.T) []*audit.Observations {
	t.Helper()
	var obs []*audit.Observations
	paths, err := globAll("testdata")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range paths {
		obs = append(obs, checktest.LoadObservations(t, p))
	}
	return obs
}

// globAll returns the *.observations.json files under dir.
func globAll(dir string) ([]string, error) {
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".observations.json") {
			paths = append(paths, p)
		}
		return err
	})
	return paths, err
}
