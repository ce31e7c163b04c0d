package check

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
)

// TestDefinitions checks what the methodology publishes: every finding
// definition has a well-formed, unique id and its texts in both languages.
func TestDefinitions(t *testing.T) {
	defs := Definitions()
	if len(defs) == 0 {
		t.Fatal("no definition")
	}
	idRE := regexp.MustCompile(`^(dns|tls|http)\.[a-z0-9_]+(\.[a-z0-9_]+)*$`)
	seen := map[string]bool{}
	for _, d := range defs {
		if !idRE.MatchString(d.ID) {
			t.Errorf("definition id %q is not area.subject[.detail]", d.ID)
		}
		if seen[d.ID] {
			t.Errorf("definition id %q declared twice", d.ID)
		}
		seen[d.ID] = true
		for what, s := range map[string]string{
			"title.fr": d.Title.FR, "title.en": d.Title.EN,
			"remediation.fr": d.Remediation.FR, "remediation.en": d.Remediation.EN,
			"standard": d.Standard,
		} {
			if strings.TrimSpace(s) == "" {
				t.Errorf("%s: empty %s", d.ID, what)
			}
		}
		if d.Severity < audit.Info || d.Severity > audit.Critical {
			t.Errorf("%s: severity %v out of range", d.ID, d.Severity)
		}
	}
}

// TestAll checks that the list holds every area and no check twice.
func TestAll(t *testing.T) {
	seen := map[string]bool{}
	areas := map[string]bool{}
	for _, c := range All() {
		if seen[c.ID()] {
			t.Errorf("check %q listed twice", c.ID())
		}
		seen[c.ID()] = true
		areas[strings.SplitN(c.ID(), ".", 2)[0]] = true
	}
	for _, a := range []string{"dns", "tls", "http"} {
		if !areas[a] {
			t.Errorf("no %s check in All", a)
		}
	}
}

// TestRunEmpty runs every check on empty and nil-filled observations: a
// check must return no finding about what was not observed, and never
// panic.
func TestRunEmpty(t *testing.T) {
	for _, o := range []*audit.Observations{
		{Domain: "example.test"},
		{Domain: "example.test", DNS: &audit.DNSObservation{}, TLS: []*audit.TLSObservation{{}}, HTTP: []*audit.HTTPObservation{{}}, SecurityTxt: &audit.SecurityTxtObservation{}},
	} {
		got, errs := Run(o)
		for _, err := range errs {
			t.Error(err)
		}
		if got == nil {
			t.Error("Run returned nil findings")
		}
	}
}

func TestRunChecksOrderAndPanic(t *testing.T) {
	f := func(id string, s audit.Severity, subject string) audit.Finding {
		return audit.Finding{ID: id, Severity: s, Subject: subject}
	}
	checks := []audit.Check{
		audit.CheckFunc("a", func(*audit.Observations) []audit.Finding {
			return []audit.Finding{f("x.low", audit.Low, "b"), f("x.crit", audit.Critical, "a"), f("x.low", audit.Low, "a")}
		}),
		audit.CheckFunc("broken", func(o *audit.Observations) []audit.Finding {
			return []audit.Finding{f("never", audit.Info, o.DNS.Resolver)} // nil DNS: panics
		}),
		audit.CheckFunc("b", func(*audit.Observations) []audit.Finding {
			return []audit.Finding{f("a.high", audit.High, "z"), f("a.low", audit.Low, "z")}
		}),
	}
	got, errs := RunChecks(&audit.Observations{}, checks)
	want := []audit.Finding{
		f("x.crit", audit.Critical, "a"),
		f("a.high", audit.High, "z"),
		f("a.low", audit.Low, "z"),
		f("x.low", audit.Low, "a"),
		f("x.low", audit.Low, "b"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("RunChecks (-want +got):\n%s", diff)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "check broken: panic") {
		t.Errorf("errs = %v, want one panic of check broken", errs)
	}
}

// TestChecksArePure enforces the design: the check packages do no I/O.
// They may not import the network, the file system or the probes, nor read
// the clock ("now" is Observations.Time). Of the net packages, only those
// that parse text are allowed, and of net/http only its helpers.
func TestChecksArePure(t *testing.T) {
	forbidden := []string{"net", "os", "io/fs", "io/ioutil", "syscall", "crypto/tls", "vigie.eu/vigie/internal/probe", "vigie.eu/vigie/internal/engine"}
	allowed := map[string]bool{"net/url": true, "net/netip": true, "net/mail": true, "net/textproto": true, "net/http": true}
	// What of net/http, os or time would do I/O or read the clock.
	forbiddenSel := map[string]map[string]bool{
		"net/http": {"Get": true, "Head": true, "Post": true, "PostForm": true, "Client": true, "DefaultClient": true,
			"Transport": true, "DefaultTransport": true, "NewRequest": true, "NewRequestWithContext": true,
			"ListenAndServe": true, "ListenAndServeTLS": true, "Serve": true, "ServeTLS": true},
		"time": {"Now": true, "Since": true, "Until": true, "Sleep": true, "After": true, "Tick": true, "NewTimer": true, "NewTicker": true},
	}
	files, err := filepath.Glob("*/*.go")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") || strings.HasPrefix(name, "checktest"+string(filepath.Separator)) {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		n++
		local := map[string]string{} // import name in the file -> path
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if imp.Name != nil {
				local[imp.Name.Name] = path
			} else {
				local[path[strings.LastIndex(path, "/")+1:]] = path
			}
			if allowed[path] {
				continue
			}
			for _, bad := range forbidden {
				if path == bad || strings.HasPrefix(path, bad+"/") {
					t.Errorf("%s imports %s: checks must stay pure", name, path)
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && forbiddenSel[local[x.Name]][sel.Sel.Name] {
				t.Errorf("%s uses %s.%s: checks must stay pure", name, local[x.Name], sel.Sel.Name)
			}
			return true
		})
	}
	if n == 0 {
		t.Fatal("no check source file found")
	}
}
