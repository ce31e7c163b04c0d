// Package golden compares what a test produced with a golden file kept in
// its testdata, and rewrites the file instead when asked to.
//
// One switch works for every golden test of the module, from the root:
//
//	VIGIE_UPDATE=1 go test ./...
//
// The -update flag does the same for the tests of one package
// (go test ./internal/score -update). Review the diff of the rewritten
// files before committing them: a golden file changes only when the
// output was meant to change.
//
// Only tests import this package.
package golden

import (
	"errors"
	"flag"
	"io/fs"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// EnvUpdate is the environment variable that turns updating on when set to
// anything but "" or "0".
const EnvUpdate = "VIGIE_UPDATE"

var flagUpdate = flag.Bool("update", false, "rewrite the golden files (or set "+EnvUpdate+"=1)")

// Update reports whether golden files are to be rewritten rather than
// compared: -update was given, or VIGIE_UPDATE is set.
func Update() bool {
	if *flagUpdate {
		return true
	}
	v := os.Getenv(EnvUpdate)
	return v != "" && v != "0"
}

// File compares got with the golden file at path, failing t with a diff
// when they differ, or writes got to path when Update is on.
func File(t testing.TB, path string, got []byte) {
	t.Helper()
	if Update() {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("%s does not exist: run the test with %s=1 to create it, then review it", path, EnvUpdate)
	}
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got):\n%s\nIf the change is intended, run the test with %s=1 and review the diff.", path, diff, EnvUpdate)
	}
}
