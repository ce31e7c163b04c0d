package dnscheck_test

import (
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/checktest"
	"vigie.eu/vigie/internal/check/dnscheck"
)

func TestGolden(t *testing.T) {
	checktest.Golden(t, "testdata", dnscheck.Checks...)
}

var idPattern = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$`)

func TestDefinitions(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range dnscheck.Definitions {
		t.Run(d.ID, func(t *testing.T) {
			if !idPattern.MatchString(d.ID) {
				t.Errorf("id %q does not match %s", d.ID, idPattern)
			}
			if !strings.HasPrefix(d.ID, "dns.") {
				t.Errorf("id %q is not in the dns area", d.ID)
			}
			if seen[d.ID] {
				t.Errorf("id %q defined twice", d.ID)
			}
			seen[d.ID] = true
			for name, s := range map[string]string{
				"Title.FR": d.Title.FR, "Title.EN": d.Title.EN,
				"Remediation.FR": d.Remediation.FR, "Remediation.EN": d.Remediation.EN,
				"Standard": d.Standard,
			} {
				if strings.TrimSpace(s) == "" {
					t.Errorf("%s is empty", name)
				}
			}
		})
	}
}

// TestFindingsAreDefined runs the checks on every fixture and requires
// each finding to match a definition of the package exactly.
func TestFindingsAreDefined(t *testing.T) {
	defs := map[string]*audit.Definition{}
	for _, d := range dnscheck.Definitions {
		defs[d.ID] = d
	}
	produced := map[string]bool{}
	files, err := filepath.Glob("testdata/*/*.observations.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixture: %v", err)
	}
	for _, f := range files {
		o := checktest.LoadObservations(t, f)
		for _, fd := range checktest.Run(o, dnscheck.Checks...) {
			d, ok := defs[fd.ID]
			if !ok {
				t.Errorf("%s: finding %q has no definition", f, fd.ID)
				continue
			}
			produced[fd.ID] = true
			if fd.Severity != d.Severity || fd.Title != d.Title || fd.Standard != d.Standard {
				t.Errorf("%s: finding %q differs from its definition", f, fd.ID)
			}
			if fd.Subject == "" || fd.Evidence == "" {
				t.Errorf("%s: finding %q without subject or evidence", f, fd.ID)
			}
		}
	}
	// Every definition is exercised by at least one fixture.
	for id := range defs {
		if !produced[id] {
			t.Errorf("no fixture produces %q", id)
		}
	}
}

// TestChecksAreDeterministic runs every check twice on the same
// observations and requires the same findings, and observations left as
// they were.
func TestChecksAreDeterministic(t *testing.T) {
	files, _ := filepath.Glob("testdata/*/*.observations.json")
	for _, f := range files {
		o := checktest.LoadObservations(t, f)
		first := checktest.Run(o, dnscheck.Checks...)
		second := checktest.Run(o, dnscheck.Checks...)
		if diff := cmp.Diff(first, second); diff != "" {
			t.Errorf("%s: second run differs (-first +second):\n%s", f, diff)
		}
		if diff := cmp.Diff(checktest.LoadObservations(t, f), o); diff != "" {
			t.Errorf("%s: checks changed the observations:\n%s", f, diff)
		}
	}
}

func TestNilObservations(t *testing.T) {
	for _, o := range []*audit.Observations{
		{Domain: "example.test"},
		{Domain: "example.test", DNS: &audit.DNSObservation{Exists: true}},
		{Domain: "example.test", DNS: &audit.DNSObservation{Exists: true, DNSSEC: &audit.DNSSECObservation{}}},
	} {
		if got := checktest.Run(o, dnscheck.Checks...); len(got) != 0 {
			t.Errorf("findings on empty observations %+v: %v", o.DNS, got)
		}
	}
}
