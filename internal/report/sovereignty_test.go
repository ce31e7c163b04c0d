package report

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check"
	"vigie.eu/vigie/internal/score"
)

// The text report shows the Sovereignty indicator beside the CyberScore,
// who hosts the mail under which law, and the IP data's credit.
func TestTextSovereignty(t *testing.T) {
	ms := &audit.HostingProvider{ID: "microsoft", Name: "Microsoft", Country: "US", Jurisdictions: []string{"US", "EU"}, Extraterritorial: true, Laws: []string{"us-cloud-act"}}
	o := &audit.Observations{Domain: "chu.test", Time: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC), Category: "hôpital",
		DNS: &audit.DNSObservation{Exists: true, A: []string{"192.0.2.1"}, Queries: []audit.DNSQuery{{Name: "chu.test", Type: "A", Rcode: "NOERROR", Answers: 1}}},
		Hosting: &audit.HostingObservation{Providers: "2026.2",
			Sources: []audit.HostingSource{{Name: "@ip-location-db/asn", License: "CC BY 4.0", Attribution: "RouteViews, DB-IP (IP to ASN Lite, https://db-ip.com)"}},
			Hosts:   []audit.HostedName{{Role: audit.RoleMail, Name: "chu-test.mail.protection.outlook.com", NameProvider: ms}}}}
	fs, _ := check.Run(o)
	r := &audit.Result{Domain: "chu.test", Time: o.Time, Observations: o, Findings: fs, Score: score.Compute(fs, o)}
	for lang, want := range map[string][]string{
		"fr": {"Souveraineté : C (75/100), indicateur à part, hors CyberScore", "Messagerie : Microsoft (US+EU), soumis au droit extra-européen", "https://db-ip.com), CC BY 4.0"},
		"en": {"Sovereignty: C (75/100)", "Mail: Microsoft (US+EU), bound by extra-European law", "IP data: RouteViews, DB-IP"},
	} {
		var b bytes.Buffer
		if err := Text(&b, r, Options{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: no %q in:\n%s", lang, w, b.String())
			}
		}
	}
}

// The HTML report (and so the PDF and the observatory's printable page)
// shows the indicators beside the CyberScore too, escaped.
func TestHTMLIndicators(t *testing.T) {
	ms := &audit.HostingProvider{ID: "microsoft", Name: "Microsoft <script>", Country: "US", Jurisdictions: []string{"US", "EU"}, Extraterritorial: true}
	o := &audit.Observations{Domain: "chu.test", Time: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC), Category: "hôpital",
		DNS: &audit.DNSObservation{Exists: true, A: []string{"192.0.2.1"}, Queries: []audit.DNSQuery{{Name: "chu.test", Type: "A", Rcode: "NOERROR", Answers: 1}}},
		Hosting: &audit.HostingObservation{Providers: "2026.2",
			Sources: []audit.HostingSource{{Name: "@ip-location-db/asn", License: "CC BY 4.0", Attribution: "RouteViews, DB-IP (IP to ASN Lite, https://db-ip.com)"}},
			Hosts:   []audit.HostedName{{Role: audit.RoleMail, Name: "chu-test.mail.protection.outlook.com", NameProvider: ms}}},
		Pages: []*audit.PageObservation{{URL: "https://chu.test/", Method: audit.PageStatic,
			ThirdParties: []audit.ThirdParty{{ID: "google-analytics", Name: "Google Analytics", Category: "analytics", Country: "US"}}}}}
	fs, _ := check.Run(o)
	r := &audit.Result{Domain: "chu.test", Time: o.Time, Observations: o, Findings: fs, Score: score.Compute(fs, o)}
	for lang, want := range map[string][]string{
		"fr": {"<strong>Souveraineté : </strong>C (75/100), indicateur à part, hors CyberScore", "Messagerie : Microsoft &lt;script&gt; (US&#43;EU), soumis au droit extra-européen", "https://db-ip.com), CC BY 4.0", "<strong>Vie privée : </strong>", "Tiers : Google Analytics (US)", "Lecture : statique"},
		"en": {"<strong>Sovereignty: </strong>C (75/100)", "<strong>Privacy: </strong>", "Third parties: Google Analytics (US)"},
	} {
		var b bytes.Buffer
		if err := HTML(&b, r, Options{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		for _, w := range want {
			if !strings.Contains(b.String(), w) {
				t.Errorf("%s: no %q in the HTML report", lang, w)
			}
		}
		if strings.Contains(b.String(), "Microsoft <script>") {
			t.Errorf("%s: a provider's name unescaped", lang)
		}
	}
}
