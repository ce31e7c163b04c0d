package privacycheck_test

import (
	"testing"

	"vigie.eu/vigie/internal/check/checktest"
	"vigie.eu/vigie/internal/check/privacycheck"
)

// TestChecks runs the shared tests on the fixtures of testdata, one
// folder per check.
func TestChecks(t *testing.T) {
	checktest.Area{Name: "privacy", Checks: privacycheck.Checks}.Test(t)
}
