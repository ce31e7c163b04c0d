// Package checktest runs checks against observation fixtures and compares
// their findings with golden files.
//
// A fixture is a pair of files in a test's testdata folder:
//
//	testdata/hsts/short-max-age.observations.json  (input)
//	testdata/hsts/short-max-age.findings.json      (golden output)
//
// Run the tests with -update to rewrite the golden files from what the
// checks return now; review the diff before committing it.
package checktest

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
)

var update = flag.Bool("update", false, "rewrite golden .findings.json files")

// Golden runs checks on every *.observations.json file under dir (searched
// recursively) and compares the findings with the .findings.json file
// beside it. It fails the test when dir holds no fixture.
func Golden(t *testing.T, dir string, checks ...audit.Check) {
	t.Helper()
	var inputs []string
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasSuffix(path, ".observations.json") {
			inputs = append(inputs, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(inputs) == 0 {
		t.Fatalf("no *.observations.json under %s", dir)
	}
	for _, in := range inputs {
		name := strings.TrimSuffix(strings.TrimPrefix(in, dir+string(filepath.Separator)), ".observations.json")
		t.Run(name, func(t *testing.T) {
			o := LoadObservations(t, in)
			got := Run(o, checks...)
			golden := strings.TrimSuffix(in, ".observations.json") + ".findings.json"
			gotJSON := marshal(t, got)
			if *update {
				if err := os.WriteFile(golden, gotJSON, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			wantJSON, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			var want []audit.Finding
			if err := json.Unmarshal(wantJSON, &want); err != nil {
				t.Fatalf("%s: %v", golden, err)
			}
			if want == nil {
				want = []audit.Finding{}
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("findings differ from %s (-want +got):\n%s", golden, diff)
			}
		})
	}
}

// Run runs checks on o and returns all their findings, never nil.
func Run(o *audit.Observations, checks ...audit.Check) []audit.Finding {
	got := []audit.Finding{}
	for _, c := range checks {
		got = append(got, c.Run(o)...)
	}
	return got
}

// LoadObservations reads an observations file; unknown fields are an error,
// so that a fixture cannot silently drift from the types.
func LoadObservations(t *testing.T, path string) *audit.Observations {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var o audit.Observations
	if err := dec.Decode(&o); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return &o
}

func marshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return append(b, '\n')
}

var idPattern = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$`)

// Definitions checks a check package's definitions: identifiers well formed
// and under area ("dns" for dns.*), each defined once, with French and
// English title and remediation and a standard.
func Definitions(t *testing.T, area string, defs []*audit.Definition) {
	t.Helper()
	seen := map[string]bool{}
	for _, d := range defs {
		t.Run(d.ID, func(t *testing.T) {
			if !idPattern.MatchString(d.ID) {
				t.Errorf("id %q does not match %s", d.ID, idPattern)
			}
			if !strings.HasPrefix(d.ID, area+".") {
				t.Errorf("id %q is not in the %s area", d.ID, area)
			}
			if seen[d.ID] {
				t.Errorf("id %q defined twice", d.ID)
			}
			seen[d.ID] = true
			for name, s := range map[string]string{
				"Title.FR": d.Title.FR, "Title.EN": d.Title.EN,
				"Remediation.FR": d.Remediation.FR, "Remediation.EN": d.Remediation.EN,
				"Standard": d.Standard,
			} {
				if strings.TrimSpace(s) == "" {
					t.Errorf("%s is empty", name)
				}
				if strings.Contains(s, `\"`) {
					t.Errorf("%s holds an escaped quote: %s", name, s)
				}
			}
		})
	}
}

// Fixtures returns the observation fixtures under dir (one level of
// folders, as testdata/hsts/*.observations.json), failing the test when
// there is none.
func Fixtures(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.observations.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixture under %s: %v", dir, err)
	}
	return files
}

// Produced runs checks on every fixture under dir, requires each finding to
// carry exactly the severity, texts and standard of its definition in defs,
// and a subject and evidence, and returns the identifiers produced, so that
// a test can require every definition to be exercised.
func Produced(t *testing.T, dir string, defs []*audit.Definition, checks ...audit.Check) map[string]bool {
	t.Helper()
	byID := map[string]*audit.Definition{}
	for _, d := range defs {
		byID[d.ID] = d
	}
	produced := map[string]bool{}
	for _, f := range Fixtures(t, dir) {
		o := LoadObservations(t, f)
		for _, fd := range Run(o, checks...) {
			d, ok := byID[fd.ID]
			if !ok {
				t.Errorf("%s: finding %q has no definition", f, fd.ID)
				continue
			}
			produced[fd.ID] = true
			if fd.Severity != d.Severity || fd.Title != d.Title || fd.Remediation != d.Remediation || fd.Standard != d.Standard {
				t.Errorf("%s: finding %q differs from its definition", f, fd.ID)
			}
			if fd.Subject == "" || fd.Evidence == "" {
				t.Errorf("%s: finding %q without subject or evidence", f, fd.ID)
			}
		}
	}
	return produced
}

// Deterministic runs checks twice on every fixture under dir and requires
// the same findings both times, and the observations left as they were.
func Deterministic(t *testing.T, dir string, checks ...audit.Check) {
	t.Helper()
	for _, f := range Fixtures(t, dir) {
		o := LoadObservations(t, f)
		first := Run(o, checks...)
		second := Run(o, checks...)
		if diff := cmp.Diff(first, second); diff != "" {
			t.Errorf("%s: second run differs (-first +second):\n%s", f, diff)
		}
		if diff := cmp.Diff(LoadObservations(t, f), o); diff != "" {
			t.Errorf("%s: checks changed the observations:\n%s", f, diff)
		}
	}
}
