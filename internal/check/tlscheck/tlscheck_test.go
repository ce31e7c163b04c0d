package tlscheck_test

import (
	"testing"

	"vigie.eu/vigie/internal/check/checktest"
	"vigie.eu/vigie/internal/check/tlscheck"
)

func TestChecks(t *testing.T) {
	checktest.Area{Name: "tls", Checks: tlscheck.Checks}.Test(t)
}
