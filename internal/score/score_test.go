package score

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check"
)

// observedAll is a minimal audit where every area was observed and nothing
// was wrong.
// answeredDNS is the DNS observation of example.test when its SOA was
// found.
func answeredDNS() *audit.DNSObservation {
	return &audit.DNSObservation{Exists: true, Queries: []audit.DNSQuery{{Name: "example.test", Type: "SOA", Rcode: "NOERROR", Answers: 1}}}
}

// dnsOnly is the observations of a domain whose DNS answered and nothing
// else.
func dnsOnly() *audit.Observations {
	return &audit.Observations{Domain: "example.test", DNS: answeredDNS()}
}

func observedAll() *audit.Observations {
	return &audit.Observations{
		Domain: "example.test",
		Time:   time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC),
		DNS:    answeredDNS(),
		TLS:    []*audit.TLSObservation{{Host: "example.test", Port: 443}},
		HTTP: []*audit.HTTPObservation{{
			URL:       "https://example.test/",
			Responses: []audit.HTTPResponse{{URL: "https://example.test/", Status: 200}},
		}},
		Mail: &audit.MailObservation{MX: &audit.MXObservation{Rcode: "NOERROR", Null: true}},
		Hosting: &audit.HostingObservation{Hosts: []audit.HostedName{{Role: audit.RoleWeb, Name: "example.test",
			Addresses: []audit.HostingAddress{{IP: "192.0.2.1"}}}}},
	}
}

// defs returns the definitions of the checks by id.
func defs(t testing.TB) map[string]*audit.Definition {
	t.Helper()
	m := map[string]*audit.Definition{}
	for _, d := range check.Definitions() {
		m[d.ID] = d
	}
	return m
}

// find returns a finding of id about subject, with the severity of its
// definition.
func find(t testing.TB, id, subject string) audit.Finding {
	t.Helper()
	d := defs(t)[id]
	if d == nil {
		t.Fatalf("finding %s has no definition", id)
	}
	return d.New(subject, audit.Message{})
}

func lostOf(s *audit.Score, area, id string) (audit.PointsLost, bool) {
	if in := s.Indicator(area); in != nil {
		for _, l := range in.Lost {
			if l.ID == id {
				return l, true
			}
		}
	}
	for _, a := range s.Areas {
		if a.Area != area {
			continue
		}
		for _, l := range a.Lost {
			if l.ID == id {
				return l, true
			}
		}
	}
	return audit.PointsLost{}, false
}

func areaPoints(s *audit.Score, area string) int {
	if in := s.Indicator(area); in != nil {
		return in.Points
	}
	for _, a := range s.Areas {
		if a.Area == area {
			return a.Points
		}
	}
	return -1
}

// TestFindingRules checks every finding rule of the table: one finding
// costs its area the rule's points (or the severity's), two findings of
// the id on two subjects cost at most its maximum.
func TestFindingRules(t *testing.T) {
	r := Default()
	o := observedAll()
	o.HTTP = append(o.HTTP, &audit.HTTPObservation{}) // an HTTP probe that saw nothing
	o.Services = &audit.ServicesObservation{Addresses: []*audit.ServiceAddress{{Address: "192.0.2.1"}}}
	o.Pages = []*audit.PageObservation{{URL: "https://example.test/", Method: audit.PageBrowser}}
	for _, fr := range r.Findings {
		t.Run(fr.ID, func(t *testing.T) {
			one := find(t, fr.ID, "example.test")
			each := r.SeverityPoints[one.Severity.String()]
			if fr.Points != nil {
				each = *fr.Points
			}
			most := max(fr.Max, each)
			s := r.Compute([]audit.Finding{one}, o)
			l, ok := lostOf(s, fr.Area, fr.ID)
			if !ok || l.Points != each || l.Findings != 1 {
				t.Fatalf("one finding: lost %+v (found %v), want %d points", l, ok, each)
			}
			if got, want := areaPoints(s, fr.Area), max(100-each, 0); got != want {
				t.Errorf("area %s: %d points, want %d", fr.Area, got, want)
			}
			two := find(t, fr.ID, "www.example.test")
			s = r.Compute([]audit.Finding{one, two}, o)
			l, _ = lostOf(s, fr.Area, fr.ID)
			if want := min(2*each, most); l.Points != want || l.Findings != 2 {
				t.Errorf("two findings: lost %+v, want %d points", l, want)
			}
		})
	}
}

// TestCapRules checks that each id of each cap caps the grade, and that
// the grade before the cap stays visible.
func TestCapRules(t *testing.T) {
	r := Default()
	for _, c := range r.Caps {
		for _, id := range c.IDs {
			t.Run(c.Rule+"/"+id, func(t *testing.T) {
				s := r.Compute([]audit.Finding{find(t, id, "example.test")}, observedAll())
				if r.gradeIndex(s.Grade) < r.gradeIndex(c.Grade) {
					t.Errorf("grade %s, better than the cap %s", s.Grade, c.Grade)
				}
				found := false
				for _, sc := range s.Caps {
					if sc.Rule == c.Rule && sc.ID == id && sc.Grade == c.Grade && sc.Reason == c.Reason {
						found = true
					}
				}
				if !found {
					t.Errorf("caps %+v lack %s by %s", s.Caps, c.Rule, id)
				}
				if s.BeforeCaps.Points != s.Points {
					t.Errorf("before caps %d points, after %d: caps must not change points", s.BeforeCaps.Points, s.Points)
				}
			})
		}
	}
}

// TestGradeRules checks each threshold of the table, at its bounds.
func TestGradeRules(t *testing.T) {
	r := Default()
	tests := []struct {
		points int
		worst  audit.Severity
		any    bool
		want   string
	}{
		{100, audit.Info, false, "A+"},
		{95, audit.Low, true, "A+"},
		{95, audit.Medium, true, "A"},
		{100, audit.Critical, true, "A"},
		{94, audit.Info, true, "A"},
		{85, audit.Info, true, "A"},
		{84, audit.Info, true, "B"},
		{70, audit.Info, true, "B"},
		{69, audit.Info, true, "C"},
		{55, audit.Info, true, "C"},
		{54, audit.Info, true, "D"},
		{40, audit.Info, true, "D"},
		{39, audit.Info, true, "E"},
		{25, audit.Info, true, "E"},
		{24, audit.Info, true, "F"},
		{0, audit.Info, true, "F"},
	}
	for _, tt := range tests {
		if got := r.grade(tt.points, tt.worst, tt.any); got != tt.want {
			t.Errorf("grade(%d, %s) = %s, want %s", tt.points, tt.worst, got, tt.want)
		}
	}
}

// TestAreas checks the weighted mean and how unobserved areas are left out.
func TestAreas(t *testing.T) {
	r := Default()
	tests := []struct {
		name       string
		o          *audit.Observations
		findings   []string
		points     int
		unobserved []string
	}{
		{"nothing observed", &audit.Observations{Domain: "example.test"}, nil, -1, nil},
		{"all observed, clean", observedAll(), nil, 100, nil},
		// web_transport 90 (35), web_app 100 (25), mail 100 (20), dns
		// 100 (20): (90*35+100*65)/100 = 96.5, rounded half up 97.
		{"tls10", observedAll(), []string{"tls.protocol.tls10"}, 97, nil},
		// mail 75 (20), the others 100 (80): 95.
		{"dmarc missing", observedAll(), []string{"mail.dmarc.missing"}, 95, nil},
		// Mail unobserved: its finding scores nothing.
		{"mail unobserved", func() *audit.Observations { o := observedAll(); o.Mail = nil; return o }(), []string{"mail.dmarc.missing"}, 100, []string{"mail"}},
		{"mail probe failed", func() *audit.Observations {
			o := observedAll()
			o.Mail = &audit.MailObservation{MX: &audit.MXObservation{Error: "timeout"}, SPF: &audit.SPFObservation{Error: "timeout"}, DMARC: &audit.DMARCObservation{Error: "timeout"}}
			return o
		}(), nil, 100, []string{"mail"}},
		// Only DNS observed: DNS alone makes the mean.
		{"dns only", dnsOnly(), []string{"dns.dnssec.missing"}, 90, []string{"web_transport", "web_app", "mail"}},
		// A web finding with no web observation scores nothing but
		// still counts for the thresholds.
		{"finding in unobserved area", dnsOnly(), []string{"http.csp.missing"}, 100, []string{"web_transport", "web_app", "mail"}},
		{"nxdomain", &audit.Observations{DNS: &audit.DNSObservation{Exists: false}}, nil, -1, nil},
		// A resolver that never answered, or answered SERVFAIL:
		// nothing was seen, not a clean DNS.
		{"silent resolver", &audit.Observations{Domain: "example.test", DNS: &audit.DNSObservation{Exists: true,
			Queries: []audit.DNSQuery{{Name: "example.test", Type: "SOA", Error: "i/o timeout"}}}}, nil, -1, nil},
		{"servfail", &audit.Observations{Domain: "example.test", DNS: &audit.DNSObservation{Exists: true,
			Queries: []audit.DNSQuery{{Name: "example.test", Type: "SOA", Rcode: "SERVFAIL"}}}}, nil, -1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fs []audit.Finding
			for _, id := range tt.findings {
				fs = append(fs, find(t, id, "example.test"))
			}
			s := r.Compute(fs, tt.o)
			if tt.points < 0 {
				if s != nil {
					t.Fatalf("Compute = %+v, want nil", s)
				}
				return
			}
			if s == nil {
				t.Fatal("Compute = nil")
			}
			if s.Points != tt.points {
				t.Errorf("points %d, want %d", s.Points, tt.points)
			}
			if diff := cmp.Diff(tt.unobserved, s.Unobserved); diff != "" {
				t.Errorf("unobserved (-want +got):\n%s", diff)
			}
		})
	}
}

// TestMonotonic: adding a finding never raises an area's points, the
// overall points nor the grade, whatever the findings already there.
func TestMonotonic(t *testing.T) {
	r := Default()
	var pool []audit.Finding
	for _, d := range check.Definitions() {
		pool = append(pool, d.New("example.test", audit.Message{}), d.New("www.example.test", audit.Message{}))
	}
	observations := []*audit.Observations{observedAll(), dnsOnly()}
	rng := rand.New(rand.NewPCG(2026, 1))
	for i := range 2000 {
		o := observations[i%len(observations)]
		var fs []audit.Finding
		for _, f := range pool {
			if rng.IntN(8) == 0 {
				fs = append(fs, f)
			}
		}
		before := r.Compute(fs, o)
		extra := pool[rng.IntN(len(pool))]
		after := r.Compute(append(fs, extra), o)
		if after.Points > before.Points || r.gradeIndex(after.Grade) < r.gradeIndex(before.Grade) ||
			r.gradeIndex(after.BeforeCaps.Grade) < r.gradeIndex(before.BeforeCaps.Grade) {
			t.Fatalf("adding %s raised the score: %d %s -> %d %s", extra.ID, before.Points, before.Grade, after.Points, after.Grade)
		}
		for _, a := range after.Areas {
			if b := areaPoints(before, a.Area); a.Points > b {
				t.Fatalf("adding %s raised area %s: %d -> %d", extra.ID, a.Area, b, a.Points)
			}
		}
	}
}

// TestLegacyHSTSAndSPFPassAll is the CyberScore issue's case: legacy TLS,
// no HSTS and SPF "+all" give C or worse, and it is SPF that takes the
// grade below the B of legacy TLS.
func TestLegacyHSTSAndSPFPassAll(t *testing.T) {
	r := Default()
	web := []audit.Finding{find(t, "tls.protocol.tls10", "example.test"), find(t, "http.hsts.missing", "example.test")}
	s := r.Compute(web, observedAll())
	if s.Grade != "B" {
		t.Fatalf("legacy TLS and no HSTS: grade %s, want B (cap.protocol.legacy)", s.Grade)
	}
	s = r.Compute(append(web, find(t, "mail.spf.pass_all", "example.test")), observedAll())
	if r.gradeIndex(s.Grade) < r.gradeIndex("C") {
		t.Errorf("with SPF +all: grade %s, want C or worse", s.Grade)
	}
	if len(s.Caps) == 0 || s.Caps[0].Rule != "cap.mail.spf_pass_all" {
		t.Errorf("caps %+v, want cap.mail.spf_pass_all first", s.Caps)
	}
}

// The sovereignty findings take nothing from the CyberScore: they make
// the grade of the Sovereignty indicator, beside it.
func TestSovereigntyIndicator(t *testing.T) {
	r := Default()
	o := observedAll()
	base := r.Compute(nil, o)
	in := base.Indicator("sovereignty")
	if in == nil || in.Grade != "A" || in.Points != 100 {
		t.Fatalf("no finding: indicator %+v, want A with 100 points", in)
	}
	mail := find(t, "sovereignty.mail.extraterritorial", "mx.example.test")
	web := find(t, "sovereignty.web.extraterritorial", "example.test")
	s := r.Compute([]audit.Finding{mail, web}, o)
	if s.Points != base.Points || s.Grade != base.Grade || !cmp.Equal(s.Areas, base.Areas) {
		t.Errorf("the CyberScore moved: %d %s -> %d %s", base.Points, base.Grade, s.Points, s.Grade)
	}
	in = s.Indicator("sovereignty")
	if in == nil || in.Points != 80 || in.Grade != "C" {
		t.Errorf("web and mail at a US provider: indicator %+v, want C with 80 points", in)
	}
	o.Hosting = nil
	if s := r.Compute([]audit.Finding{mail}, o); s.Indicator("sovereignty") != nil {
		t.Errorf("without hosting observation: indicator %+v, want none", s.Indicator("sovereignty"))
	}
}

// TestIndicatorOutsideGrade checks that the privacy indicator is scored
// on its own and changes neither the CyberScore's points nor its grade.
func TestIndicatorOutsideGrade(t *testing.T) {
	r := Default()
	o := observedAll()
	before := r.Compute(nil, o)
	o.Pages = []*audit.PageObservation{{URL: "https://example.test/", Method: audit.PageBrowser}}
	tracker := find(t, "privacy.tracker.before_consent", "Google Analytics")
	s := r.Compute([]audit.Finding{tracker}, o)
	if s.Points != before.Points || s.Grade != before.Grade {
		t.Errorf("with a privacy finding: %d %s, without: %d %s", s.Points, s.Grade, before.Points, before.Grade)
	}
	if in := s.Indicator("privacy"); in == nil || in.Points != 75 || in.Grade != "C" {
		t.Errorf("privacy indicator = %+v, want C with 75 points", in)
	}
	if slices.Contains(before.Unobserved, "privacy") || before.Indicator("privacy") != nil {
		t.Errorf("an audit without --page: unobserved %v, indicators %v", before.Unobserved, before.Indicators)
	}
}

// TestEcoIndexIndicator checks the eco-design indicator on the method's
// published example (100 elements, 100 requests, 100 KB give 72, B), and
// that a static reading, or a load cut short, gives none.
func TestEcoIndexIndicator(t *testing.T) {
	r := Default()
	o := observedAll()
	before := r.Compute(nil, o)
	o.Pages = []*audit.PageObservation{
		{URL: "https://example.test/", Method: audit.PageBrowser, Error: "timeout", ErrorCode: "timeout", DOMElements: 9, RequestCount: 1, TransferBytes: 10},
		{URL: "https://www.example.test/", FinalURL: "https://www.example.test/accueil", Method: audit.PageBrowser, DOMElements: 100, RequestCount: 100, TransferBytes: 100 * 1024},
	}
	s := r.Compute(nil, o)
	if s.Points != before.Points || s.Grade != before.Grade {
		t.Errorf("the CyberScore moved: %d %s -> %d %s", before.Points, before.Grade, s.Points, s.Grade)
	}
	in := s.Indicator("ecodesign")
	want := &audit.IndicatorScore{Indicator: "ecodesign", Points: 72, Grade: "B", EcoIndex: &audit.EcoIndexScore{
		Page: "https://www.example.test/accueil", DOMElements: 100, Requests: 100, SizeKB: 100, Score: 72, Grade: "B", GHG: 1.56, Water: 2.34}}
	if diff := cmp.Diff(want, in); diff != "" {
		t.Errorf("ecodesign indicator (-want +got):\n%s", diff)
	}
	o.Pages = []*audit.PageObservation{{URL: "https://example.test/", Method: audit.PageStatic, DOMElements: 100, RequestCount: 3}}
	if in := r.Compute(nil, o).Indicator("ecodesign"); in != nil {
		t.Errorf("static reading: indicator %+v, want none", in)
	}
}
