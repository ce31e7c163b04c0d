// Package eol is vigie's table of software past its end of life: for a
// product as a server states it (an SSH banner, a Server or X-Powered-By
// header, an Outlook on the web build, a SQL Server version), the
// versions that its vendor no longer fixes, each entry with its public
// source and the date it was checked. The table (eol.json) is versioned
// like the rules table: an entry is added or dated again, never silently
// changed.
//
// It only looks versions up; it does no I/O and judges nothing itself
// (see internal/check/servicecheck).
package eol

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
)

//go:embed eol.json
var tableJSON []byte

// Table is the end-of-life table.
type Table struct {
	// Version names this edition of the table ("2026.1"); Date is
	// when it was written.
	Version string  `json:"version"`
	Date    string  `json:"date"`
	Note    string  `json:"note"`
	Entries []Entry `json:"entries"`
}

// Entry says that the versions of Product below Below are past their end
// of life since EOL.
type Entry struct {
	// Product is the product as servicesprobe names it ("OpenSSH",
	// "nginx", "Microsoft-IIS").
	Product string `json:"product"`
	// Below is the first version still supported: every version lower
	// than it (compared number by number) is past its end of life.
	Below string `json:"below"`
	// EOL is the date support ended (YYYY-MM-DD).
	EOL string `json:"eol"`
	// Implies is what the version implies besides itself (the Windows
	// under an IIS).
	Implies string `json:"implies,omitempty"`
	// What says it in a sentence, in French and English.
	What audit.Text `json:"what"`
	// Source is the public page the entry comes from; Checked when it
	// was read.
	Source  string `json:"source"`
	Checked string `json:"checked"`
}

var def = mustParse(tableJSON)

// Default returns the table vigie embeds.
func Default() *Table { return def }

// Parse reads a table and checks it: every entry has a product, a
// version, a date, a source and its text in both languages.
func Parse(b []byte) (*Table, error) {
	var t Table
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("eol: %w", err)
	}
	if t.Version == "" || t.Date == "" {
		return nil, fmt.Errorf("eol: table without version or date")
	}
	for i, e := range t.Entries {
		if e.Product == "" || e.EOL == "" || e.Source == "" || e.Checked == "" || e.What.FR == "" || e.What.EN == "" {
			return nil, fmt.Errorf("eol: entry %d (%s): product, eol, source, checked and what (fr, en) are required", i+1, e.Product)
		}
		if parts(e.Below) == nil {
			return nil, fmt.Errorf("eol: entry %d (%s): below %q is not a version", i+1, e.Product, e.Below)
		}
	}
	return &t, nil
}

func mustParse(b []byte) *Table {
	t, err := Parse(b)
	if err != nil {
		panic(err)
	}
	return t
}

// Lookup returns the entry that puts version of product past its end of
// life, the one with the lowest Below when several do; nil when none
// does or the version cannot be read.
func (t *Table) Lookup(product, version string) *Entry {
	v := parts(version)
	if v == nil {
		return nil
	}
	var found *Entry
	for i := range t.Entries {
		e := &t.Entries[i]
		if !strings.EqualFold(e.Product, product) || compare(v, parts(e.Below)) >= 0 {
			continue
		}
		if found == nil || compare(parts(e.Below), parts(found.Below)) < 0 {
			found = e
		}
	}
	return found
}

// parts returns the leading numbers of a version ("9.2p1" → 9, 2;
// "15.2.1544.4" → 15, 2, 1544, 4); nil when it does not start with a
// number.
func parts(v string) []int {
	var out []int
	for _, f := range strings.Split(v, ".") {
		end := 0
		for end < len(f) && f[end] >= '0' && f[end] <= '9' {
			end++
		}
		if end == 0 {
			break
		}
		n, err := strconv.Atoi(f[:end])
		if err != nil {
			break
		}
		out = append(out, n)
		if end < len(f) {
			break
		}
	}
	return out
}

// compare compares two versions number by number, a missing number
// counting as 0.
func compare(a, b []int) int {
	for i := 0; i < max(len(a), len(b)); i++ {
		var x, y int
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return 0
}
