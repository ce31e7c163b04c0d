package sovcheck_test

import (
	"testing"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check/checktest"
	"vigie.eu/vigie/internal/check/sovcheck"
)

// TestChecks runs the shared tests on the fixtures of testdata.
func TestChecks(t *testing.T) {
	checktest.Area{Name: "sovereignty", Checks: sovcheck.Checks}.Test(t)
}

func TestWeight(t *testing.T) {
	for _, c := range []struct {
		category string
		want     int
	}{
		{"hôpital", 1}, {"Hopital", 1}, {"centre hospitalier", 0}, {"CHU", 1}, {"ministère", 1}, {"région", 1},
		{"département", 1}, {"commune", 0}, {"", 0}, {"établissement public", 0}, {"association", -1},
	} {
		if got := sovcheck.Weight(c.category); got != c.want {
			t.Errorf("Weight(%q) = %d, want %d", c.category, got, c.want)
		}
	}
}

// The same mail at Microsoft ranks high for a hospital, medium for a
// commune, low for an association.
func TestMailSeverityByCategory(t *testing.T) {
	o := &audit.Observations{Domain: "x.test", Hosting: &audit.HostingObservation{Hosts: []audit.HostedName{{
		Role: audit.RoleMail, Name: "x-test.mail.protection.outlook.com",
		NameProvider: &audit.HostingProvider{ID: "microsoft", Name: "Microsoft", Country: "US", Extraterritorial: true, Laws: []string{"us-cloud-act"}},
	}}}}
	for cat, want := range map[string]audit.Severity{"hôpital": audit.High, "commune": audit.Medium, "association": audit.Low} {
		o.Category = cat
		fs := sovcheck.Mail.Run(o)
		if len(fs) != 1 || fs[0].Severity != want {
			t.Errorf("%s: %+v, want one finding of severity %s", cat, fs, want)
		}
	}
}
