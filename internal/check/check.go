// Package check holds the one explicit list of vigie's checks and runs them.
//
// The checks themselves live one package per area (dnscheck, tlscheck,
// httpcheck, mailcheck), one file per check: pure functions from audit.Observations
// to audit.Findings, with no I/O and no clock. This package only lists them,
// in report order, and runs them.
package check

import (
	"cmp"
	"fmt"
	"slices"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/dnscheck"
	"vigie.eu/vigie/internal/check/httpcheck"
	"vigie.eu/vigie/internal/check/mailcheck"
	"vigie.eu/vigie/internal/check/privacycheck"
	"vigie.eu/vigie/internal/check/servicecheck"
	"vigie.eu/vigie/internal/check/sovcheck"
	"vigie.eu/vigie/internal/check/tlscheck"
)

// All returns every check vigie runs, DNS first, then TLS, then HTTP, then
// mail. The
// slice is new at each call: callers may change it.
func All() []audit.Check {
	var all []audit.Check
	all = append(all, dnscheck.Checks...)
	all = append(all, tlscheck.Checks...)
	all = append(all, httpcheck.Checks...)
	all = append(all, mailcheck.Checks...)
	all = append(all, servicecheck.Checks...)
	all = append(all, sovcheck.Checks...)
	all = append(all, privacycheck.Checks...)
	return all
}

// Definitions returns the definition of every finding the checks of All
// can produce, check by check in the order of All, for the methodology.
func Definitions() []*audit.Definition {
	var defs []*audit.Definition
	for _, c := range All() {
		defs = append(defs, c.Definitions()...)
	}
	return defs
}

// Run runs every check of All on o and returns the findings, sorted (see
// Sort). A check that panics is reported in errs and its findings are
// missing; the other checks still run.
func Run(o *audit.Observations) (findings []audit.Finding, errs []error) {
	return RunChecks(o, All())
}

// RunChecks runs checks on o, like Run. It never returns nil findings, so
// that an audit without findings encodes as an empty JSON list.
func RunChecks(o *audit.Observations, checks []audit.Check) (findings []audit.Finding, errs []error) {
	findings = []audit.Finding{}
	for _, c := range checks {
		fs, err := runOne(c, o)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		findings = append(findings, fs...)
	}
	Sort(findings)
	return findings, errs
}

// runOne runs one check, turning a panic into an error: a check bug on
// unexpected observations must not take the whole audit down.
func runOne(c audit.Check, o *audit.Observations) (fs []audit.Finding, err error) {
	defer func() {
		if r := recover(); r != nil {
			fs, err = nil, fmt.Errorf("check %s: panic: %v", c.ID(), r)
		}
	}()
	return c.Run(o), nil
}

// Sort orders findings most severe first, then by id, then by subject,
// then by evidence, so that a report reads the same from run to run.
func Sort(fs []audit.Finding) {
	slices.SortStableFunc(fs, func(a, b audit.Finding) int {
		return cmp.Or(
			cmp.Compare(b.Severity, a.Severity),
			cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.Subject, b.Subject),
			cmp.Compare(a.Evidence, b.Evidence),
		)
	})
}
