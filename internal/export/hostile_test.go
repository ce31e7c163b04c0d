package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check"
	"vigie.eu/vigie/internal/score"
	"vigie.eu/vigie/internal/store"
)

// Payloads a hostile server or target list puts where vigie quotes it:
// formulas (the one of the issue, and one per character OWASP lists) and
// terminal escape sequences.
const (
	formula = `=cmd|' /C calc'!A0`
	escape  = "\x1b]0;owned\x07\x1b[2J\u009b31m"
)

// hostile returns the observations of the weak-mail fixture with a
// formula in every field that a remote server controls, judged and
// graded by the real checks, and a finding of its own with a formula in
// each text field.
func hostile(t *testing.T) *audit.Result {
	t.Helper()
	data, err := os.ReadFile("../score/testdata/golden/weak-mail.observations.json")
	if err != nil {
		t.Fatal(err)
	}
	var o audit.Observations
	if err := json.Unmarshal(data, &o); err != nil {
		t.Fatal(err)
	}
	// Web: a redirect host, header values, a cookie name, the body.
	first := &o.HTTP[0].Responses[0]
	first.Location = "https://" + formula + "/"
	final := o.HTTP[0].Final()
	final.Headers["Strict-Transport-Security"] = []string{formula}
	final.Headers["Content-Security-Policy"] = []string{"+default-src *" + escape}
	final.Headers["X-Frame-Options"] = []string{"@ALLOWALL"}
	final.Headers["Referrer-Policy"] = []string{"-unsafe-url"}
	final.Headers["Server"] = []string{formula + escape}
	final.Headers["X-Powered-By"] = []string{"=1+1"}
	final.Headers["X-Hostile"] = []string{formula}
	final.Cookies = append(final.Cookies, audit.Cookie{Name: formula, Raw: formula + "=x"}, audit.Cookie{Name: "\t=tab", Raw: "\t=tab=x"})
	o.HTTP[0].Body = formula + escape
	o.SecurityTxt.Body = formula + "\nContact: " + formula + escape
	// Mail: the MTA-STS policy fields, the banner and EHLO lines, DNS
	// records.
	m := o.Mail
	m.MTASTS.Mode = formula
	m.MTASTS.MX = []string{formula, "+mx.example.test"}
	m.MTASTS.Policy = "version: STSv1\nmode: " + formula + "\n"
	m.MTASTS.PolicyErrors = []string{formula}
	smtp := m.MX.Hosts[0].SMTP[0]
	smtp.Banner = formula + escape
	smtp.EHLO = append(smtp.EHLO, formula, "-X"+escape)
	m.MX.Records[0].Host = formula
	m.MX.Hosts[0].Name = formula
	m.SPF.Records = []string{"v=spf1 " + formula + " +all"}
	m.DMARC.Records = []string{"v=DMARC1; p=" + formula}
	m.DMARC.Policy = formula
	fs, errs := check.Run(&o)
	if len(errs) > 0 {
		t.Fatalf("checks on hostile observations: %v", errs)
	}
	fs = append(fs, audit.Finding{
		ID: "+hostile.id", Severity: audit.High, Subject: formula, Evidence: "@" + escape,
		Title: audit.Text{FR: "-titre", EN: "\rtitle"}, Standard: "\tRFC 0",
	})
	return &audit.Result{Domain: o.Domain, Time: o.Time, Observations: &o, Findings: fs, Score: score.Compute(fs, &o)}
}

// TestHostileExport exports hostile results for organisations with
// hostile names: the export validates, no CSV cell starts with a formula
// character or holds a control character, the formulas are there,
// neutralised, and no file holds a raw control character; by default
// audits.jsonl leaves the raw remote text out, with --full-observations
// it keeps it, escaped, and decodes to the exact values.
func TestHostileExport(t *testing.T) {
	r := hostile(t)
	evil := store.Organisation{ID: "-42", Name: `=HYPERLINK("http://evil.test","clic")` + escape, Category: "@commune\u0085", Domains: []string{"example.test"}}
	other := store.Organisation{ID: "+33", Name: "\tTab", Category: "\rcr", Domains: []string{"other.test"}}
	st := &memStore{recs: []store.AuditRecord{
		record(evil, "example.test", 1, r, r.Time),
		record(other, "other.test", 1, r, r.Time),
	}}
	meta := testMeta
	meta.Publisher = "=Publisher" + escape
	for _, full := range []bool{false, true} {
		dir := t.TempDir()
		if _, err := Write(context.Background(), st, "csv,json,parquet", dir, meta, Options{FullObservations: full}); err != nil {
			t.Fatal(err)
		}
		if errs := ValidateDir(dir); len(errs) > 0 {
			t.Fatalf("ValidateDir: %v", errs)
		}
		neutralised := 0
		for _, name := range []string{OrganisationsCSV, FindingsCSV} {
			data, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			for i, row := range rows {
				for j, cell := range row {
					if StartsFormula(cell) {
						t.Errorf("%s row %d column %s: %q starts a formula", name, i+1, rows[0][j], cell)
					}
					if strings.IndexFunc(cell, audit.IsControl) >= 0 {
						t.Errorf("%s row %d column %s: %q holds a control character", name, i+1, rows[0][j], cell)
					}
					if strings.HasPrefix(cell, "'") && StartsFormula(cell[1:]) {
						neutralised++
					}
				}
			}
			// Neutralised cells are quoted in the file itself.
			if bytes.Contains(data, []byte(",'")) {
				t.Errorf("%s: a neutralised cell is not quoted", name)
			}
		}
		// The organisation's three cells, the finding of its own (id,
		// subject, evidence, standard, two titles) twice, and findings
		// of the checks quoting the remote values.
		if neutralised < 2*3+2*6+2 {
			t.Errorf("%d neutralised cells, want the hostile values there, neutralised", neutralised)
		}
		findings, _ := os.ReadFile(filepath.Join(dir, FindingsCSV))
		if !bytes.Contains(findings, []byte(`"'`+strings.ReplaceAll(formula, `"`, `""`))) {
			t.Errorf("findings.csv: the formula %q is not there, neutralised", formula)
		}

		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			data, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasSuffix(e.Name(), ".parquet") {
				continue // binary; its strings are those of the CSV, checked by TestWriteAll
			}
			text := strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", ""), "\n", "")
			if i := strings.IndexFunc(text, audit.IsControl); i >= 0 {
				t.Errorf("%s: raw control character %U at %d", e.Name(), []rune(text[i:])[0], i)
			}
		}

		jsonl, err := os.ReadFile(filepath.Join(dir, AuditsJSONL))
		if err != nil {
			t.Fatal(err)
		}
		var line AuditLine
		if err := json.NewDecoder(bytes.NewReader(jsonl)).Decode(&line); err != nil {
			t.Fatal(err)
		}
		o := line.Result.Observations
		smtp := o.Mail.MX.Hosts[0].SMTP[0]
		final := o.HTTP[0].Final()
		raw := []string{o.HTTP[0].Body, o.SecurityTxt.Body, o.Mail.MTASTS.Policy, smtp.Banner, strings.Join(final.Headers["X-Hostile"], ""), final.Cookies[len(final.Cookies)-2].Raw}
		if full {
			want := []string{r.Observations.HTTP[0].Body, r.Observations.SecurityTxt.Body, r.Observations.Mail.MTASTS.Policy,
				r.Observations.Mail.MX.Hosts[0].SMTP[0].Banner, formula, formula + "=x"}
			if !slices.Equal(raw, want) || line.Omitted != nil {
				t.Errorf("full observations: raw text %q, omitted %q; want %q exactly", raw, line.Omitted, want)
			}
			if !bytes.Contains(jsonl, []byte(`\u001b]0;owned\u0007\u001b[2J\u009b31m`)) {
				t.Errorf("audits.jsonl: the escape sequence is not escaped")
			}
		} else {
			if strings.Join(raw, "") != "" {
				t.Errorf("raw text published by default: %q", raw)
			}
			// What checks read is kept.
			if final.Headers["Strict-Transport-Security"][0] != formula || o.Mail.MTASTS.Mode != formula || final.Cookies[len(final.Cookies)-1].Name != "\t=tab" {
				t.Errorf("default observations lost what checks read: %v, mode %q", final.Headers, o.Mail.MTASTS.Mode)
			}
			if bytes.Contains(jsonl, []byte("owned")) && !bytes.Contains(jsonl, []byte(`\u001b]0;owned`)) {
				t.Errorf("audits.jsonl: an escape sequence is not escaped")
			}
		}
		// The export did not change the stored result.
		if r.Observations.HTTP[0].Body == "" || r.Observations.Mail.MTASTS.Policy == "" || len(r.Observations.HTTP[0].Final().Headers) < 8 {
			t.Fatal("the export changed the stored observations")
		}
	}
}

// TestSchemaDocumentsNeutralising checks that every free-text column of
// both Table Schemas says how its CSV cells are neutralised.
func TestSchemaDocumentsNeutralising(t *testing.T) {
	for _, s := range []*TableSchema{OrganisationsSchema(), FindingsSchema()} {
		for _, f := range s.Fields {
			text := f.Type == "string" && (f.Constraints == nil || len(f.Constraints.Enum) == 0)
			if got := strings.Contains(f.Description, "OWASP") && strings.Contains(f.DescriptionEN, "OWASP"); got != text {
				t.Errorf("%s (%s): documents the neutralising of formulas: %v, want %v", f.Name, f.Type, got, text)
			}
		}
	}
}

// TestUnreadableRows exports a store where two rows cannot be read: the
// export succeeds, leaves them out, and names them in its summary.
func TestUnreadableRows(t *testing.T) {
	st := sample(t)
	bad := []store.AuditRecord{
		{ID: 7, CampaignID: 2, Org: store.Organisation{ID: "0001", Domains: []string{"corrupt.test"}}, Domain: "corrupt.test", Unreadable: "store: decode result: unexpected EOF"},
		{ID: 9, CampaignID: 2, Org: store.Organisation{ID: "0002", Domains: []string{"huge.test"}}, Domain: "huge.test", Unreadable: "store: decode result: larger than the read limit of 64 MiB\x1b[2J"},
	}
	st.recs = append([]store.AuditRecord{bad[0]}, append(st.recs, bad[1])...)
	dir := t.TempDir()
	sum, err := Write(context.Background(), st, "csv,json,parquet", dir, testMeta, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []Unreadable{
		{Row: 7, CampaignID: 2, Organisation: "0001", Domain: "corrupt.test", Reason: "store: decode result: unexpected EOF"},
		{Row: 9, CampaignID: 2, Organisation: "0002", Domain: "huge.test", Reason: "store: decode result: larger than the read limit of 64 MiB[2J"},
	}
	if !slices.Equal(sum.Unreadable, want) {
		t.Errorf("Unreadable = %+v, want %+v", sum.Unreadable, want)
	}
	if sum.Audits != len(st.recs)-2 {
		t.Errorf("Audits = %d, want %d", sum.Audits, len(st.recs)-2)
	}
	orgs, _ := validateBoth(t, dir)
	if len(orgs.rows) != len(st.recs)-2 {
		t.Errorf("organisations.csv: %d rows, want %d", len(orgs.rows), len(st.recs)-2)
	}
	data, _ := os.ReadFile(filepath.Join(dir, AuditsJSONL))
	if bytes.Contains(data, []byte("corrupt.test")) || bytes.Contains(data, []byte("huge.test")) {
		t.Error("audits.jsonl holds an unreadable row")
	}
	if got := want[0].String(); got != `row 7 (campaign 2, organisation "0001", domain "corrupt.test"): store: decode result: unexpected EOF` {
		t.Errorf("String() = %q", got)
	}
	// Only unreadable rows: an error that is not ErrEmpty.
	_, err = Write(context.Background(), &memStore{recs: bad}, "csv", t.TempDir(), testMeta, Options{})
	if err == nil || err == ErrEmpty {
		t.Errorf("export of unreadable rows only: %v, want an error saying so", err)
	}
}

// TestCSVWriter checks the cells as written: text neutralised and
// quoted, numbers as they are (a negative delta stays a number), control
// characters removed, RFC 4180 quoting, and both line ends.
func TestCSVWriter(t *testing.T) {
	var b bytes.Buffer
	w := NewCSVWriter(&b, []bool{true, false, true})
	for _, rec := range [][]string{
		{"=1+1", "-5", "-5"},
		{"a,b", "12", "say \"hi\"\x1b[2J"},
		{" lead", "", "@x\nline"},
		{"plain", "0", "\t=tab"}, // the tab becomes a space: no formula left
		{"+33", "+33"},           // text neutralised, a number as it is
	} {
		if err := w.Write(rec); err != nil {
			t.Fatal(err)
		}
	}
	want := "\"'=1+1\",-5,\"'-5\"\r\n" +
		"\"a,b\",12,\"say \"\"hi\"\"[2J\"\r\n" +
		"\" lead\",,\"'@x line\"\r\n" +
		"plain,0,\" =tab\"\r\n" +
		"\"'+33\",+33\r\n"
	if b.String() != want {
		t.Errorf("CSV:\n%q\nwant\n%q", b.String(), want)
	}
	b.Reset()
	w.LF = true
	w.Write([]string{"x", "1"})
	if b.String() != "x,1\n" {
		t.Errorf("CSV with LF: %q", b.String())
	}
}

func TestEscapeControls(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{`"plain «é» text"`, `"plain «é» text"`},
		{"\"del\x7f\"", `"del\u007f"`},
		{"\"« \u0085 »\u009b\"", `"« \u0085 »\u009b"`},
		{"\"\u00a0\x7f\u0080\"", `"` + "\u00a0" + `\u007f\u0080"`},
	} {
		if got := string(escapeControls([]byte(tt.in))); got != tt.want {
			t.Errorf("escapeControls(%q) = %q, want %q", tt.in, got, tt.want)
		}
		var v string
		if err := json.Unmarshal(escapeControls([]byte(tt.in)), &v); err != nil || "\""+v+"\"" != tt.in {
			t.Errorf("escapeControls(%q) decodes to %q, %v; want the same text", tt.in, v, err)
		}
	}
}
