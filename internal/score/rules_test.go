package score

import (
	"strings"
	"testing"

	"vigie.eu/vigie/internal/check"
)

// TestEveryFindingHasARule fails when a check can produce a finding the
// rules table does not name: no finding may score by accident.
func TestEveryFindingHasARule(t *testing.T) {
	r := Default()
	for _, d := range check.Definitions() {
		if r.Rule(d.ID) == nil {
			t.Errorf("finding %s (%s) has no rule in rules/v1.json", d.ID, d.Severity)
		}
	}
}

// TestEveryRuleNamesAFinding fails when a rule names an id no check
// produces: the methodology lists no finding that an audit cannot give.
func TestEveryRuleNamesAFinding(t *testing.T) {
	ids := map[string]bool{}
	for _, d := range check.Definitions() {
		ids[d.ID] = true
	}
	for _, f := range Default().Findings {
		if !ids[f.ID] {
			t.Errorf("rule %s names no finding of check.Definitions()", f.ID)
		}
	}
}

// TestAreasByPrefix checks the areas the brief of the score gives: tls.*
// and the HTTPS, redirect and HSTS findings are web transport, the other
// http.* web application, dns.* DNS.
func TestAreasByPrefix(t *testing.T) {
	for _, f := range Default().Findings {
		var want string
		switch {
		case strings.HasPrefix(f.ID, "tls."), f.ID == "http.https.missing", f.ID == "http.redirect.missing", strings.HasPrefix(f.ID, "http.hsts."):
			want = "web_transport"
		case strings.HasPrefix(f.ID, "http."):
			want = "web_app"
		case strings.HasPrefix(f.ID, "dns."):
			want = "dns"
		case strings.HasPrefix(f.ID, "mail."):
			want = "mail"
		case strings.HasPrefix(f.ID, "services."):
			want = "attack_surface"
		case strings.HasPrefix(f.ID, "sovereignty."):
			want = "sovereignty"
		case strings.HasPrefix(f.ID, "privacy."):
			want = "privacy"
		}
		if f.Area != want {
			t.Errorf("%s: area %s, want %s", f.ID, f.Area, want)
		}
		if got := Default().area(f.ID); got != f.Area {
			t.Errorf("area(%s) = %s, want %s", f.ID, got, f.Area)
		}
	}
}

func TestParseRulesRejects(t *testing.T) {
	valid := string(rulesJSON)
	// The current version, so that a new methodology version needs no
	// edit here.
	version := `"methodology": "` + Default().Methodology + `"`
	tests := []struct {
		name, old, new, want string
	}{
		{"unknown field", version + ",", version + `, "colour": 1,`, "unknown field"},
		{"history behind", version, `"methodology": "9999.1"`, "last history entry"},
		{"unknown area", `{"id": "dns.ns.too_few", "area": "dns"}`, `{"id": "dns.ns.too_few", "area": "dsn"}`, "unknown area"},
		{"two rules", `{"id": "dns.ns.too_few", "area": "dns"}`, `{"id": "dns.ns.too_few", "area": "dns"}, {"id": "dns.ns.too_few", "area": "dns"}`, "two rules"},
		{"points without reason", `{"id": "dns.ns.too_few", "area": "dns"}`, `{"id": "dns.ns.too_few", "area": "dns", "points": 3}`, "without a reason"},
		{"points too many", `"area": "web_transport", "points": 100,`, `"area": "web_transport", "points": 101,`, "out of 0..100"},
		{"cap unknown grade", `"grade": "E", "ids": ["tls.cipher.rc4"]`, `"grade": "G", "ids": ["tls.cipher.rc4"]`, "unknown grade"},
		{"cap unknown id", `"ids": ["tls.cipher.rc4"]`, `"ids": ["tls.cipher.rc5"]`, "has no rule"},
		{"thresholds rise", `{"grade": "B", "min": 70}`, `{"grade": "B", "min": 90}`, "must not rise"},
		{"no severity", `"info": 0}`, `"inf": 0}`, "no points for severity info"},
		// Rules reserved for checks to come are gone: the field is unknown.
		{"reserved rule", `{"id": "dns.ns.too_few", "area": "dns"}`, `{"id": "dns.ns.too_few", "area": "dns", "reserved": true}`, "unknown field"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(valid, tt.old) {
				t.Fatalf("rules/v1.json no longer contains %q", tt.old)
			}
			_, err := ParseRules([]byte(strings.Replace(valid, tt.old, tt.new, 1)))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("ParseRules = %v, want an error with %q", err, tt.want)
			}
		})
	}
	if _, err := ParseRules(rulesJSON); err != nil {
		t.Errorf("ParseRules(rules/v1.json) = %v", err)
	}
}
