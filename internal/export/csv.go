package export

import (
	"fmt"
	"io"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// csvWriter writes organisations.csv and findings.csv: UTF-8, comma
// separated, CRLF line ends and quotes as RFC 4180 section 2 has them, a
// header row, text cells neutralised against formula injection.
type csvWriter struct {
	orgs, findings       *output
	orgsCSV, findingsCSV *CSVWriter
}

func newCSVWriter(e *exporter) (*csvWriter, error) {
	w := &csvWriter{}
	var err error
	w.orgs, err = e.create(OrganisationsCSV, "CSV", "text/csv", audit.Text{
		FR: "Une ligne par organisation et domaine : note, points par domaine, plafonds, nombre de constats par gravité.",
		EN: "One row per organisation and domain: grade, points per area, caps, number of findings by severity.",
	})
	if err != nil {
		return nil, err
	}
	w.orgs.conformsTo = OrganisationsSchemaF
	w.findings, err = e.create(FindingsCSV, "CSV", "text/csv", audit.Text{
		FR: "Une ligne par constat : identifiant, gravité, objet, preuve, référence, intitulé.",
		EN: "One row per finding: identifier, severity, subject, evidence, standard, title.",
	})
	if err != nil {
		return nil, err
	}
	w.findings.conformsTo = FindingsSchemaF
	w.orgsCSV = NewCSVWriter(w.orgs, textColumns(e.orgSchema))
	w.findingsCSV = NewCSVWriter(w.findings, textColumns(e.findingSchema))
	if err := w.orgsCSV.Write(fieldNames(e.orgSchema)); err != nil {
		return nil, err
	}
	if err := w.findingsCSV.Write(fieldNames(e.findingSchema)); err != nil {
		return nil, err
	}
	return w, nil
}

func fieldNames(s *TableSchema) []string {
	names := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		names[i] = f.Name
	}
	return names
}

// textColumns says which columns of s hold text (type string): those
// whose cells are neutralised.
func textColumns(s *TableSchema) []bool {
	text := make([]bool, len(s.Fields))
	for i, f := range s.Fields {
		text[i] = f.Type == "string"
	}
	return text
}

func (w *csvWriter) add(rec *store.AuditRecord, org *OrganisationRow, findings []audit.Finding) error {
	if err := w.orgsCSV.Write(org.Record()); err != nil {
		return err
	}
	for i := range findings {
		f := findingRow(rec, org, i, &findings[i])
		if err := w.findingsCSV.Write(f.Record()); err != nil {
			return err
		}
	}
	return nil
}

func (w *csvWriter) close() error { return nil }

// formulaStart holds the characters that make a spreadsheet read a cell
// as a formula (OWASP, CSV Injection): =, +, -, @, tab and carriage
// return.
const formulaStart = "=+-@\t\r"

// StartsFormula reports whether a spreadsheet would take a cell holding
// s for a formula: whether s starts with one of = + - @, a tab or a
// carriage return.
func StartsFormula(s string) bool {
	return s != "" && strings.IndexByte(formulaStart, s[0]) >= 0
}

// Neutralise returns the text of a CSV cell as the export writes it:
// with a single quote (') before a value that starts a formula, as OWASP
// recommends against CSV injection, so that a spreadsheet shows the
// value as text instead of running it. The quote is part of the CSV
// cell only: JSON and Parquet carry the value as it is.
func Neutralise(s string) string {
	if StartsFormula(s) {
		return "'" + s
	}
	return s
}

// A CSVWriter writes CSV records (RFC 4180: comma separated, CRLF line
// ends, fields quoted when they hold a comma, a quote, a line end or
// start with a space) whose text columns are neutralised against formula
// injection: a text cell that starts with = + - @, a tab or a carriage
// return is written with a single quote before it, and quoted (OWASP,
// CSV Injection). Numeric columns are written as they are, so that a
// negative number stays a number. Control characters are removed from
// every cell (audit.StripControls: a tab or a line end becomes a space).
type CSVWriter struct {
	// LF ends lines with "\n" alone instead of RFC 4180's CRLF (for a
	// terminal's output).
	LF   bool
	w    io.Writer
	text []bool
	buf  []byte
}

// NewCSVWriter returns a CSVWriter to w; text[i] says whether column i
// holds text (columns beyond text are text).
func NewCSVWriter(w io.Writer, text []bool) *CSVWriter {
	return &CSVWriter{w: w, text: text}
}

// Write writes one record.
func (c *CSVWriter) Write(rec []string) error {
	b := c.buf[:0]
	for i, v := range rec {
		if i > 0 {
			b = append(b, ',')
		}
		v = audit.StripControls(v)
		quote := false
		if (i >= len(c.text) || c.text[i]) && StartsFormula(v) {
			v, quote = "'"+v, true
		}
		if !quote {
			quote = strings.ContainsAny(v, ",\"\r\n") || (v != "" && (v[0] == ' ' || v[0] == '\t'))
		}
		if !quote {
			b = append(b, v...)
			continue
		}
		b = append(b, '"')
		for j := 0; j < len(v); j++ {
			if v[j] == '"' {
				b = append(b, '"') // RFC 4180 section 2, rule 7
			}
			b = append(b, v[j])
		}
		b = append(b, '"')
	}
	if !c.LF {
		b = append(b, '\r') // RFC 4180 section 2, rule 1
	}
	b = append(b, '\n')
	c.buf = b
	_, err := c.w.Write(b)
	return err
}

// dataPackage is a Data Package descriptor
// (https://specs.frictionlessdata.io/data-package/) of the CSV files.
type dataPackage struct {
	Profile      string          `json:"profile"`
	Homepage     string          `json:"homepage,omitempty"`
	Name         string          `json:"name"`
	Title        string          `json:"title"`
	TitleEN      string          `json:"title_en"`
	Description  string          `json:"description"`
	DescEN       string          `json:"description_en"`
	Created      string          `json:"created"`
	Licenses     []dpLicense     `json:"licenses"`
	Contributors []dpContributor `json:"contributors"`
	Resources    []dpResource    `json:"resources"`
}

type dpLicense struct {
	Path  string `json:"path"`
	Title string `json:"title,omitempty"`
	Name  string `json:"name,omitempty"`
}

type dpContributor struct {
	Title string `json:"title"`
	Role  string `json:"role"`
	Email string `json:"email,omitempty"`
	Path  string `json:"path,omitempty"`
}

type dpResource struct {
	Profile   string    `json:"profile"`
	Name      string    `json:"name"`
	Path      string    `json:"path"`
	Title     string    `json:"title"`
	TitleEN   string    `json:"title_en"`
	Format    string    `json:"format"`
	MediaType string    `json:"mediatype"`
	Encoding  string    `json:"encoding"`
	Bytes     int64     `json:"bytes"`
	Hash      string    `json:"hash"`
	Dialect   dpDialect `json:"dialect"`
	Schema    string    `json:"schema"`
}

type dpDialect struct {
	Delimiter      string `json:"delimiter"`
	LineTerminator string `json:"lineTerminator"`
	QuoteChar      string `json:"quoteChar"`
	DoubleQuote    bool   `json:"doubleQuote"`
	Header         bool   `json:"header"`
}

// writeCSVDescriptions writes the two Table Schemas and datapackage.json.
// The CSV files must be closed: the package gives their sizes and hashes.
func (e *exporter) writeCSVDescriptions() error {
	if err := e.csv.orgs.close(); err != nil {
		return err
	}
	if err := e.csv.findings.close(); err != nil {
		return err
	}
	schemas := []struct {
		name   string
		schema *TableSchema
		what   audit.Text
	}{
		{OrganisationsSchemaF, e.orgSchema, audit.Text{FR: "Table Schema de organisations.csv.", EN: "Table Schema of organisations.csv."}},
		{FindingsSchemaF, e.findingSchema, audit.Text{FR: "Table Schema de findings.csv.", EN: "Table Schema of findings.csv."}},
	}
	for _, s := range schemas {
		if err := e.writeJSONFile(s.name, "JSON", "application/json", s.what, s.schema); err != nil {
			return err
		}
	}
	m := e.meta
	p := dataPackage{
		Profile:      "tabular-data-package",
		Name:         "vigie-observatoire",
		Title:        m.Title.FR,
		TitleEN:      m.Title.EN,
		Description:  m.Description.FR,
		DescEN:       m.Description.EN,
		Created:      m.Issued.Format("2006-01-02T15:04:05Z"),
		Licenses:     []dpLicense{licenseOf(m.License)},
		Contributors: []dpContributor{contributor(m)},
		Homepage:     m.LandingPage,
	}
	for _, r := range []struct {
		name, title, titleEN string
		o                    *output
	}{
		{"organisations", "Organisations et notes", "Organisations and grades", e.csv.orgs},
		{"findings", "Constats", "Findings", e.csv.findings},
	} {
		p.Resources = append(p.Resources, dpResource{
			Profile: "tabular-data-resource", Name: r.name, Path: r.o.name,
			Title: r.title, TitleEN: r.titleEN,
			Format: "csv", MediaType: "text/csv", Encoding: "utf-8",
			Bytes: r.o.size, Hash: "sha256:" + r.o.checksum(),
			Dialect: dpDialect{Delimiter: ",", LineTerminator: "\r\n", QuoteChar: "\"", DoubleQuote: true, Header: true},
			Schema:  r.o.conformsTo,
		})
	}
	return e.writeJSONFile(DataPackage, "JSON", "application/json",
		audit.Text{FR: "Data Package (Frictionless) qui décrit les fichiers CSV.", EN: "Data Package (Frictionless) describing the CSV files."}, p)
}

// contributor is the publisher as a Data Package names it, with its
// contact point.
func contributor(m Metadata) dpContributor {
	c := dpContributor{Title: m.Publisher, Role: "publisher"}
	if addr, ok := strings.CutPrefix(m.ContactPoint, "mailto:"); ok {
		c.Email = addr
	} else {
		c.Path = m.ContactPoint
	}
	return c
}

func licenseOf(url string) dpLicense {
	if url == Etalab20 {
		return dpLicense{Path: url, Name: "etalab-2.0", Title: "Licence Ouverte / Open Licence version 2.0"}
	}
	return dpLicense{Path: url}
}

// writeJSONFile writes v, indented, as one closed file of the export.
func (e *exporter) writeJSONFile(name, format, mediaType string, what audit.Text, v any) error {
	o, err := e.create(name, format, mediaType, what)
	if err != nil {
		return err
	}
	data, err := marshalJSON(v, true)
	if err != nil {
		return fmt.Errorf("export: %s: %w", name, err)
	}
	if _, err := o.Write(data); err != nil {
		return err
	}
	return o.close()
}
