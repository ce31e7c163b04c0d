package dnscheck_test

import (
	"testing"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/checktest"
	"vigie.eu/vigie/internal/check/dnscheck"
)

func TestGolden(t *testing.T) {
	checktest.Golden(t, "testdata", dnscheck.Checks...)
}

func TestDefinitions(t *testing.T) {
	checktest.Definitions(t, "dns", dnscheck.Definitions)
}

// TestFindingsAreDefined requires every finding of the fixtures to match
// its definition, and every definition to be produced by a fixture.
func TestFindingsAreDefined(t *testing.T) {
	produced := checktest.Produced(t, "testdata", dnscheck.Definitions, dnscheck.Checks...)
	for _, d := range dnscheck.Definitions {
		if !produced[d.ID] {
			t.Errorf("no fixture produces %q", d.ID)
		}
	}
}

func TestChecksAreDeterministic(t *testing.T) {
	checktest.Deterministic(t, "testdata", dnscheck.Checks...)
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
