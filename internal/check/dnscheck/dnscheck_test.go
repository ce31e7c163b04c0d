package dnscheck_test

import (
	"testing"

	"vigie.eu/vigie/internal/check/checktest"
	"vigie.eu/vigie/internal/check/dnscheck"
)

func TestChecks(t *testing.T) {
	checktest.Area{Name: "dns", Checks: dnscheck.Checks}.Test(t)
}
