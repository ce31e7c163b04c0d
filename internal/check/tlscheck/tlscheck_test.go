package tlscheck_test

import (
	"testing"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/checktest"
	"vigie.eu/vigie/internal/check/tlscheck"
)

func TestGolden(t *testing.T) {
	checktest.Golden(t, "testdata", tlscheck.Checks...)
}

func TestDefinitions(t *testing.T) {
	checktest.Definitions(t, "tls", tlscheck.Definitions)
}

// TestFindingsAreDefined requires every finding of the fixtures to match
// its definition, and every definition to be produced by a fixture.
func TestFindingsAreDefined(t *testing.T) {
	produced := checktest.Produced(t, "testdata", tlscheck.Definitions, tlscheck.Checks...)
	for _, d := range tlscheck.Definitions {
		if !produced[d.ID] {
			t.Errorf("no fixture produces %q", d.ID)
		}
	}
}

func TestChecksAreDeterministic(t *testing.T) {
	checktest.Deterministic(t, "testdata", tlscheck.Checks...)
}

func TestNilObservations(t *testing.T) {
	o := &audit.Observations{Domain: "example.test", TLS: []*audit.TLSObservation{nil}}
	if got := checktest.Run(o, tlscheck.Checks...); len(got) != 0 {
		t.Errorf("findings on a nil TLS entry: %v", got)
	}
}
