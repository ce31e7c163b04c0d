package export

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"vigie.eu/vigie/internal/audit"
)

// clip shortens a value quoted in an error.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// This file validates CSV files against a Table Schema, for the subset of
// the specification the export uses: types string, integer, number,
// boolean and datetime (default formats), the constraints required, enum,
// minimum and maximum, missing values, the primary key (unique, never
// missing) and foreign keys into another validated table. It also
// refuses what the export never writes: a control character in a cell,
// and a text cell that starts with a formula character (= + - @, tab,
// carriage return) without the single quote that neutralises it. It is how the
// tests check that the exported files validate against their own
// schemas, and what a publisher can run before publishing.

// table is a validated CSV: its rows, and the set of its primary keys.
// It holds every row: validation is for tests and checks, not for
// exports of any size.
type table struct {
	header []string
	rows   [][]string
	keys   map[string]bool
}

// validateCSV reads the CSV at path and checks it against the Table
// Schema at schemaPath; refs gives the tables that foreign keys name, by
// resource name. It returns the table and every violation found.
func validateCSV(schemaPath, path string, refs map[string]*table) (*table, []error) {
	data, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, []error{err}
	}
	var s TableSchema
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, []error{fmt.Errorf("%s: %v", schemaPath, err)}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, []error{err}
	}
	defer f.Close()
	return validate(&s, f, refs)
}

func validate(s *TableSchema, in io.Reader, refs map[string]*table) (*table, []error) {
	var errs []error
	bad := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("row %d: "+format, append([]any{line}, args...)...))
	}
	r := csv.NewReader(in)
	r.FieldsPerRecord = len(s.Fields)
	header, err := r.Read()
	if err != nil {
		return nil, []error{fmt.Errorf("header: %v", err)}
	}
	names := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		names[i] = f.Name
	}
	if !slices.Equal(header, names) {
		return nil, []error{fmt.Errorf("header %q, schema fields %q", header, names)}
	}
	index := func(name string) int { return slices.Index(names, name) }
	for _, k := range s.PrimaryKey {
		if index(k) < 0 {
			errs = append(errs, fmt.Errorf("primary key field %q is not a field", k))
		}
	}
	t := &table{header: header, keys: map[string]bool{}}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			errs = append(errs, err)
			break
		}
		t.rows = append(t.rows, rec)
		for i, f := range s.Fields {
			v := rec[i]
			// Hostile text: a control character, or a text cell that a
			// spreadsheet would run as a formula (a number such as -1
			// is a number, checked by its type below).
			if j := strings.IndexFunc(v, audit.IsControl); j >= 0 {
				bad(line, "%s: control character %U", f.Name, []rune(v[j:])[0])
			}
			if f.Type == "string" && StartsFormula(v) {
				bad(line, "%s: %q starts with a formula character, unneutralised", f.Name, clip(v))
			}
			c := f.Constraints
			if c == nil {
				c = &Constraints{}
			}
			if slices.Contains(s.MissingValues, v) {
				if c.Required {
					bad(line, "%s: missing, but required", f.Name)
				}
				continue
			}
			switch f.Type {
			case "string":
			case "integer":
				n, err := strconv.ParseInt(v, 10, 64)
				if err != nil {
					bad(line, "%s: %q is not an integer", f.Name, v)
					continue
				}
				if c.Minimum != nil && n < int64(*c.Minimum) {
					bad(line, "%s: %d below minimum %d", f.Name, n, *c.Minimum)
				}
				if c.Maximum != nil && n > int64(*c.Maximum) {
					bad(line, "%s: %d above maximum %d", f.Name, n, *c.Maximum)
				}
			case "number":
				if _, err := strconv.ParseFloat(v, 64); err != nil {
					bad(line, "%s: %q is not a number", f.Name, v)
				}
			case "boolean":
				if v != "true" && v != "false" {
					bad(line, "%s: %q is not a boolean", f.Name, v)
				}
			case "datetime":
				// The default format: ISO 8601 in UTC, "YYYY-MM-DDThh:mm:ssZ".
				if _, err := time.Parse("2006-01-02T15:04:05Z", v); err != nil {
					bad(line, "%s: %q is not a datetime", f.Name, v)
				}
			default:
				bad(line, "%s: type %q not supported by this validator", f.Name, f.Type)
			}
			if len(c.Enum) > 0 && !slices.Contains(c.Enum, v) {
				bad(line, "%s: %q not in %q", f.Name, v, c.Enum)
			}
		}
		if len(s.PrimaryKey) > 0 {
			key := keyOf(rec, names, s.PrimaryKey)
			if t.keys[key] {
				bad(line, "primary key %q repeated", key)
			}
			t.keys[key] = true
		}
		for _, fk := range s.ForeignKeys {
			ref := refs[fk.Reference.Resource]
			if ref == nil {
				bad(line, "foreign key to %q: no such table", fk.Reference.Resource)
				continue
			}
			if !ref.keys[keyOf(rec, names, fk.Fields)] {
				bad(line, "foreign key %q not in %s", keyOf(rec, names, fk.Fields), fk.Reference.Resource)
			}
		}
	}
	return t, errs
}

// keyOf joins the values of fields; the referenced table's primary key
// has the same fields in the same order.
func keyOf(rec, names, fields []string) string {
	var parts []string
	for _, f := range fields {
		if i := slices.Index(names, f); i >= 0 {
			parts = append(parts, rec[i])
		}
	}
	return strings.Join(parts, "\x00")
}

// ValidateDir checks an export directory: organisations.csv and
// findings.csv, when present, against the Table Schemas beside them
// (findings' foreign key into organisations included), and the size and
// SHA-256 of every distribution of catalog.jsonld. It returns every
// problem found, nil when there is none.
func ValidateDir(dir string) []error {
	var errs []error
	at := func(name string) string { return dir + string(os.PathSeparator) + name }
	if _, err := os.Stat(at(OrganisationsCSV)); err == nil {
		orgs, es := validateCSV(at(OrganisationsSchemaF), at(OrganisationsCSV), nil)
		for _, e := range es {
			errs = append(errs, fmt.Errorf("%s: %w", OrganisationsCSV, e))
		}
		if orgs != nil {
			_, es = validateCSV(at(FindingsSchemaF), at(FindingsCSV), map[string]*table{"organisations": orgs})
			for _, e := range es {
				errs = append(errs, fmt.Errorf("%s: %w", FindingsCSV, e))
			}
		}
	}
	data, err := os.ReadFile(at(Catalog))
	if err != nil {
		return append(errs, err)
	}
	var cat struct {
		Dataset struct {
			Distributions []struct {
				Download struct {
					ID string `json:"@id"`
				} `json:"dcat:downloadURL"`
				Size struct {
					Value string `json:"@value"`
				} `json:"dcat:byteSize"`
				Checksum struct {
					Value struct {
						Value string `json:"@value"`
					} `json:"spdx:checksumValue"`
				} `json:"spdx:checksum"`
			} `json:"dcat:distribution"`
		} `json:"dcat:dataset"`
	}
	if err := json.Unmarshal(data, &cat); err != nil {
		return append(errs, fmt.Errorf("%s: %w", Catalog, err))
	}
	if len(cat.Dataset.Distributions) == 0 {
		errs = append(errs, fmt.Errorf("%s: no distribution", Catalog))
	}
	for _, d := range cat.Dataset.Distributions {
		name := d.Download.ID
		if i := strings.LastIndexByte(name, '/'); i >= 0 {
			name = name[i+1:]
		}
		f, err := os.Open(at(name))
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", Catalog, err))
			continue
		}
		h := sha256.New()
		n, err := io.Copy(h, f)
		f.Close()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if d.Size.Value != strconv.FormatInt(n, 10) {
			errs = append(errs, fmt.Errorf("%s: %s is %d bytes, the catalogue says %s", Catalog, name, n, d.Size.Value))
		}
		if sum := hex.EncodeToString(h.Sum(nil)); d.Checksum.Value.Value != sum {
			errs = append(errs, fmt.Errorf("%s: %s has SHA-256 %s, the catalogue says %s", Catalog, name, sum, d.Checksum.Value.Value))
		}
	}
	return errs
}
