package score

import (
	"slices"
	"testing"

	"vigie.eu/vigie/internal/audit"
)

// legacyFindings are the findings of the lab's legacy.test (e2e/expect.tsv):
// TLS 1.0 and 1.1, no TLS 1.3, CBC-SHA1, static RSA, no HSTS, and the
// headers a bare nginx lacks.
func legacyFindings(t *testing.T) []audit.Finding {
	var fs []audit.Finding
	for _, id := range []string{"http.csp.missing", "http.hsts.missing", "http.xcto.missing", "tls.cipher.cbc_sha1",
		"tls.cipher.no_forward_secrecy", "tls.protocol.no_tls13", "tls.protocol.tls10", "tls.protocol.tls11"} {
		fs = append(fs, find(t, id, "legacy.test"))
	}
	return fs
}

func TestGainsLegacy(t *testing.T) {
	fs := legacyFindings(t)
	o := observedAll()
	now := Compute(fs, o)
	plan := Gains(fs, o)
	for i, g := range plan {
		t.Logf("%d %v %s→%s +%d %v", i, g.IDs, g.From.Grade, g.To.Grade, g.Points, g.CapsLifted)
	}
	if len(now.Caps) == 0 || now.Grade != "B" {
		t.Fatalf("legacy scored %s with caps %v, want capped at B", now.Grade, now.Caps)
	}
	if len(plan) == 0 || !slices.Contains(plan[0].CapsLifted, "cap.protocol.legacy") {
		t.Fatalf("first action %+v does not lift cap.protocol.legacy", plan)
	}
	if !slices.Equal(plan[0].IDs, []string{"tls.protocol.tls10", "tls.protocol.tls11"}) {
		t.Errorf("first action fixes %v, want TLS 1.0 and 1.1 together", plan[0].IDs)
	}
	// Every finding is in exactly one action, and the plan's steps chain.
	seen := map[string]int{}
	from := audit.ScoreGrade{Grade: now.Grade, Points: now.Points}
	for _, g := range plan {
		for _, id := range g.IDs {
			seen[id]++
		}
		if g.From != from {
			t.Errorf("action %v starts at %v, the previous ended at %v", g.IDs, g.From, from)
		}
		if g.Points != g.To.Points-g.From.Points {
			t.Errorf("action %v: points %d, want %d", g.IDs, g.Points, g.To.Points-g.From.Points)
		}
		from = g.To
	}
	for _, f := range fs {
		if seen[f.ID] != 1 {
			t.Errorf("%s in %d actions", f.ID, seen[f.ID])
		}
	}
	if last := Compute(nil, o); from.Grade != last.Grade || from.Points != last.Points {
		t.Errorf("the plan ends at %v, the audit without findings scores %s %d", from, last.Grade, last.Points)
	}
}

// TestGainsOrder checks that a fix that raises the grade comes before
// fixes worth more points that do not.
func TestGainsOrder(t *testing.T) {
	o := observedAll()
	// An expired certificate caps at F; the CSP costs more points in
	// its area than expiring_soon but lifts nothing.
	fs := []audit.Finding{find(t, "http.csp.missing", "example.test"), find(t, "tls.cert.expired", "example.test")}
	plan := Gains(fs, o)
	if len(plan) != 2 || plan[0].IDs[0] != "tls.cert.expired" || plan[0].From.Grade != "F" || !plan[0].Raises() {
		t.Fatalf("plan %+v: want the expired certificate first, raising F", plan)
	}
	// Points decide between fixes that raise nothing.
	fs = []audit.Finding{find(t, "http.securitytxt.missing", "example.test"), find(t, "http.csp.missing", "example.test")}
	plan = Gains(fs, o)
	if plan[0].IDs[0] != "http.csp.missing" || plan[0].Points <= plan[1].Points {
		t.Errorf("plan %+v: want the CSP (more points) first", plan)
	}
	if Gains(fs, &audit.Observations{}) != nil {
		t.Error("a plan for an audit with no score")
	}
}

// TestMeanings checks that every grade and cap of the table has a meaning
// in French and English, and that no meaning names what the table lacks.
func TestMeanings(t *testing.T) {
	r := Default()
	for _, g := range r.Grades {
		if m := GradeMeaning(g.Grade); m.FR == "" || m.EN == "" {
			t.Errorf("grade %s: no meaning in French and English", g.Grade)
		}
	}
	for _, c := range r.Caps {
		if m := CapMeaning(c.Rule); m.FR == "" || m.EN == "" {
			t.Errorf("cap %s: no meaning in French and English", c.Rule)
		}
	}
	if len(gradeMeaning) != len(r.Grades) || len(capMeaning) != len(r.Caps) {
		t.Errorf("%d grade and %d cap meanings for %d grades and %d caps", len(gradeMeaning), len(capMeaning), len(r.Grades), len(r.Caps))
	}
}
