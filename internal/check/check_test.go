package check

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
)

// TestPublishedFindings holds the definitions of every check to
// testdata/findings.tsv, the append-only list of published identifiers
// and severities: an identifier may not disappear nor change severity, and
// a new one must be appended there.
func TestPublishedFindings(t *testing.T) {
	const file = "testdata/findings.tsv"
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	published := map[string]audit.Severity{}
	for i, line := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, name, ok := strings.Cut(line, "\t")
		sev, err := audit.ParseSeverity(name)
		if !ok || err != nil || strings.Contains(name, "\t") {
			t.Errorf("%s:%d: %q is not \"id<TAB>severity\"", file, i+1, line)
			continue
		}
		if _, dup := published[id]; dup {
			t.Errorf("%s:%d: %s listed twice", file, i+1, id)
		}
		published[id] = sev
	}
	defined := map[string]audit.Severity{}
	for _, d := range Definitions() {
		defined[d.ID] = d.Severity
		sev, ok := published[d.ID]
		switch {
		case !ok:
			t.Errorf("finding %s is not published yet: append the line %q at the end of %s (it stays there for good)", d.ID, d.ID+"\t"+d.Severity.String(), file)
		case sev != d.Severity:
			t.Errorf("finding %s has severity %s but was published as %s: a published severity does not change; give the finding a new identifier instead", d.ID, d.Severity, sev)
		}
	}
	for id := range published {
		if _, ok := defined[id]; !ok {
			t.Errorf("finding %s is published in %s but no check defines it any more: published identifiers are never removed nor renamed", id, file)
		}
	}
}

// TestAll checks that the list holds every area and no check twice.
func TestAll(t *testing.T) {
	seen := map[string]bool{}
	areas := map[string]bool{}
	for _, c := range All() {
		if seen[c.ID()] {
			t.Errorf("check %q listed twice", c.ID())
		}
		seen[c.ID()] = true
		areas[strings.SplitN(c.ID(), ".", 2)[0]] = true
	}
	for _, a := range []string{"dns", "tls", "http", "mail"} {
		if !areas[a] {
			t.Errorf("no %s check in All", a)
		}
	}
}

// TestRunEmpty runs every check on empty and nil-filled observations: a
// check must return no finding about what was not observed, and never
// panic.
func TestRunEmpty(t *testing.T) {
	for _, o := range []*audit.Observations{
		{Domain: "example.test"},
		{Domain: "example.test", DNS: &audit.DNSObservation{}, TLS: []*audit.TLSObservation{{}}, HTTP: []*audit.HTTPObservation{{}}, SecurityTxt: &audit.SecurityTxtObservation{}, Mail: &audit.MailObservation{}},
		{Domain: "example.test", Mail: &audit.MailObservation{MX: &audit.MXObservation{Hosts: []*audit.MXHost{nil, {SMTP: []*audit.SMTPObservation{nil, {}}}}}, SPF: &audit.SPFObservation{}, DMARC: &audit.DMARCObservation{}, DKIM: &audit.DKIMObservation{}, MTASTS: &audit.MTASTSObservation{}, TLSRPT: &audit.TLSRPTObservation{}}},
	} {
		got, errs := Run(o)
		for _, err := range errs {
			t.Error(err)
		}
		if got == nil {
			t.Error("Run returned nil findings")
		}
	}
}

func TestRunChecksOrderAndPanic(t *testing.T) {
	f := func(id string, s audit.Severity, subject string) audit.Finding {
		return audit.Finding{ID: id, Severity: s, Subject: subject}
	}
	checks := []audit.Check{
		audit.CheckFunc("a", func(*audit.Observations) []audit.Finding {
			return []audit.Finding{f("x.low", audit.Low, "b"), f("x.crit", audit.Critical, "a"), f("x.low", audit.Low, "a")}
		}),
		audit.CheckFunc("broken", func(o *audit.Observations) []audit.Finding {
			return []audit.Finding{f("never", audit.Info, o.DNS.Resolver)} // nil DNS: panics
		}),
		audit.CheckFunc("b", func(*audit.Observations) []audit.Finding {
			return []audit.Finding{f("a.high", audit.High, "z"), f("a.low", audit.Low, "z")}
		}),
	}
	got, errs := RunChecks(&audit.Observations{}, checks)
	want := []audit.Finding{
		f("x.crit", audit.Critical, "a"),
		f("a.high", audit.High, "z"),
		f("a.low", audit.Low, "z"),
		f("x.low", audit.Low, "a"),
		f("x.low", audit.Low, "b"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RunChecks (-want +got):\n%s", diff)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "check broken: panic") {
		t.Errorf("errs = %v, want one panic of check broken", errs)
	}
}
