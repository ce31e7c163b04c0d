package export

import (
	"strings"
	"testing"
)

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
	// The hostile values below are keys of the other table: only the
	// check of hostile text can refuse them.
	for _, k := range []string{"=cmd|' /C calc'!A0", "+33 1", "-1", "@SUM(1)", "\tx", "\rx", "a\x1b[2J", "a\u009b2J", "'=1+1"} {
		other.keys[k] = true
	}
	const header = "id,n,g,t,x,b\r\n"
	// A negative number is a number; a neutralised formula is text.
	good := header + "a,1,A,2026-03-01T10:00:00Z,1.5,true\r\nb,,,,-2.5,\r\n\"'=1+1\",,,,,\r\n"
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
		"formula":     "\"=cmd|' /C calc'!A0\",1,A,,,\r\n",
		"plus":        "+33 1,1,A,,,\r\n",
		"minus":       "-1,1,A,,,\r\n",
		"at":          "@SUM(1),1,A,,,\r\n",
		"tab":         "\"\tx\",1,A,,,\r\n",
		"cr":          "\"\rx\",1,A,,,\r\n",
		"control":     "a\x1b[2J,1,A,,,\r\n",
		"c1 control":  "a\u009b2J,1,A,,,\r\n",
	} {
		if _, errs := validate(s, strings.NewReader(header+body), map[string]*table{"other": other}); len(errs) == 0 {
			t.Errorf("%s: invalid CSV accepted", name)
		}
	}
	if _, errs := validate(s, strings.NewReader("id,n\r\n"), nil); len(errs) == 0 {
		t.Errorf("wrong header accepted")
	}
}

// FuzzValidate feeds the validator any CSV against the organisations
// schema: it reports problems, never panics.
func FuzzValidate(f *testing.F) {
	f.Add("organisation_id,domain\r\na,b\r\n")
	f.Add(strings.Join(fieldNames(OrganisationsSchema()), ",") + "\r\n1,,,d,1,2026-03-01T10:00:00Z,A,99,,,,,A,,0,0,0,0,0,2026.1,\r\n")
	f.Add("\"unterminated\r\n")
	f.Fuzz(func(t *testing.T, data string) {
		validate(OrganisationsSchema(), strings.NewReader(data), map[string]*table{})
		validate(FindingsSchema(), strings.NewReader(data), map[string]*table{})
	})
}
