package check

import (
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
)

// TestDefinitions checks what the methodology publishes: every finding
// definition has a well-formed, unique id and its texts in both languages.
func TestDefinitions(t *testing.T) {
	defs := Definitions()
	if len(defs) == 0 {
		t.Fatal("no definition")
	}
	idRE := regexp.MustCompile(`^(dns|tls|http|mail)\.[a-z0-9_]+(\.[a-z0-9_]+)*$`)
	seen := map[string]bool{}
	for _, d := range defs {
		if !idRE.MatchString(d.ID) {
			t.Errorf("definition id %q is not area.subject[.detail]", d.ID)
		}
		if seen[d.ID] {
			t.Errorf("definition id %q declared twice", d.ID)
		}
		seen[d.ID] = true
		for what, s := range map[string]string{
			"title.fr": d.Title.FR, "title.en": d.Title.EN,
			"remediation.fr": d.Remediation.FR, "remediation.en": d.Remediation.EN,
			"standard": d.Standard,
		} {
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s: empty %s", d.ID, what)
			}
		}
		if d.Severity < audit.Info || d.Severity > audit.Critical {
			t.Errorf("%s: severity %v out of range", d.ID, d.Severity)
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
