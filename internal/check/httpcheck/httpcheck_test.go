package httpcheck_test

import (
	"testing"

	"vigie.eu/vigie/internal/check/checktest"
	"vigie.eu/vigie/internal/check/httpcheck"
)

func TestChecks(t *testing.T) {
	checktest.Area{Name: "http", Checks: httpcheck.Checks}.Test(t)
}
