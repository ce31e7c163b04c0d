package vigie_test

// This file holds the edges of vigie's package graph, in the manner of the
// standard library's go/build/deps_test.go: the rules are a table ("these
// packages must not import those, because"), checked against what
// `go list` reports for every package of the module, so that a change
// that crosses an edge fails here, with the rule's reason, rather than in
// review. What imports cannot show, reading the clock, is checked in the
// source of the pure packages.
//
// Only the packages as built are checked, not their tests: tests may use
// fakes, files and the clock.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// module is the module path: a pattern "./x" is module + "/x".
const module = "vigie.eu/vigie"

// scope says which imports a rule reads.
type scope int

const (
	// direct: the package's own imports.
	direct scope = iota
	// linked: every package it links, at any depth.
	linked
)

// rule forbids the packages matching from (less except) to import the
// packages matching deny. Patterns are import paths; "./" stands for the
// module, "/..." for a path and everything below it, and "*" for one
// path element.
type rule struct {
	from, except []string
	scope        scope
	deny         []string
	why          string
}

// pure are the packages that judge, score and render, pure functions of
// the observations (DESIGN.md, "One direction of flow"), and the
// normalisation of target names.
var pure = []string{"./internal/audit", "./internal/ecoindex", "./internal/thirdparty", "./internal/check/...", "./internal/score", "./internal/profile", "./internal/report", "./internal/target"}

// network is what dials or serves: net itself, the HTTP client and
// server, SMTP, RPC, textproto (its Dial), TLS, and vigie's probes.
// Parsers without I/O (net/url, net/netip, net/mail) are not in it.
var network = []string{"net", "net/http", "net/http/...", "net/smtp", "net/rpc/...", "net/textproto", "crypto/tls", "./internal/probe/..."}

var rules = []rule{
	{
		from: []string{"./cmd/vigie"}, scope: linked,
		deny: []string{"testing", "testing/...", "net/http/httptest"},
		why:  "the binary links no test code: the fakes the lab runs are testing-free, and the test helpers (checktest, storetest, golden) import testing",
	},
	{
		from: []string{"./internal/campaign/..."}, scope: direct,
		deny: []string{"./internal/probe/..."},
		why:  "campaigns go through the engine, never to a probe",
	},
	{
		from: []string{"./internal/check/..."}, except: []string{"./internal/check/checktest"}, scope: linked,
		deny: []string{"./internal/probe/..."},
		why:  "checks judge observations, they never probe",
	},
	{
		// Direct imports only: golang.org/x/net/publicsuffix links
		// net/http/cookiejar (for a type assertion), so the profiles
		// and the report, through internal/target, link net/http
		// without calling it.
		from: pure, except: []string{"./internal/check/checktest"}, scope: direct,
		deny: network,
		why:  "no network where vigie judges, scores and renders",
	},
	{
		from: pure, except: []string{"./internal/check/checktest"}, scope: direct,
		deny: []string{"os", "os/exec", "io/fs", "io/ioutil", "syscall", "math/rand", "math/rand/v2", "crypto/rand", "database/sql"},
		why:  "no files, processes, randomness nor database where vigie judges, scores and renders",
	},
	{
		from: []string{"./..."}, except: []string{"./internal/store/..."}, scope: direct,
		deny: []string{"database/sql", "database/sql/driver", "modernc.org/sqlite/..."},
		why:  "the store is the only code that touches a database",
	},
	{
		// River's PostgreSQL driver takes a pgx pool: the queue holds
		// one on the store's database, for River's tables and its own.
		from: []string{"./..."}, except: []string{"./internal/store/...", "./internal/queue"}, scope: direct,
		deny: []string{"github.com/jackc/pgx/..."},
		why:  "the store, and the queue on the store's database, are the only code that touches a database",
	},
	{
		from: []string{"./..."}, except: []string{"./internal/queue"}, scope: direct,
		deny: []string{"github.com/riverqueue/..."},
		why:  "River is confined to the queue",
	},
	{
		from: []string{"./internal/probe/..."}, scope: direct,
		deny: []string{"./internal/check/...", "./internal/score", "./internal/profile", "./internal/store/...", "./internal/engine/..."},
		why:  "a probe records what it sees, it never judges nor stores",
	},
	{
		from: []string{"./internal/audit"}, scope: linked,
		deny: []string{"./..."},
		why:  "the vocabulary depends on no other package of vigie",
	},
	{
		from: []string{"./..."}, except: []string{"./internal/export"}, scope: direct,
		deny: []string{"github.com/xuri/excelize/...", "github.com/parquet-go/..."},
		why:  "the spreadsheet and Parquet writers are confined to the export",
	},
	{
		from: []string{"./..."}, except: []string{"./internal/operator"}, scope: direct,
		deny: []string{"github.com/pquerna/otp/...", "golang.org/x/crypto/argon2"},
		why:  "one-time codes and password hashes are confined to the operators' package",
	},
	{
		from: []string{"./..."}, except: []string{"./internal/probe/pageprobe"}, scope: direct,
		deny: []string{"github.com/chromedp/..."},
		why:  "the browser driver is confined to the page-load probe",
	},
	{
		from: []string{"./..."}, except: []string{"./internal/secret"}, scope: direct,
		deny: []string{"filippo.io/age/..."},
		why:  "encryption at rest is confined to the secrets' package",
	},
}

// clockReads are the functions of package time that read the clock or
// wait on it: a pure package takes the time of the audit as data
// (Observations.Time).
var clockReads = []string{"Now", "Since", "Until", "Sleep", "After", "AfterFunc", "Tick", "NewTimer", "NewTicker"}

// exceptions are edges the rules forbid that the code still has, each
// with what will remove it. The test fails when one is no longer needed.
// None today: add one only with the issue that removes it.
var exceptions = []struct{ from, to, why string }{}

// pkg is what `go list -json` says of one package.
type pkg struct {
	ImportPath string
	Dir        string
	GoFiles    []string
	// IgnoredGoFiles are the files the build leaves out (other
	// systems, build tags): the source scan reads them too.
	IgnoredGoFiles []string
	Imports        []string
	Deps           []string
}

// listPackages runs `go list -deps` on the module, once for all the tests
// of the file: its packages and every package they link, by import path.
func listPackages(t *testing.T) map[string]*pkg {
	t.Helper()
	pkgs, err := goList()
	if err != nil {
		t.Fatal(err)
	}
	return pkgs
}

var goList = sync.OnceValues(func() (map[string]*pkg, error) {
	goCmd, err := exec.LookPath("go") // go test puts GOROOT/bin in PATH
	if err != nil {
		return nil, fmt.Errorf("go command: %v", err)
	}
	out, err := exec.Command(goCmd, "list", "-deps", "-json=ImportPath,Dir,GoFiles,IgnoredGoFiles,Imports,Deps", "./...").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("go list: %v\n%s", err, ee.Stderr)
		}
		return nil, fmt.Errorf("go list: %v", err)
	}
	pkgs := map[string]*pkg{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list output: %v", err)
		}
		pkgs[p.ImportPath] = &p
	}
	return pkgs, nil
})

// match reports whether import path p matches pattern.
func match(pattern, p string) bool {
	if rest, ok := strings.CutPrefix(pattern, "./"); ok {
		pattern = module + "/" + rest
	}
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return p == prefix || strings.HasPrefix(p, prefix+"/")
	}
	ok, _ := path.Match(pattern, p)
	return ok
}

func matchAny(patterns []string, p string) bool {
	return slices.ContainsFunc(patterns, func(pat string) bool { return match(pat, p) })
}

// short writes a module path as "./x", for messages.
func short(p string) string {
	if rest, ok := strings.CutPrefix(p, module+"/"); ok {
		return "./" + rest
	}
	return p
}

// inModule reports whether p is a package of the module.
func inModule(p string) bool { return p == module || strings.HasPrefix(p, module+"/") }

// violation is a forbidden edge: from imports (or links) to, through
// chain.
type violation struct {
	rule     int
	from, to string
	chain    []string
}

func (v violation) String() string {
	r := rules[v.rule]
	verb := "imports"
	if r.scope == linked {
		verb = "links"
	}
	s := fmt.Sprintf("%s %s %s", short(v.from), verb, short(v.to))
	if len(v.chain) > 2 {
		var via []string
		for _, p := range v.chain[1 : len(v.chain)-1] {
			via = append(via, short(p))
		}
		s += " (through " + strings.Join(via, ", ") + ")"
	}
	return s + ": " + r.why
}

// check applies rules to pkgs and returns every violation, sorted.
func check(rules []rule, pkgs map[string]*pkg) []violation {
	var out []violation
	for _, p := range sortedKeys(pkgs) {
		if !inModule(p) {
			continue
		}
		for i, r := range rules {
			if !matchAny(r.from, p) || matchAny(r.except, p) {
				continue
			}
			imports := pkgs[p].Imports
			if r.scope == linked {
				imports = pkgs[p].Deps
			}
			for _, dep := range imports {
				if matchAny(r.deny, dep) {
					out = append(out, violation{rule: i, from: p, to: dep, chain: chain(pkgs, p, dep)})
				}
			}
		}
	}
	return out
}

// chain returns a shortest import chain from one package to another,
// both ends included.
func chain(pkgs map[string]*pkg, from, to string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == to {
			var c []string
			for ; p != ""; p = prev[p] {
				c = append(c, p)
			}
			slices.Reverse(c)
			return c
		}
		if pkgs[p] == nil {
			continue
		}
		for _, next := range pkgs[p].Imports {
			if _, seen := prev[next]; !seen {
				prev[next] = p
				queue = append(queue, next)
			}
		}
	}
	return []string{from, to}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// TestDependencies checks every rule of the table on the module as built.
func TestDependencies(t *testing.T) {
	pkgs := listPackages(t)
	used := make([]bool, len(exceptions))
	for _, v := range check(rules, pkgs) {
		i := slices.IndexFunc(exceptions, func(e struct{ from, to, why string }) bool {
			return match(e.from, v.from) && match(e.to, v.to)
		})
		if i >= 0 {
			used[i] = true
			t.Logf("known exception: %v (%s)", v, exceptions[i].why)
			continue
		}
		t.Error(v)
	}
	for i, e := range exceptions {
		if !used[i] {
			t.Errorf("exception %s -> %s is no longer needed: remove it from the table", e.from, e.to)
		}
	}
	// A rule whose packages are all gone (renamed, moved) would pass
	// forever: each one must still be about something.
	for _, r := range rules {
		if !slices.ContainsFunc(sortedKeys(pkgs), func(p string) bool { return inModule(p) && matchAny(r.from, p) }) {
			t.Errorf("rule %q matches no package: %v", r.why, r.from)
		}
	}
}

// TestPureReadNoClock parses the source of the pure packages and rejects
// every call to what reads the clock.
func TestPureReadNoClock(t *testing.T) {
	pkgs := listPackages(t)
	files := 0
	for _, p := range sortedKeys(pkgs) {
		if !inModule(p) || !matchAny(pure, p) || match("./internal/check/checktest", p) {
			continue
		}
		for _, name := range slices.Concat(pkgs[p].GoFiles, pkgs[p].IgnoredGoFiles) {
			if strings.HasSuffix(name, "_test.go") {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, filepath.Join(pkgs[p].Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			files++
			for _, use := range clockUses(fset, f) {
				t.Errorf("%s: %s is pure: it takes the time of the audit as data (Observations.Time)", use, short(p))
			}
		}
	}
	if files == 0 {
		t.Fatal("no source file of a pure package found")
	}
}

// clockUses lists the uses of clockReads in one file, whatever the name
// package time is imported under.
func clockUses(fset *token.FileSet, f *ast.File) []string {
	return uses(fset, f, "time", clockReads)
}

// uses lists the uses in one file of the functions, types or variables
// names of the package at importPath, whatever name it is imported under.
func uses(fset *token.FileSet, f *ast.File, importPath string, names []string) []string {
	name := ""
	for _, imp := range f.Imports {
		if p, _ := strconv.Unquote(imp.Path.Value); p == importPath {
			name = path.Base(importPath)
			if imp.Name != nil {
				name = imp.Name.Name
			}
		}
	}
	if name == "" {
		return nil
	}
	var out []string
	report := func(n ast.Node, fn string) {
		out = append(out, fmt.Sprintf("%s: uses %s.%s", fset.Position(n.Pos()), path.Base(importPath), fn))
	}
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			x, ok := n.X.(*ast.Ident)
			if !ok {
				ast.Inspect(n.X, visit) // n.Sel is a field or method name
				return false
			}
			if x.Name == name && slices.Contains(names, n.Sel.Name) {
				report(n, n.Sel.Name)
			}
			return false
		case *ast.Field:
			// Field and parameter names are declarations, not uses.
			ast.Inspect(n.Type, visit)
			return false
		case *ast.Ident:
			if name == "." && slices.Contains(names, n.Name) {
				report(n, n.Name)
			}
		}
		return true
	}
	ast.Inspect(f, visit)
	return out
}

// dialers are what opens a connection without the address guard.
var dialers = []struct {
	importPath string
	names      []string
}{
	{"net", []string{"Dialer", "Dial", "DialTimeout", "DialTCP", "DialUDP", "DialIP", "DialUnix"}},
	{"crypto/tls", []string{"Dial", "DialWithDialer", "Dialer"}},
	{"net/http", []string{"Get", "Head", "Post", "PostForm", "DefaultClient", "DefaultTransport"}},
	{"net/smtp", []string{"Dial"}},
}

// unguarded are the places allowed to dial without the guard: the guard
// itself, the DNS probe's queries to the operator's resolver, and the
// fakes and the lab, which serve rather than audit.
var unguarded = []string{
	"./internal/guard",
	"./internal/probe/dnsprobe/query.go",
	"./internal/dnstest", "./internal/tlstest", "./internal/smtptest", "./internal/tcptest", "./internal/webtest",
	"./internal/lab",
}

// TestDialsThroughGuard parses the module's source (tests aside) and
// rejects every connection opened otherwise than through internal/guard
// (probe.Dialer and guard.Guard), outside the places of unguarded: an
// audited domain must never reach the auditor's own network.
func TestDialsThroughGuard(t *testing.T) {
	pkgs := listPackages(t)
	files := 0
	for _, p := range sortedKeys(pkgs) {
		if !inModule(p) || matchAny(unguarded, p) {
			continue
		}
		for _, name := range slices.Concat(pkgs[p].GoFiles, pkgs[p].IgnoredGoFiles) {
			if strings.HasSuffix(name, "_test.go") || slices.Contains(unguarded, short(p)+"/"+name) {
				continue
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, filepath.Join(pkgs[p].Dir, name), nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			files++
			for _, d := range dialers {
				for _, use := range uses(fset, f, d.importPath, d.names) {
					t.Errorf("%s: %s dials without the address guard: use probe.Dialer or guard.Guard", use, short(p))
				}
			}
		}
	}
	if files < 50 {
		t.Fatalf("only %d source files scanned: the scan misses the module", files)
	}
}

// TestRuleCheck makes sure the rules catch what they must, on a made-up
// module.
func TestRuleCheck(t *testing.T) {
	m := func(p string) string { return module + "/" + p }
	pkgs := map[string]*pkg{
		m("cmd/vigie"):                {Imports: []string{m("internal/lab")}, Deps: []string{m("internal/lab"), m("internal/dnstest"), "testing"}},
		m("internal/lab"):             {Imports: []string{m("internal/dnstest")}, Deps: []string{m("internal/dnstest"), "testing"}},
		m("internal/dnstest"):         {Imports: []string{"testing"}, Deps: []string{"testing"}},
		m("internal/campaign"):        {Imports: []string{m("internal/probe/dnsprobe")}},
		m("internal/check/httpcheck"): {Imports: []string{"net/http", "net/url", "net/netip"}},
		m("internal/check/checktest"): {Imports: []string{"os", "testing"}},
		m("internal/score"):           {Imports: []string{"math/rand/v2"}},
		m("internal/export"):          {Imports: []string{"database/sql"}},
		m("internal/store"):           {Imports: []string{"database/sql"}},
		m("internal/audit"):           {Deps: []string{m("internal/target")}},
	}
	var got []string
	for _, v := range check(rules, pkgs) {
		got = append(got, v.String())
	}
	want := []string{
		"./cmd/vigie links testing (through ./internal/lab, ./internal/dnstest): " + rules[0].why,
		"./internal/audit links ./internal/target: " + rules[9].why,
		"./internal/campaign imports ./internal/probe/dnsprobe: " + rules[1].why,
		"./internal/check/httpcheck imports net/http: " + rules[3].why,
		"./internal/export imports database/sql: " + rules[5].why,
		"./internal/score imports math/rand/v2: " + rules[4].why,
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestClockUses makes sure the source scan catches what it must.
func TestClockUses(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      int
	}{
		{"pure", "package p\nimport \"time\"\nvar d = time.Hour\nfunc f(t time.Time) bool { return t.After(t) }\n", 0},
		{"time.Now", "package p\nimport \"time\"\nvar _ = time.Now()\n", 1},
		{"renamed", "package p\nimport clock \"time\"\nvar _ = clock.Since\n", 1},
		{"dot import", "package p\nimport . \"time\"\nvar _ = Now\n", 1},
		{"field named Now", "package p\nimport \"time\"\ntype o struct{ Now time.Time }\nvar _ = o{}.Now\n", 0},
		{"field named Now, dot import", "package p\nimport . \"time\"\ntype o struct{ Now Time }\nvar _ = o{}.Now\n", 0},
		{"inside a call", "package p\nimport \"time\"\nfunc f(t time.Time) struct{ X int } { return struct{ X int }{} }\nvar _ = f(time.Now()).X\n", 1},
		{"timer", "package p\nimport \"time\"\nvar _ = time.NewTimer(time.Second)\n", 1},
		{"no time", "package p\nfunc Now() {}\nvar _ = Now\n", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, "x.go", tc.src, 0)
			if err != nil {
				t.Fatal(err)
			}
			if got := clockUses(fset, f); len(got) != tc.want {
				t.Errorf("got %d uses %q, want %d", len(got), got, tc.want)
			}
		})
	}
}
