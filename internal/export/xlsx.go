package export

import (
	"fmt"
	"strconv"
	"time"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// The spreadsheet (vigie.xlsx, Office Open XML, ECMA-376) holds the
// tables of the CSV export, one sheet each, for a reader who opens a
// file rather than imports one. It is written with excelize's
// StreamWriter, which spills rows to a temporary file past a few
// megabytes: its memory does not grow with the number of rows.
//
// Every cell is typed from the Table Schema of its column: integers are
// numbers, datetimes are dates (UTC, shown as yyyy-mm-dd hh:mm:ss) and
// everything else is text. No cell is ever a formula: a value from an
// audited server that starts with = stays the text it is, with no quote
// before it (the quote is the CSV file's defence, which a typed cell does
// not need).

// xlsxMaxRows is the number of rows of a sheet (Excel's and
// LibreOffice's limit): past it, a table goes on in another sheet
// ("Constats (2)"), with its header again. A variable for the tests.
var xlsxMaxRows = 1 << 20

// Cell limits (ECMA-376 as Excel and LibreOffice apply them).
const (
	// xlsxMaxChars is the length of a cell, in UTF-16 code units: a
	// longer text is cut and ends with xlsxCut.
	xlsxMaxChars = 32767
	xlsxCut      = "…"
)

// xlsxSheet is one table being written to one or more sheets.
type xlsxSheet struct {
	name    string // the sheet's name; more sheets add " (2)", " (3)"...
	fields  []Field
	header  []any
	sw      *excelize.StreamWriter
	row     int // rows written to the current sheet, header included
	parts   int // sheets used
	lastCol string
}

// xlsxWriter writes vigie.xlsx.
type xlsxWriter struct {
	out               *output
	f                 *excelize.File
	orgs, findings    *xlsxSheet
	headStyle, tStyle int
	first             bool // the first sheet is the file's default one, to rename
}

func newXLSXWriter(e *exporter) (*xlsxWriter, error) {
	out, err := e.create(SpreadsheetXLSX, "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", audit.Text{
		FR: "Classeur : les tables de organisations.csv et findings.csv, une feuille chacune, cellules typées (nombres, dates en UTC, texte), titres de colonnes en " + langName(e.opts.Lang, "fr") + " ; un texte de plus de 32 767 caractères (la limite d'une cellule) y est coupé et finit par « … » : les CSV le donnent entier.",
		EN: "Workbook: the tables of organisations.csv and findings.csv, one sheet each, typed cells (numbers, dates in UTC, text), column titles in " + langName(e.opts.Lang, "en") + "; a text longer than 32,767 characters (a cell's limit) is cut there and ends with \"…\": the CSV files give it whole.",
	})
	if err != nil {
		return nil, err
	}
	w := &xlsxWriter{out: out, f: excelize.NewFile(excelize.Options{TmpDir: e.dir}), first: true}
	if w.headStyle, err = w.f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return nil, w.fail(err)
	}
	if w.tStyle, err = w.f.NewStyle(&excelize.Style{CustomNumFmt: strp("yyyy-mm-dd hh:mm:ss")}); err != nil {
		return nil, w.fail(err)
	}
	en := e.opts.Lang == "en"
	w.orgs = w.sheet(pick(en, "Organisations", "Organisations"), e.orgSchema.Fields, en)
	w.findings = w.sheet(pick(en, "Findings", "Constats"), e.findingSchema.Fields, en)
	for _, s := range []*xlsxSheet{w.orgs, w.findings} {
		if err := w.next(s); err != nil {
			return nil, w.fail(err)
		}
	}
	return w, nil
}

func strp(s string) *string { return &s }

func pick(en bool, enText, frText string) string {
	if en {
		return enText
	}
	return frText
}

// langName names the language of the column titles, in French or
// English.
func langName(lang, in string) string {
	switch {
	case lang == "en" && in == "fr":
		return "anglais"
	case lang == "en":
		return "English"
	case in == "fr":
		return "français"
	}
	return "French"
}

// sheet describes a table: its columns' titles in the export's language
// (dates say they are in UTC).
func (w *xlsxWriter) sheet(name string, fields []Field, en bool) *xlsxSheet {
	s := &xlsxSheet{name: name, fields: fields}
	for _, f := range fields {
		title := pick(en, f.TitleEN, f.Title)
		if f.Type == "datetime" {
			title += " (UTC)"
		}
		s.header = append(s.header, excelize.Cell{StyleID: w.headStyle, Value: title})
	}
	s.lastCol, _ = excelize.ColumnNumberToName(len(fields))
	return s
}

// next starts the table's next sheet: its header row, frozen, and the
// widths of its columns.
func (w *xlsxWriter) next(s *xlsxSheet) error {
	if s.sw != nil {
		if err := s.sw.Flush(); err != nil {
			return err
		}
	}
	s.parts++
	name := s.name
	if s.parts > 1 {
		name = fmt.Sprintf("%s (%d)", s.name, s.parts)
	}
	if w.first {
		w.first = false
		if err := w.f.SetSheetName(w.f.GetSheetName(0), name); err != nil {
			return err
		}
	} else if _, err := w.f.NewSheet(name); err != nil {
		return err
	}
	sw, err := w.f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for i, f := range s.fields {
		width := 12.0
		switch {
		case f.Type == "datetime":
			width = 20
		case f.Type == "string" && (f.Constraints == nil || len(f.Constraints.Enum) == 0):
			width = 30
		}
		if err := sw.SetColWidth(i+1, i+1, width); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", s.header, excelize.RowOpts{StyleID: w.headStyle}); err != nil {
		return err
	}
	s.sw, s.row = sw, 1
	return nil
}

// write writes one row of cells given as the CSV export has them, typed
// by their columns.
func (w *xlsxWriter) write(s *xlsxSheet, rec []string) error {
	if s.row >= xlsxMaxRows {
		if err := w.next(s); err != nil {
			return err
		}
	}
	cells := make([]any, len(rec))
	for i, v := range rec {
		c, err := w.cell(s.fields[i].Type, v)
		if err != nil {
			return fmt.Errorf("export: %s: column %s: %w", SpreadsheetXLSX, s.fields[i].Name, err)
		}
		cells[i] = c
	}
	s.row++
	cell, _ := excelize.CoordinatesToCellName(1, s.row)
	if err := s.sw.SetRow(cell, cells); err != nil {
		return fmt.Errorf("export: %s: %w", SpreadsheetXLSX, err)
	}
	return nil
}

// cell types one value: nil for a missing one (an empty cell), a number,
// a date, or text, cut to what a cell holds. Text is never a formula:
// excelize writes a string as an inline string, and a formula only when
// asked (excelize.Cell.Formula, never set here).
func (w *xlsxWriter) cell(typ, v string) (any, error) {
	if v == "" {
		return nil, nil
	}
	switch typ {
	case "integer":
		return strconv.ParseInt(v, 10, 64)
	case "datetime":
		t, err := time.Parse("2006-01-02T15:04:05Z", v)
		if err != nil {
			return nil, err
		}
		return excelize.Cell{StyleID: w.tStyle, Value: t}, nil
	}
	return cutCell(v), nil
}

// cutCell cuts s to xlsxMaxChars UTF-16 code units, xlsxCut included.
func cutCell(s string) string {
	n := 0
	for i, r := range s {
		n += utf16.RuneLen(r)
		if n > xlsxMaxChars-1 {
			return s[:i] + xlsxCut
		}
	}
	return s
}

func (w *xlsxWriter) add(rec *store.AuditRecord, org *OrganisationRow, findings []audit.Finding) error {
	if err := w.write(w.orgs, org.Record()); err != nil {
		return err
	}
	for i := range findings {
		f := findingRow(rec, org, i, &findings[i])
		if err := w.write(w.findings, f.Record()); err != nil {
			return err
		}
	}
	return nil
}

// close ends the sheets and writes the workbook to its file.
func (w *xlsxWriter) close() error {
	for _, s := range []*xlsxSheet{w.orgs, w.findings} {
		if err := s.sw.Flush(); err != nil {
			return w.fail(err)
		}
	}
	w.f.SetActiveSheet(0)
	if err := w.f.Write(w.out); err != nil {
		return w.fail(err)
	}
	if err := w.f.Close(); err != nil {
		return fmt.Errorf("export: %s: %w", SpreadsheetXLSX, err)
	}
	return nil
}

// fail removes the workbook's temporary files and returns err.
func (w *xlsxWriter) fail(err error) error {
	w.f.Close()
	return fmt.Errorf("export: %s: %w", SpreadsheetXLSX, err)
}
