package score

import (
	"bytes"
	"html"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/check"
	"vigie.eu/vigie/internal/golden"
)

// TestMethodologyGolden compares the methodology with docs/methodology.*.md
// and the files in testdata/methodology; run with VIGIE_UPDATE=1 after changing the rules, and
// review the diff: it is the published text.
func TestMethodologyGolden(t *testing.T) {
	for _, tt := range []struct{ format, lang, file string }{
		// The Markdown goldens are the published methodology.
		{"markdown", "fr", "../../docs/methodology.fr.md"},
		{"markdown", "en", "../../docs/methodology.en.md"},
		{"html", "fr", "testdata/methodology/methodology.fr.html"},
		{"html", "en", "testdata/methodology/methodology.en.html"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := Methodology(&b, tt.format, tt.lang); err != nil {
				t.Fatal(err)
			}
			golden.File(t, tt.file, b.Bytes())
		})
	}
}

// TestMethodologyNamesEveryFinding checks that the methodology, in every
// format and language, names every finding an audit can produce with its
// severity and standard, every cap and every version.
func TestMethodologyNamesEveryFinding(t *testing.T) {
	r := Default()
	for _, format := range []string{"markdown", "html"} {
		for _, lang := range []string{"fr", "en"} {
			var b bytes.Buffer
			if err := Methodology(&b, format, lang); err != nil {
				t.Fatal(err)
			}
			text := b.String()
			for _, d := range check.Definitions() {
				row := rowOf(text, d.ID)
				if row == "" {
					t.Errorf("%s %s: no row for %s", format, lang, d.ID)
					continue
				}
				std := esc(format, d.Standard)
				if !strings.Contains(row, d.Severity.String()) || !strings.Contains(row, std) {
					t.Errorf("%s %s: row of %s lacks its severity %s or standard %q:\n%s", format, lang, d.ID, d.Severity, std, row)
				}
			}
			for _, c := range r.Caps {
				if !strings.Contains(text, c.Rule) || !strings.Contains(text, esc(format, c.Reason.In(lang))) {
					t.Errorf("%s %s: cap %s or its reason missing", format, lang, c.Rule)
				}
			}
			for _, v := range r.History {
				if !strings.Contains(text, v.Version) {
					t.Errorf("%s %s: version %s missing", format, lang, v.Version)
				}
			}
		}
	}
}

// esc escapes s as the format does.
func esc(format, s string) string {
	if format == "html" {
		return html.EscapeString(s)
	}
	return s
}

// rowOf returns the table row whose first cell is the finding id.
func rowOf(text, id string) string {
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "| `"+id+"` |") || strings.HasPrefix(line, "<tr><td><code>"+id+"</code></td>") {
			return line
		}
	}
	return ""
}

func TestMethodologyRejects(t *testing.T) {
	var b bytes.Buffer
	if err := Methodology(&b, "pdf", "fr"); err == nil {
		t.Error("format pdf accepted")
	}
	if err := Methodology(&b, "html", "de"); err == nil {
		t.Error("language de accepted")
	}
	if b.Len() != 0 {
		t.Errorf("wrote %d bytes on error", b.Len())
	}
}
