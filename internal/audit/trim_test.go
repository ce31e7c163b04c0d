package audit_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
)

// bulky returns a result whose bodies, chains, EHLO lines and evidence
// are each about size bytes.
func bulky(size int) *audit.Result {
	big := strings.Repeat("x", size)
	certs := make([]audit.Certificate, 20)
	for i := range certs {
		certs[i] = audit.Certificate{Subject: "CN=" + strings.Repeat("c", size/20)}
	}
	ehlo := make([]string, 200)
	for i := range ehlo {
		ehlo[i] = "X-" + strings.Repeat("E", size/200)
	}
	ehlo[0] = "STARTTLS"
	ehlo[1] = "SIZE " + strings.Repeat("9", 2*size) // one very long line
	smtp := &audit.SMTPObservation{
		Address: "192.0.2.25:25", EHLO: ehlo, STARTTLS: true,
		Chain: make([]audit.DANEDigests, 20),
		TLS:   &audit.TLSObservation{Host: "mx.example.test", Certificates: certs},
	}
	for i := range smtp.Chain {
		smtp.Chain[i].CertSHA256 = strings.Repeat("ab", size/40)
	}
	findings := []audit.Finding{
		{ID: "a.critical", Severity: audit.Critical, Evidence: big[:size/4]},
		{ID: "b.medium", Severity: audit.Medium, Subject: big[:size/4]},
	}
	for range 50 {
		findings = append(findings, audit.Finding{ID: "c.info", Severity: audit.Info, Evidence: "short"})
	}
	return &audit.Result{
		Domain: "example.test",
		Time:   time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		Observations: &audit.Observations{
			Domain: "example.test",
			TLS:    []*audit.TLSObservation{{Host: "example.test", Certificates: certs}},
			HTTP: []*audit.HTTPObservation{{URL: "https://example.test/", Body: big,
				LateElements: []audit.HTMLElement{{Tag: "script", Attrs: map[string]string{"src": big}}}},
				{URL: "http://example.test/", Body: big}},
			SecurityTxt: &audit.SecurityTxtObservation{Body: big},
			Mail: &audit.MailObservation{
				MX:     &audit.MXObservation{Hosts: []*audit.MXHost{{Name: "mx.example.test", SMTP: []*audit.SMTPObservation{smtp}}}},
				MTASTS: &audit.MTASTSObservation{Policy: big, Mode: "enforce"},
			},
		},
		Findings: findings,
		Score:    &audit.Score{Grade: "C", Points: 61},
	}
}

func size(t *testing.T, r *audit.Result) int {
	t.Helper()
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return len(js)
}

func TestTrimFits(t *testing.T) {
	r := bulky(100 << 10)
	js, _ := json.Marshal(r)
	got, enc, err := audit.Trim(r, len(js))
	if err != nil {
		t.Fatal(err)
	}
	if got != r || string(enc) != string(js) || len(r.Trimmed) != 0 {
		t.Errorf("Trim of a result that fits: a new result or encoding, trimmed %q", got.Trimmed)
	}
}

// TestTrimOrder gives Trim a cap one byte under the size of its last
// answer, each time: each answer must have removed one more kind, in
// order. It checks what each removed, what it kept, and that the
// original is unchanged.
func TestTrimOrder(t *testing.T) {
	const n = 100 << 10
	orig := bulky(n)
	before, _ := json.Marshal(orig)
	steps := []string{audit.TrimmedBodies, audit.TrimmedChains, audit.TrimmedEHLO,
		audit.TrimmedObservations, audit.TrimmedEvidence, audit.TrimmedFindings}
	last := len(before)
	for k := range steps {
		tt := struct {
			max  int
			want []string
		}{last - 1, steps[:k+1]}
		got, enc, err := audit.Trim(orig, tt.max)
		if err != nil {
			t.Fatalf("Trim(max %d): %v", tt.max, err)
		}
		last = len(enc)
		if len(enc) > tt.max {
			t.Errorf("Trim(max %d): encoding of %d bytes", tt.max, len(enc))
		}
		if size(t, got) != len(enc) {
			t.Errorf("Trim(max %d): the encoding returned is not the result's", tt.max)
		}
		if diff := cmp.Diff(tt.want, got.Trimmed); diff != "" {
			t.Errorf("Trim(max %d) trimmed (-want +got):\n%s", tt.max, diff)
		}
		// What is kept at each step.
		if got.Score == nil || got.Score.Grade != "C" || got.Domain != "example.test" {
			t.Errorf("Trim(max %d) lost the score or the domain: %+v", tt.max, got.Score)
		}
		if len(got.Findings) == 0 || got.Findings[0].ID != "a.critical" {
			t.Errorf("Trim(max %d) lost the most severe finding: %v", tt.max, got.Findings)
		}
		if o := got.Observations; o != nil {
			if o.HTTP[0].Body != "" || !o.HTTP[0].BodyTruncated || o.HTTP[0].LateElements != nil || !o.HTTP[0].LateTruncated ||
				o.SecurityTxt.Body != "" || o.Mail.MTASTS.Policy != "" {
				t.Errorf("Trim(max %d) kept a body", tt.max)
			}
			if o.Mail.MTASTS.Mode != "enforce" {
				t.Errorf("Trim(max %d) lost the MTA-STS mode", tt.max)
			}
			s := o.Mail.MX.Hosts[0].SMTP[0]
			if len(tt.want) >= 2 && (len(o.TLS[0].Certificates) != 1 || len(s.TLS.Certificates) != 1 || len(s.Chain) != 1) {
				t.Errorf("Trim(max %d) kept chains of %d, %d and %d", tt.max, len(o.TLS[0].Certificates), len(s.TLS.Certificates), len(s.Chain))
			}
			if len(tt.want) >= 3 && (len(s.EHLO) != 32 || s.EHLO[0] != "STARTTLS" || len(s.EHLO[1]) > 520) {
				t.Errorf("Trim(max %d) kept %d EHLO lines, the second of %d bytes", tt.max, len(s.EHLO), len(s.EHLO[1]))
			}
		}
	}
	after, _ := json.Marshal(orig)
	if string(before) != string(after) || len(orig.Trimmed) != 0 {
		t.Error("Trim changed the result it was given")
	}
}

func TestTrimImpossible(t *testing.T) {
	r := &audit.Result{Domain: "example.test", Error: strings.Repeat("e", 10<<10)}
	if _, _, err := audit.Trim(r, 1<<10); err == nil {
		t.Error("Trim of a result whose error alone exceeds the cap: no error")
	}
}

func TestStripControls(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"Mairie d'Évry", "Mairie d'Évry"},
		{"a\tb\r\nc", "a b  c"},
		{"\x1b[31mrouge\x1b[0m", "[31mrouge[0m"},
		{"nul\x00 del\x7f c1\u0085\u009b fin", "nul del c1 fin"},
		{"\u00a0espace insécable", "\u00a0espace insécable"}, // U+00A0 is not a control
		{"bad \xff byte", "bad \xff byte"},                   // not UTF-8: left to the caller
	} {
		if got := audit.StripControls(tt.in); got != tt.want {
			t.Errorf("StripControls(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
