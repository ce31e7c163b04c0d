package export

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// This file is a validator of CSV files against a Table Schema, for the
// subset of the specification the export uses: types string, integer,
// number, boolean and datetime (default formats), the constraints
// required, enum, minimum and maximum, missing values, the primary key
// (unique, never missing) and foreign keys into another validated table.
// The frictionless Python tool cannot be installed here (no PyPI), so
// this is the check that the files validate against their own schemas.

// table is a validated CSV: its rows, and the set of its primary keys.
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
	dec := json.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&s); err != nil {
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

// TestValidatorRejects makes sure the validator can fail: each CSV here
// breaks one rule of the schema.
func TestValidatorRejects(t *testing.T) {
	s := &TableSchema{
		Fields: []Field{
			{Name: "id", Type: "string", Constraints: &Constraints{Required: true}},
			{Name: "n", Type: "integer", Constraints: &Constraints{Minimum: intp(0), Maximum: intp(100)}},
			{Name: "g", Type: "string", Constraints: &Constraints{Enum: []string{"A", "B"}}},
			{Name: "t", Type: "datetime"},
			{Name: "x", Type: "number"},
			{Name: "b", Type: "boolean"},
		},
		PrimaryKey:    []string{"id"},
		ForeignKeys:   []ForeignKey{{Fields: []string{"id"}, Reference: Reference{Resource: "other", Fields: []string{"id"}}}},
		MissingValues: []string{""},
	}
	other := &table{keys: map[string]bool{"a": true, "b": true}}
	const header = "id,n,g,t,x,b\r\n"
	good := header + "a,1,A,2026-03-01T10:00:00Z,1.5,true\r\nb,,,,,\r\n"
	if _, errs := validate(s, strings.NewReader(good), map[string]*table{"other": other}); len(errs) > 0 {
		t.Fatalf("valid CSV rejected: %v", errs)
	}
	for name, body := range map[string]string{
		"required":    ",1,A,2026-03-01T10:00:00Z,1,true\r\n",
		"integer":     "a,x,A,2026-03-01T10:00:00Z,1,true\r\n",
		"minimum":     "a,-1,A,2026-03-01T10:00:00Z,1,true\r\n",
		"maximum":     "a,101,A,2026-03-01T10:00:00Z,1,true\r\n",
		"enum":        "a,1,C,2026-03-01T10:00:00Z,1,true\r\n",
		"datetime":    "a,1,A,2026-03-01 10:00,1,true\r\n",
		"number":      "a,1,A,2026-03-01T10:00:00Z,one,true\r\n",
		"boolean":     "a,1,A,2026-03-01T10:00:00Z,1,yes\r\n",
		"primary key": "a,1,A,,,\r\na,2,B,,,\r\n",
		"foreign key": "c,1,A,,,\r\n",
		"columns":     "a,1,A\r\n",
	} {
		if _, errs := validate(s, strings.NewReader(header+body), map[string]*table{"other": other}); len(errs) == 0 {
			t.Errorf("%s: invalid CSV accepted", name)
		}
	}
	if _, errs := validate(s, strings.NewReader("id,n\r\n"), nil); len(errs) == 0 {
		t.Errorf("wrong header accepted")
	}
}
