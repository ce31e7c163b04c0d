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

// TestChecks runs the shared tests; the findings of mail.tls are those of
// tlscheck, produced by TestTLSReusesTLSCheck.
func TestChecks(t *testing.T) {
	checktest.Area{Name: "mail", Checks: mailcheck.Checks, CoveredElsewhere: []string{"mail.tls"}}.Test(t)
}

// TestTLSReusesTLSCheck moves each observation of tlscheck's fixtures onto
// an MX and requires the TLS check to report the same findings renamed
// under mail.tls. (but those skipped on purpose), with the mail
// definition's texts.
func TestTLSReusesTLSCheck(t *testing.T) {
	defs := map[string]*audit.Definition{}
	for _, d := range mailcheck.TLS.Definitions() {
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
