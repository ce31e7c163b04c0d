package mailcheck_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/checktest"
	"vigie.eu/vigie/internal/check/mailcheck"
	"vigie.eu/vigie/internal/check/tlscheck"
)

func TestGolden(t *testing.T) {
	checktest.Golden(t, "testdata", mailcheck.Checks...)
}

func TestDefinitions(t *testing.T) {
	checktest.Definitions(t, "mail", mailcheck.Definitions)
}

// TestFindingsAreDefined runs the checks on every fixture and requires each
// finding to match a definition exactly, and every definition outside
// mail.tls. to be produced by a fixture (mail.tls. is covered by
// TestTLSReusesTLSCheck).
func TestFindingsAreDefined(t *testing.T) {
	defs := map[string]*audit.Definition{}
	for _, d := range mailcheck.Definitions {
		defs[d.ID] = d
	}
	produced := map[string]bool{}
	files, err := filepath.Glob("testdata/*/*.observations.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixture: %v", err)
	}
	for _, f := range files {
		o := checktest.LoadObservations(t, f)
		got := checktest.Run(o, mailcheck.Checks...)
		if strings.Contains(f, "/good/") && len(got) != 0 {
			t.Errorf("%s: findings on a good configuration: %v", f, got)
		}
		for _, fd := range got {
			d, ok := defs[fd.ID]
			if !ok {
				t.Errorf("%s: finding %q has no definition", f, fd.ID)
				continue
			}
			produced[fd.ID] = true
			if fd.Severity != d.Severity || fd.Title != d.Title || fd.Standard != d.Standard || fd.Remediation != d.Remediation {
				t.Errorf("%s: finding %q differs from its definition", f, fd.ID)
			}
			if fd.Subject == "" || fd.Evidence == "" {
				t.Errorf("%s: finding %q without subject or evidence", f, fd.ID)
			}
		}
	}
	for id := range defs {
		if !produced[id] && !strings.HasPrefix(id, "mail.tls.") {
			t.Errorf("no fixture produces %q", id)
		}
	}
}

// TestTLSReusesTLSCheck moves each observation of tlscheck's fixtures onto
// an MX and requires the TLS check to report the same findings renamed
// under mail.tls. (but those skipped on purpose), with the mail
// definition's texts.
func TestTLSReusesTLSCheck(t *testing.T) {
	defs := map[string]*audit.Definition{}
	for _, d := range mailcheck.Definitions {
		defs[d.ID] = d
	}
	files, err := filepath.Glob("../tlscheck/testdata/*/*.observations.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no tlscheck fixture: %v", err)
	}
	produced := map[string]bool{}
	for _, f := range files {
		web := checktest.LoadObservations(t, f)
		var want []string
		for _, fd := range checktest.Run(web, tlscheck.Checks...) {
			if fd.ID == "tls.kex.no_post_quantum" {
				continue
			}
			want = append(want, "mail."+fd.ID+" "+fd.Subject+" "+fd.Evidence)
		}
		host := &audit.MXHost{Name: "mx.example.test"}
		for _, tl := range web.TLS {
			host.SMTP = append(host.SMTP, &audit.SMTPObservation{Address: "192.0.2.25:25", EHLOCode: 250, STARTTLS: true, STARTTLSCode: 220, TLS: tl})
		}
		o := &audit.Observations{Domain: web.Domain, Time: web.Time, Mail: &audit.MailObservation{MX: &audit.MXObservation{Rcode: "NOERROR", Hosts: []*audit.MXHost{host}}}}
		var got []string
		for _, fd := range mailcheck.TLS.Run(o) {
			got = append(got, fd.ID+" "+fd.Subject+" "+fd.Evidence)
			produced[fd.ID] = true
			if d := defs[fd.ID]; d == nil || fd.Severity != d.Severity || fd.Title != d.Title {
				t.Errorf("%s: %s does not match its definition", f, fd.ID)
			}
		}
		if diff := cmp.Diff(dedupe(want), got); diff != "" {
			t.Errorf("%s: (-want +got):\n%s", f, diff)
		}
	}
	for id := range defs {
		if strings.HasPrefix(id, "mail.tls.") && !produced[id] {
			t.Errorf("no tlscheck fixture produces %q", id)
		}
	}
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func TestChecksAreDeterministic(t *testing.T) {
	checktest.Deterministic(t, "testdata", mailcheck.Checks...)
}

func TestEmptyObservations(t *testing.T) {
	for _, o := range []*audit.Observations{
		{Domain: "example.test"},
		{Domain: "example.test", Mail: &audit.MailObservation{}},
		{Domain: "example.test", Mail: &audit.MailObservation{MX: &audit.MXObservation{Hosts: []*audit.MXHost{{SMTP: []*audit.SMTPObservation{nil, {}}}}}, SPF: &audit.SPFObservation{Error: "x"}, DMARC: &audit.DMARCObservation{Error: "x"}, DKIM: &audit.DKIMObservation{}, MTASTS: &audit.MTASTSObservation{Error: "x"}, TLSRPT: &audit.TLSRPTObservation{Error: "x"}}},
	} {
		if got := checktest.Run(o, mailcheck.Checks...); len(got) != 0 {
			t.Errorf("findings on unobserved mail: %v", got)
		}
	}
}
