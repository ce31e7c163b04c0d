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
