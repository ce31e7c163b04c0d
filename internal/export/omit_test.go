package export

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// secrets returns what an export that omits every field must not hold:
// the IP addresses and certificate subjects and issuers of the
// observations, and the findings' evidence (the longer texts: a short
// one could be a word of anything).
func secrets(t *testing.T, recs []store.AuditRecord) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	var walk func(v any, key string)
	walk = func(v any, key string) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(x, k)
			}
		case []any:
			for _, x := range v {
				walk(x, key)
			}
		case string:
			if a, err := netip.ParseAddr(v); err == nil {
				out[a.String()] = true
			} else if ap, err := netip.ParseAddrPort(v); err == nil {
				out[ap.Addr().String()] = true
			}
			if key == "subject" || key == "issuer" {
				if strings.Contains(v, "=") {
					out[v] = true
				}
			}
		}
	}
	for _, r := range recs {
		if r.Result == nil {
			continue
		}
		if o := r.Result.Observations; o != nil {
			js, _ := json.Marshal(o)
			var v any
			json.Unmarshal(js, &v)
			walk(v, "")
		}
		for _, f := range r.Result.Findings {
			if len(f.Evidence) >= 16 {
				out[clean(f.Evidence)] = true
			}
		}
	}
	return out
}

// TestOmitEverywhere exports with every field omitted, in every format:
// no address, certificate subject or evidence of the audits appears in
// any file (the Parquet and spreadsheet files read back, the others as
// text), the evidence columns are empty, the export validates and its
// schemas and audits.jsonl say what was left out.
func TestOmitEverywhere(t *testing.T) {
	st := sample(t)
	fx := fixtures(t)
	// Evidence that quotes an address and a certificate subject.
	r := *fx["weak-mail"]
	r.Findings = append([]audit.Finding(nil), r.Findings...)
	r.Findings = append(r.Findings, audit.Finding{ID: "test.quotes", Severity: audit.Low, Subject: "[2001:db8::25]:25",
		Evidence: "served by 192.0.2.10:443 and 2001:db8::25, chain CN=Test Intermediate R1,O=Test CA"})
	r.Error = "dial tcp 192.0.2.99:25: connection refused"
	org := store.Organisation{ID: "777", Name: "Commune témoin", Domains: []string{"quotes.test"}}
	st.recs = append(st.recs, record(org, "quotes.test", 2, &r, r.Time))
	forbidden := secrets(t, st.recs)
	for _, want := range []string{"192.0.2.10", "2001:db8::25", "CN=Test Intermediate R1,O=Test CA", "CN=example.test"} {
		if !forbidden[want] && !strings.Contains(strings.Join(keys(forbidden), "\n"), want) {
			t.Fatalf("the test's secrets miss %q: it would test nothing", want)
		}
	}
	forbidden["192.0.2.99"], forbidden["2001:db8::25"] = true, true

	dir := t.TempDir()
	opts := Options{Omit: OmitFields, FullObservations: true}
	if _, err := Write(context.Background(), st, "csv,json,parquet,xlsx", dir, testMeta, opts); err != nil {
		t.Fatal(err)
	}
	if errs := ValidateDir(dir); len(errs) > 0 {
		t.Fatalf("ValidateDir: %v", errs)
	}
	texts := map[string]string{} // file: its text, as a reader gets it
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, ent := range entries {
		name := ent.Name()
		path := filepath.Join(dir, name)
		switch filepath.Ext(name) {
		case ".parquet":
			var b strings.Builder
			if name == OrganisationsParquet {
				rows, err := parquet.ReadFile[OrganisationRow](path)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rows {
					b.WriteString(strings.Join(r.Record(), "\x00") + "\n")
				}
			} else {
				rows, err := parquet.ReadFile[FindingRow](path)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rows {
					b.WriteString(strings.Join(r.Record(), "\x00") + "\n")
				}
			}
			texts[name] = b.String()
		case ".xlsx":
			_, sheets := readXLSX(t, path)
			var b strings.Builder
			for _, rows := range sheets {
				for _, row := range rows {
					b.WriteString(strings.Join(row, "\x00") + "\n")
				}
			}
			texts[name] = b.String()
		default:
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			texts[name] = string(data)
		}
	}
	if len(texts) != len(FileNames(AllFormats)) {
		t.Errorf("%d files read, want %d", len(texts), len(FileNames(AllFormats)))
	}
	for name, text := range texts {
		for s := range forbidden {
			if strings.Contains(text, s) {
				t.Errorf("%s holds the omitted %q", name, s)
			}
		}
	}
	// The addresses were replaced, not the rows lost.
	if !strings.Contains(texts[OrganisationsCSV], "dial tcp "+OmittedText+": connection refused") {
		t.Errorf("organisations.csv: the error's address is not replaced")
	}
	if !strings.Contains(texts[FindingsCSV], "["+OmittedText+"]:25") {
		t.Errorf("findings.csv: the subject's address is not replaced")
	}
	for _, row := range readCSV(t, filepath.Join(dir, FindingsCSV))[1:] {
		if row[7] != "" {
			t.Fatalf("findings.csv: evidence %q, want none", row[7])
		}
	}
	var line AuditLine
	first, _, _ := strings.Cut(texts[AuditsJSONL], "\n")
	if err := json.Unmarshal([]byte(first), &line); err != nil {
		t.Fatal(err)
	}
	if line.Result.Observations != nil {
		t.Errorf("audits.jsonl: observations kept")
	}
	want := []string{"findings.evidence", "addresses", "tls.certificates.subject", "tls.certificates.issuer", "tls.certificates.serial", "observations"}
	if diff := cmp.Diff(want, line.Omitted); diff != "" {
		t.Errorf("omitted (-want +got):\n%s", diff)
	}
	if !strings.Contains(texts[FindingsSchemaF], "--omit evidence") {
		t.Errorf("findings.schema.json does not say the evidence is left out")
	}
}

func keys(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestScrubAddresses(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.1":                              "[omitted]",
		"dial tcp 192.0.2.1:443: refused":        "dial tcp [omitted]: refused",
		"[2001:db8::1]:25 and ::ffff:192.0.2.7.": "[[omitted]]:25 and [omitted].",
		"host:198.51.100.4":                      "host:[omitted]",
		"fe80::1%eth0":                           "[omitted]%eth0",
		"at 2026-03-01T10:00:00Z, v1.2":          "at 2026-03-01T10:00:00Z, v1.2",
		"sha256 deadbeef, TLS1.2, ab:cd":         "sha256 deadbeef, TLS1.2, ab:cd",
	} {
		if got := scrubAddresses(in); got != want {
			t.Errorf("scrubAddresses(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseOmit(t *testing.T) {
	got, err := ParseOmit("observations,EVIDENCE", " addresses")
	if diff := cmp.Diff([]string{"evidence", "addresses", "observations"}, got); diff != "" || err != nil {
		t.Errorf("ParseOmit: %v (-want +got):\n%s", err, diff)
	}
	if _, err := ParseOmit("evidence,names"); err == nil {
		t.Errorf("ParseOmit accepts an unknown field")
	}
}
