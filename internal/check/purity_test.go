package check_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// forbiddenImports are packages a check must not use: checks are pure
// functions of the observations (no network, files, processes, databases
// or randomness). Parsers without I/O (net/url, net/netip, net/mail,
// net/textproto) are allowed, and so is net/http for its pure helpers
// (CanonicalHeaderKey, ParseTime): ioSelectors rejects the rest.
var forbiddenImports = map[string]string{
	"net":          "network",
	"net/smtp":     "network",
	"net/rpc":      "network",
	"os":           "files and environment",
	"os/exec":      "processes",
	"io/fs":        "files",
	"io/ioutil":    "files",
	"syscall":      "system calls",
	"crypto/tls":   "network",
	"database/sql": "database",
	"math/rand":    "randomness",
	"math/rand/v2": "randomness",
	"crypto/rand":  "randomness",
}

// ioSelectors are the names of allowed packages that read the clock or do
// I/O: a check uses Observations.Time, and never talks to a server.
var ioSelectors = map[string]map[string]bool{
	"time": {"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true, "AfterFunc": true,
		"Tick": true, "NewTimer": true, "NewTicker": true},
	"net/http": {"Get": true, "Head": true, "Post": true, "PostForm": true, "Client": true, "DefaultClient": true,
		"Transport": true, "DefaultTransport": true, "NewRequest": true, "NewRequestWithContext": true,
		"ListenAndServe": true, "ListenAndServeTLS": true, "Serve": true, "ServeTLS": true, "Server": true,
		"FileServer": true, "ServeFile": true, "Dir": true},
}

// TestCheckPackagesArePure parses every non-test Go file under
// internal/check, at any depth (not checktest, the harness, which reads
// files), and rejects imports of I/O packages and uses of what reads the
// clock or talks to the network.
func TestCheckPackagesArePure(t *testing.T) {
	fset := token.NewFileSet()
	parsed := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == "testdata" || d.Name() == "checktest" {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		parsed++
		for _, p := range impurities(fset, f) {
			t.Error(p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if parsed == 0 {
		t.Fatal("no check source file found")
	}
}

// impurities lists the forbidden imports, clock reads and I/O calls of one
// file.
func impurities(fset *token.FileSet, f *ast.File) []string {
	var out []string
	local := map[string]string{} // name in the file -> import path, for ioSelectors
	for _, imp := range f.Imports {
		path, err := strconv.Unquote(imp.Path.Value)
		if err != nil {
			continue
		}
		if why, ok := forbiddenImports[path]; ok || strings.HasPrefix(path, "net/http/") || strings.HasPrefix(path, "vigie.eu/vigie/internal/probe") {
			if !ok {
				why = "network"
			}
			out = append(out, fmt.Sprintf("%s: imports %q (%s): checks are pure", fset.Position(imp.Pos()), path, why))
		}
		if _, ok := ioSelectors[path]; ok {
			name := path[strings.LastIndex(path, "/")+1:]
			if imp.Name != nil {
				name = imp.Name.Name
			}
			local[name] = path
		}
	}
	if len(local) == 0 {
		return out
	}
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			x, ok := n.X.(*ast.Ident)
			if !ok {
				ast.Inspect(n.X, visit) // not Sel: a field or method name
				return false
			}
			if ioSelectors[local[x.Name]][n.Sel.Name] {
				out = append(out, fmt.Sprintf("%s: uses %s.%s: checks are pure (the audit time is Observations.Time)", fset.Position(n.Pos()), local[x.Name], n.Sel.Name))
			}
			return false
		case *ast.Field:
			// Field and parameter names are declarations, not uses.
			ast.Inspect(n.Type, visit)
			return false
		case *ast.Ident:
			// A dot import makes the names unqualified.
			if path, ok := local["."]; ok && ioSelectors[path][n.Name] {
				out = append(out, fmt.Sprintf("%s: uses %s.%s: checks are pure (the audit time is Observations.Time)", fset.Position(n.Pos()), path, n.Name))
			}
		}
		return true
	}
	ast.Inspect(f, visit)
	return out
}

// TestImpurities makes sure the detector itself catches what it must.
func TestImpurities(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      int
	}{
		{"pure", "package p\nimport (\"strings\"; \"time\")\nvar _ = strings.ToLower\nvar d = time.Hour\n", 0},
		{"net", "package p\nimport _ \"net\"\n", 1},
		{"net/netip", "package p\nimport _ \"net/netip\"\n", 0},
		{"net/http/httptest", "package p\nimport _ \"net/http/httptest\"\n", 1},
		{"net/http helper", "package p\nimport \"net/http\"\nvar _ = http.CanonicalHeaderKey(\"a\")\n", 0},
		{"net/http client", "package p\nimport \"net/http\"\nvar _, _ = http.Get(\"http://x\")\n", 1},
		{"probe", "package p\nimport _ \"vigie.eu/vigie/internal/probe/tlsprobe\"\n", 1},
		{"os/exec", "package p\nimport _ \"os/exec\"\n", 1},
		{"database/sql", "package p\nimport _ \"database/sql\"\n", 1},
		{"os", "package p\nimport \"os\"\nvar _ = os.Args\n", 1},
		{"time.Now", "package p\nimport \"time\"\nvar _ = time.Now()\n", 1},
		{"renamed time", "package p\nimport clock \"time\"\nvar _ = clock.Since\n", 1},
		{"dot time", "package p\nimport . \"time\"\nvar _ = Now\n", 1},
		{"field named Now", "package p\nimport \"time\"\ntype o struct{ Now time.Time }\nvar _ = o{}.Now\n", 0},
		{"field named Now, dot import", "package p\nimport . \"time\"\ntype o struct{ Now Time }\nvar _ = o{}.Now\n", 0},
		{"time.Now inside a call", "package p\nimport \"time\"\nfunc f(t time.Time) struct{ X int } { return struct{ X int }{} }\nvar _ = f(time.Now()).X\n", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "x.go", tc.src, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := impurities(fset, f); len(got) != tc.want {
				t.Errorf("got %d impurities %q, want %d", len(got), got, tc.want)
			}
		})
	}
}
