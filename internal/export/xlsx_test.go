package export

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"vigie.eu/vigie/internal/store"
)

// readXLSX opens a workbook of the export and returns each sheet's rows
// as text, by sheet name; the file is closed when the test ends.
func readXLSX(t *testing.T, path string) (*excelize.File, map[string][][]string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	sheets := map[string][][]string{}
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		sheets[name] = rows
	}
	return f, sheets
}

// TestXLSXMatchesCSV exports the sample and hostile audits as CSV and as
// a workbook: each sheet holds the rows of its CSV file, cell for cell
// (numbers as numbers, dates as dates, hostile text as the text it is,
// never a formula), under titles in the export's language, with its
// header row frozen.
func TestXLSXMatchesCSV(t *testing.T) {
	r := hostile(t)
	evil := store.Organisation{ID: "-42", Name: `=HYPERLINK("http://evil.test","clic")`, Category: "@commune", Domains: []string{"example.test"}}
	st := sample(t)
	st.recs = append(st.recs, record(evil, "example.test", 1, r, r.Time))
	for _, lang := range []string{"fr", "en"} {
		dir := t.TempDir()
		if _, err := Write(context.Background(), st, "csv,xlsx", dir, testMeta, Options{Lang: lang}); err != nil {
			t.Fatal(err)
		}
		if errs := ValidateDir(dir); len(errs) > 0 {
			t.Fatalf("ValidateDir: %v", errs)
		}
		f, sheets := readXLSX(t, filepath.Join(dir, SpreadsheetXLSX))
		names := map[string]string{"fr": "Organisations Constats", "en": "Organisations Findings"}
		if got := strings.Join(f.GetSheetList(), " "); got != names[lang] {
			t.Errorf("lang %s: sheets %q, want %q", lang, got, names[lang])
		}
		formulas := 0
		for i, tc := range []struct {
			csv    string
			schema *TableSchema
		}{{OrganisationsCSV, OrganisationsSchema()}, {FindingsCSV, FindingsSchema()}} {
			sheet := f.GetSheetList()[i]
			want := readCSV(t, filepath.Join(dir, tc.csv))
			got := sheets[sheet]
			// The header: the columns' titles.
			for j, fl := range tc.schema.Fields {
				title := fl.Title
				if lang == "en" {
					title = fl.TitleEN
				}
				if fl.Type == "datetime" {
					title += " (UTC)"
				}
				if got[0][j] != title {
					t.Errorf("%s column %d: title %q, want %q", sheet, j+1, got[0][j], title)
				}
			}
			// The rows: the CSV cells, without the quote that
			// neutralises a formula, dates as Excel serial numbers.
			if len(got) != len(want) {
				t.Fatalf("%s: %d rows, %s %d", sheet, len(got), tc.csv, len(want))
			}
			for k := 1; k < len(want); k++ {
				row := got[k]
				for len(row) < len(want[k]) {
					row = append(row, "") // trailing empty cells
				}
				for j, fl := range tc.schema.Fields {
					w := want[k][j]
					if strings.HasPrefix(w, "'") && StartsFormula(w[1:]) {
						w = w[1:]
						formulas++
					}
					cell, _ := excelize.CoordinatesToCellName(j+1, k+1)
					typ, err := f.GetCellType(sheet, cell)
					if err != nil {
						t.Fatal(err)
					}
					if fo, _ := f.GetCellFormula(sheet, cell); fo != "" {
						t.Errorf("%s %s: formula %q", sheet, cell, fo)
					}
					switch {
					case w == "":
						if row[j] != "" {
							t.Errorf("%s %s: %q, want an empty cell", sheet, cell, row[j])
						}
					case fl.Type == "datetime":
						v, err := f.GetCellValue(sheet, cell)
						if err != nil || strings.Replace(w, "T", " ", 1) != v+"Z" {
							t.Errorf("%s %s: date shown %q, CSV %q (%v)", sheet, cell, v, w, err)
						}
						if typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber {
							t.Errorf("%s %s: a date of type %v", sheet, cell, typ)
						}
					case fl.Type == "integer":
						if row[j] != w || (typ != excelize.CellTypeUnset && typ != excelize.CellTypeNumber) {
							t.Errorf("%s %s: %q of type %v, want the number %s", sheet, cell, row[j], typ, w)
						}
					default:
						if row[j] != w || typ != excelize.CellTypeInlineString {
							t.Errorf("%s %s: %q of type %v, want the text %q", sheet, cell, row[j], typ, w)
						}
					}
				}
			}
			panes, err := f.GetPanes(sheet)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}, panes,
				cmpIgnoreSelection); diff != "" {
				t.Errorf("%s panes (-want +got):\n%s", sheet, diff)
			}
		}
		if formulas == 0 {
			t.Errorf("lang %s: no hostile formula text met: the test tests nothing", lang)
		}
	}
}

var cmpIgnoreSelection = cmp.FilterPath(func(p cmp.Path) bool {
	return p.Last().String() == ".Selection"
}, cmp.Ignore())

func TestCutCell(t *testing.T) {
	long := strings.Repeat("é", xlsxMaxChars+10)
	got := cutCell(long)
	if n := len([]rune(got)); n != xlsxMaxChars || !strings.HasSuffix(got, xlsxCut) {
		t.Errorf("cut to %d characters, suffix %q", n, got[len(got)-3:])
	}
	// A character outside the BMP counts twice (UTF-16).
	emoji := strings.Repeat("😀", xlsxMaxChars/2+1)
	if n := len([]rune(cutCell(emoji))); n != (xlsxMaxChars-1)/2+1 {
		t.Errorf("emoji: %d characters kept", n)
	}
	if s := "court"; cutCell(s) != s {
		t.Errorf("a short text is cut")
	}
}

// TestXLSXMoreSheets: a table longer than a sheet goes on in the next
// sheets, each with its header, and no row is lost.
func TestXLSXMoreSheets(t *testing.T) {
	defer func(n int) { xlsxMaxRows = n }(xlsxMaxRows)
	xlsxMaxRows = 5 // a header and 4 rows a sheet
	st := sample(t)
	dir := t.TempDir()
	if _, err := Write(context.Background(), st, "csv,xlsx", dir, testMeta, Options{}); err != nil {
		t.Fatal(err)
	}
	f, sheets := readXLSX(t, filepath.Join(dir, SpreadsheetXLSX))
	for _, tc := range []struct{ csv, sheet string }{{OrganisationsCSV, "Organisations"}, {FindingsCSV, "Constats"}} {
		want := readCSV(t, filepath.Join(dir, tc.csv))
		var rows int
		parts := 0
		for _, name := range f.GetSheetList() {
			if name != tc.sheet && !strings.HasPrefix(name, tc.sheet+" (") {
				continue
			}
			parts++
			got := sheets[name]
			if len(got) > xlsxMaxRows || !strings.HasPrefix(got[0][0], "Identifiant") {
				t.Errorf("%s: %d rows, header %q", name, len(got), got[0][0])
			}
			rows += len(got) - 1
		}
		if rows != len(want)-1 || parts != (len(want)-1+3)/4 {
			t.Errorf("%s: %d rows in %d sheets, want %d rows in %d", tc.sheet, rows, parts, len(want)-1, (len(want)-1+3)/4)
		}
	}
}
