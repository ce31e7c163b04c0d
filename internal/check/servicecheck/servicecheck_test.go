package servicecheck_test

import (
	"testing"

	"vigie.eu/vigie/internal/check/checktest"
	"vigie.eu/vigie/internal/check/servicecheck"
)

// TestChecks runs the shared tests on the fixtures of testdata: the lab's
// own observation (combined/debian-lab, from e2e/services.sh) and one
// folder per check.
func TestChecks(t *testing.T) {
	checktest.Area{Name: "services", Checks: servicecheck.Checks}.Test(t)
}
