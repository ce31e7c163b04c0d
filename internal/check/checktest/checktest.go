// Package checktest is the one test harness of the check areas: every area
// package (dnscheck, tlscheck, httpcheck, mailcheck, and those to come)
// runs its checks through Area.Test and nothing else.
//
// Fixtures are observations as files, in folders of the area's testdata:
//
//	testdata/hsts/short-max-age.observations.json  (input)
//	testdata/hsts/short-max-age.findings.json      (golden output)
//
// A folder named after a check (hsts for http.hsts, cert.trust for
// tls.cert.trust) runs that check alone, so that a new check changes no
// other golden file. The whole-site folders (see Sites) run every check of
// the area; a site in "good" must give no finding at all.
//
// Run the tests with VIGIE_UPDATE=1 (or -update) to rewrite the golden
// files from what the checks return now; review the diff before
// committing it.
package checktest

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/golden"
)

// Sites are the names of the whole-site fixture folders: "good" (a
// well-configured site: no finding), "combined" (many flaws at once) and
// "error" (probes that could not observe).
var Sites = []string{"good", "combined", "error"}

// Area is the checks of one area and their fixtures.
type Area struct {
	// Name is the area ("http"), the first part of every check and
	// finding identifier.
	Name string
	// Checks is the area's list of checks, in report order.
	Checks []audit.Check
	// Dir holds the fixture folders; "testdata" when empty.
	Dir string
	// CoveredElsewhere names the checks of the area whose findings a
	// test of their own produces, rather than the fixtures (mail.tls,
	// run on tlscheck's fixtures).
	CoveredElsewhere []string
}

// Test runs what every area must pass:
//   - the checks and their definitions are well formed (Definitions);
//   - every fixture gives its golden findings, each carrying the
//     definition of the check that returned it, with a subject and
//     evidence, the same twice, without touching the observations;
//   - every check has a fixture folder, and every definition is produced
//     by some fixture;
//   - no check finds anything on observations that hold nothing (Empty).
func (a Area) Test(t *testing.T) {
	t.Helper()
	t.Run("definitions", func(t *testing.T) { Definitions(t, a.Name, a.Checks) })
	t.Run("empty", func(t *testing.T) { Empty(t, a.Checks) })
	cov := &coverage{produced: map[string]bool{}}
	t.Run("fixtures", func(t *testing.T) { a.fixtures(t, cov) })
	all, _ := filepath.Glob(filepath.Join(a.dir(), "*", "*.observations.json"))
	if cov.ran < len(all) {
		t.Logf("%d of %d fixtures ran (-run): which definitions they produce is not checked", cov.ran, len(all))
		return
	}
	for _, c := range a.Checks {
		if slices.Contains(a.CoveredElsewhere, c.ID()) {
			continue
		}
		for _, d := range c.Definitions() {
			if !cov.produced[d.ID] {
				t.Errorf("no fixture produces %s: add one to %s", d.ID, filepath.Join(a.dir(), a.folder(c)))
			}
		}
	}
}

func (a Area) dir() string {
	if a.Dir == "" {
		return "testdata"
	}
	return a.Dir
}

// folder is the name of the fixture folder of check c: its identifier
// without the area ("cert.trust" for "tls.cert.trust").
func (a Area) folder(c audit.Check) string {
	return strings.TrimPrefix(c.ID(), a.Name+".")
}

// coverage is what the fixtures that ran produced.
type coverage struct {
	produced map[string]bool // finding identifiers
	ran      int             // fixtures run
}

// fixtures runs every fixture folder and records what it produced.
func (a Area) fixtures(t *testing.T, cov *coverage) {
	entries, err := os.ReadDir(a.dir())
	if err != nil {
		t.Fatal(err)
	}
	folders := map[string]bool{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		folders[name] = true
		var checks []audit.Check
		if slices.Contains(Sites, name) {
			checks = a.Checks
		} else {
			for _, c := range a.Checks {
				if a.folder(c) == name {
					checks = []audit.Check{c}
				}
			}
		}
		if checks == nil {
			t.Errorf("%s: no check %s.%s; name a fixture folder after a check of the area or one of the sites %v", filepath.Join(a.dir(), name), a.Name, name, Sites)
			continue
		}
		t.Run(name, func(t *testing.T) {
			runFolder(t, filepath.Join(a.dir(), name), cov, checks...)
			if name == "good" {
				for _, f := range Fixtures(t, filepath.Join(a.dir(), name)) {
					if got := Run(LoadObservations(t, f), checks...); len(got) != 0 {
						t.Errorf("%s: a good site gives no finding, got %v", f, ids(got))
					}
				}
			}
		})
	}
	for _, c := range a.Checks {
		if !folders[a.folder(c)] {
			t.Errorf("check %s has no fixture folder %s", c.ID(), filepath.Join(a.dir(), a.folder(c)))
		}
	}
}

// runFolder runs checks on every *.observations.json file of dir and
// compares the findings with the .findings.json file beside it (see
// package golden). Each finding must carry the definition of the check
// that returned it, a subject and evidence; both runs on the same
// observations must agree and leave them unchanged. What the fixtures
// produced goes to cov.
func runFolder(t *testing.T, dir string, cov *coverage, checks ...audit.Check) {
	t.Helper()
	for _, in := range Fixtures(t, dir) {
		name := strings.TrimSuffix(filepath.Base(in), ".observations.json")
		t.Run(name, func(t *testing.T) {
			cov.ran++
			o := LoadObservations(t, in)
			var got []audit.Finding
			for _, c := range checks {
				fs := c.Run(o)
				defined(t, c, fs)
				for _, f := range fs {
					cov.produced[f.ID] = true
				}
				got = append(got, fs...)
			}
			if again := Run(o, checks...); !cmp.Equal(orEmpty(got), again) {
				t.Errorf("a second run differs (-first +second):\n%s", cmp.Diff(orEmpty(got), again))
			}
			if diff := cmp.Diff(LoadObservations(t, in), o); diff != "" {
				t.Errorf("the checks changed the observations:\n%s", diff)
			}
			golden.File(t, strings.TrimSuffix(in, ".observations.json")+".findings.json", marshal(t, orEmpty(got)))
		})
	}
}

// defined requires every finding of c to carry one of c's definitions as
// it is, with a subject and evidence that starts with a letter or a digit:
// vigie's own words, never a remote value (see package evidence).
func defined(t *testing.T, c audit.Check, fs []audit.Finding) {
	t.Helper()
	for _, f := range fs {
		i := slices.IndexFunc(c.Definitions(), func(d *audit.Definition) bool { return d.ID == f.ID })
		if i < 0 {
			t.Errorf("check %s returned %s, which is not among its definitions", c.ID(), f.ID)
			continue
		}
		d := c.Definitions()[i]
		// A check that weighs its findings by the organisation's
		// category (the sovereignty checks) may rank them above or
		// below their definition's default.
		weighs := false
		if w, ok := c.(interface{ WeighsSeverity() bool }); ok {
			weighs = w.WeighsSeverity()
		}
		if f.Severity != d.Severity && !weighs || f.Title != d.Title || f.Remediation != d.Remediation || f.Standard != d.Standard {
			t.Errorf("finding %s differs from its definition: %+v", f.ID, f)
		}
		if f.Subject == "" || f.Evidence == "" {
			t.Errorf("finding %s without subject or evidence: %+v", f.ID, f)
			continue
		}
		if r, _ := utf8.DecodeRuneInString(f.Evidence); !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			t.Errorf("finding %s: evidence %s starts with %q: begin with vigie's own words and quote remote values inside (evidence.Quote)", f.ID, strconv.Quote(f.Evidence), r)
		}
		// Evidence is a message of the catalogue, rendered in both
		// languages from its code and parameters.
		m := f.EvidenceMessage
		if m == nil {
			t.Errorf("finding %s: evidence %s has no message code (audit.M)", f.ID, strconv.Quote(f.Evidence))
			continue
		}
		for _, code := range m.Codes() {
			if _, ok := audit.Messages[code]; !ok {
				t.Errorf("finding %s: evidence code %q is not in the catalogue (audit.Messages)", f.ID, code)
			}
		}
		if f.Evidence != m.Render("en") || f.EvidenceFR != m.Render("fr") || f.EvidenceFR == "" {
			t.Errorf("finding %s: evidence %q / %q is not its message rendered", f.ID, f.Evidence, f.EvidenceFR)
		}
	}
}

var idPattern = regexp.MustCompile(`^[a-z0-9_]+(\.[a-z0-9_]+)+$`)

// Definitions checks the checks of an area and their definitions:
// identifiers well formed and under area ("dns" for dns.*), each check
// and each definition once, every check with at least one definition,
// French and English title and remediation that differ, and a standard.
func Definitions(t *testing.T, area string, checks []audit.Check) {
	t.Helper()
	seenCheck := map[string]bool{}
	seen := map[string]bool{}
	for _, c := range checks {
		if !idPattern.MatchString(c.ID()) || !strings.HasPrefix(c.ID(), area+".") {
			t.Errorf("check id %q is not %s.name", c.ID(), area)
		}
		if seenCheck[c.ID()] {
			t.Errorf("check %s listed twice", c.ID())
		}
		seenCheck[c.ID()] = true
		if len(c.Definitions()) == 0 {
			t.Errorf("check %s carries no definition", c.ID())
		}
		for _, d := range c.Definitions() {
			if !idPattern.MatchString(d.ID) || !strings.HasPrefix(d.ID, area+".") {
				t.Errorf("%s: finding id %q is not %s.subject[.detail] in lower case", c.ID(), d.ID, area)
			}
			if seen[d.ID] {
				t.Errorf("%s: finding %s defined twice", c.ID(), d.ID)
			}
			seen[d.ID] = true
			if d.Severity < audit.Info || d.Severity > audit.Critical {
				t.Errorf("%s: severity %v out of range", d.ID, d.Severity)
			}
			for name, s := range map[string]string{
				"Title.FR": d.Title.FR, "Title.EN": d.Title.EN,
				"Remediation.FR": d.Remediation.FR, "Remediation.EN": d.Remediation.EN,
				"Standard": d.Standard,
			} {
				if strings.TrimSpace(s) == "" {
					t.Errorf("%s: %s is empty", d.ID, name)
				}
				if strings.Contains(s, `\"`) {
					t.Errorf("%s: %s holds an escaped quote, which readers would see: %s", d.ID, name, s)
				}
			}
			if d.Title.FR == d.Title.EN || d.Remediation.FR == d.Remediation.EN {
				t.Errorf("%s: French and English texts are the same", d.ID)
			}
		}
	}
}

// Empty runs checks on observations that hold nothing to judge (no
// probe, empty or nil entries) and requires no finding and no panic: a
// check reports nothing about what was not observed.
func Empty(t *testing.T, checks []audit.Check) {
	t.Helper()
	for i, o := range []*audit.Observations{
		{Domain: "example.test"},
		{Domain: "example.test", DNS: &audit.DNSObservation{}, TLS: []*audit.TLSObservation{nil, {}}, HTTP: []*audit.HTTPObservation{nil, {}}, SecurityTxt: &audit.SecurityTxtObservation{}, Mail: &audit.MailObservation{}},
		{Domain: "example.test", DNS: &audit.DNSObservation{Exists: true}},
		{Domain: "example.test", DNS: &audit.DNSObservation{Exists: true, DNSSEC: &audit.DNSSECObservation{}}},
		{Domain: "example.test", Mail: &audit.MailObservation{MX: &audit.MXObservation{Hosts: []*audit.MXHost{nil, {SMTP: []*audit.SMTPObservation{nil, {}}}}}, SPF: &audit.SPFObservation{Error: "x"}, DMARC: &audit.DMARCObservation{Error: "x"}, DKIM: &audit.DKIMObservation{}, MTASTS: &audit.MTASTSObservation{Error: "x"}, TLSRPT: &audit.TLSRPTObservation{Error: "x"}}},
	} {
		for _, c := range checks {
			func() {
				defer func() {
					if r := recover(); r != nil {
						t.Errorf("%s on empty observations %d: panic: %v", c.ID(), i, r)
					}
				}()
				if got := c.Run(o); len(got) != 0 {
					t.Errorf("%s on empty observations %d: %v", c.ID(), i, ids(got))
				}
			}()
		}
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

// Fixtures returns the *.observations.json files of dir, failing the test
// when there is none.
func Fixtures(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.observations.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no *.observations.json in %s: %v", dir, err)
	}
	return files
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

func orEmpty(fs []audit.Finding) []audit.Finding {
	if fs == nil {
		return []audit.Finding{}
	}
	return fs
}

func ids(fs []audit.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.ID)
	}
	return out
}
