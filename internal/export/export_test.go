package export

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/parquet-go/parquet-go"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/check"
	"vigie.eu/vigie/internal/score"
	"vigie.eu/vigie/internal/store"
)

// memStore is a store.Store holding its latest audits in memory; only
// LatestAudits is implemented (the export reads nothing else).
type memStore struct {
	store.Store
	recs []store.AuditRecord
	// failAfter, when positive, makes LatestAudits fail after that many
	// records.
	failAfter int
}

var errBroken = errors.New("store: broken on purpose")

func (m *memStore) LatestAudits(ctx context.Context, fn func(store.AuditRecord) error) error {
	latest := map[[2]string]time.Time{}
	for _, r := range m.recs {
		k := [2]string{r.Org.ID, r.Domain}
		if r.Time.After(latest[k]) {
			latest[k] = r.Time
		}
	}
	for i, r := range m.recs {
		if m.failAfter > 0 && i == m.failAfter {
			return errBroken
		}
		if r.Time.Before(latest[[2]string{r.Org.ID, r.Domain}]) {
			continue // an older audit of the domain
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// ListCampaigns gives the campaigns of the records, newest first, each
// created at campaignCreated.
func (m *memStore) ListCampaigns(ctx context.Context, before int64, limit int) ([]store.CampaignSummary, error) {
	seen := map[int64]bool{}
	var cs []store.CampaignSummary
	for _, r := range m.recs {
		if !seen[r.CampaignID] {
			seen[r.CampaignID] = true
			cs = append(cs, store.CampaignSummary{ID: r.CampaignID, Created: campaignCreated(r.CampaignID), Status: store.StatusFinished})
		}
	}
	slices.SortFunc(cs, func(a, b store.CampaignSummary) int { return int(b.ID - a.ID) })
	return cs, nil
}

// CampaignAudits gives the records of the campaign, in their order.
func (m *memStore) CampaignAudits(ctx context.Context, id int64, fn func(store.AuditRecord) error) error {
	for _, r := range m.recs {
		if r.CampaignID != id {
			continue
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// campaignCreated is when memStore says campaign id was created.
func campaignCreated(id int64) time.Time {
	return time.Date(2026, 2, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(id) * time.Hour)
}

// fixtures returns the results of the score package's golden audits: the
// observations of real-looking lab sites, judged by the checks and graded
// by the CyberScore, by fixture name.
func fixtures(t testing.TB) map[string]*audit.Result {
	t.Helper()
	paths, err := filepath.Glob("../score/testdata/golden/*.observations.json")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	m := map[string]*audit.Result{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var o audit.Observations
		if err := json.Unmarshal(data, &o); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		fs, errs := check.Run(&o)
		if len(errs) > 0 {
			t.Fatalf("%s: %v", p, errs)
		}
		name := strings.TrimSuffix(filepath.Base(p), ".observations.json")
		m[name] = &audit.Result{
			Domain: o.Domain, Time: o.Time, DurationMS: 1234, Version: "test",
			Observations: &o, Findings: fs, Score: score.Compute(fs, &o),
		}
	}
	return m
}

// record makes a stored audit of r for the organisation's domain.
func record(org store.Organisation, domain string, campaign int64, r *audit.Result, at time.Time) store.AuditRecord {
	c := *r
	c.Domain = domain
	c.Time = at
	rec := store.AuditRecord{CampaignID: campaign, Org: org, Domain: domain, Time: at, Result: &c}
	if c.Score != nil {
		rec.Grade, rec.Points = c.Score.Grade, c.Score.Points
	}
	return rec
}

// sample is a small estate: every fixture as a commune, an organisation
// with two domains, awkward text, and an audit that could not run.
func sample(t testing.TB) *memStore {
	fx := fixtures(t)
	names := make([]string, 0, len(fx))
	for n := range fx {
		names = append(names, n)
	}
	sort.Strings(names)
	at := time.Date(2026, 3, 1, 10, 0, 0, 123456789, time.UTC)
	s := &memStore{}
	for i, n := range names {
		org := store.Organisation{ID: "2100" + strconv.Itoa(10000+i), Name: "Commune de " + n, Category: "commune", Domains: []string{n + ".test"}}
		s.recs = append(s.recs, record(org, n+".test", 1, fx[n], at.Add(time.Duration(i)*time.Minute)))
	}
	// Two domains, a name and evidence that need quoting, and bytes
	// that are not UTF-8.
	odd := store.Organisation{ID: "300000001", Name: "Hôpital \"Saint-Éloi\", Paris\nsite B", Category: "hôpital", Domains: []string{"a.test", "b.test"}}
	weird := *fx["legacy"]
	weird.Findings = slices.Clone(weird.Findings)
	weird.Findings[0].Evidence = "bad \xff byte, \"quoted\"\r\nnext line"
	s.recs = append(s.recs,
		record(odd, "a.test", 2, &weird, at.Add(48*time.Hour)),
		record(odd, "b.test", 2, fx["good"], at.Add(49*time.Hour)))
	// An audit that could not run: no observations, no score.
	// Its name would be a formula in a spreadsheet.
	broken := store.Organisation{ID: "999", Name: "=2+3 (tableur)", Domains: []string{"broken.test"}}
	s.recs = append(s.recs, record(broken, "broken.test", 2,
		&audit.Result{Error: "target: invalid domain"}, at.Add(50*time.Hour)))
	return s
}

var testMeta = Metadata{
	Publisher: "CSIRT Test",
	Issued:    time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC),
	Version:   "test",
}

func TestWriteAll(t *testing.T) {
	st := sample(t)
	dir := t.TempDir()
	if _, err := Write(context.Background(), st, "csv,json,parquet", dir, testMeta, Options{}); err != nil {
		t.Fatal(err)
	}
	var got []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		got = append(got, e.Name())
	}
	want := []string{AuditsJSONL, Catalog, DataPackage, FindingsCSV, FindingsParquet, FindingsSchemaF,
		OrganisationsCSV, OrganisationsJSON, OrganisationsParquet, OrganisationsSchemaF}
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("files (-want +got):\n%s", diff)
	}

	orgs, findings := validateBoth(t, dir)
	if len(orgs.rows) != len(st.recs) {
		t.Errorf("organisations.csv: %d rows, want %d", len(orgs.rows), len(st.recs))
	}
	nf := 0
	for _, r := range st.recs {
		nf += len(r.Result.Findings)
	}
	if len(findings.rows) != nf || nf == 0 {
		t.Errorf("findings.csv: %d rows, want %d", len(findings.rows), nf)
	}
	checkOrganisationRows(t, st, orgs)

	// RFC 4180: CRLF line ends, UTF-8 throughout.
	raw, err := os.ReadFile(filepath.Join(dir, FindingsCSV))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("organisation_id,domain,audit_time,finding_index,")) ||
		!bytes.Contains(raw, []byte("title_en,campaign_id\r\n")) {
		t.Errorf("findings.csv header: %q", raw[:80])
	}
	if !strings.Contains(string(raw), "\"bad \uFFFD byte, \"\"quoted\"\"  next line\"") {
		t.Errorf("findings.csv: the awkward evidence is not quoted and cleaned as expected")
	}

	checkParquet(t, dir, orgs, findings)
	checkJSON(t, dir, st, orgs, false)
	checkCatalog(t, dir, st)
	checkDataPackage(t, dir)
	if errs := ValidateDir(dir); len(errs) > 0 {
		t.Errorf("ValidateDir: %v", errs)
	}
}

// TestValidateDirRejects alters an export: ValidateDir must notice.
func TestValidateDirRejects(t *testing.T) {
	for name, alter := range map[string]func(dir string) error{
		"parquet grown": func(dir string) error {
			f, err := os.OpenFile(filepath.Join(dir, OrganisationsParquet), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = f.Write([]byte{0})
			return err
		},
		"grade out of enum": func(dir string) error {
			p := filepath.Join(dir, OrganisationsCSV)
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(p, bytes.Replace(data, []byte(",F,"), []byte(",Z,"), 1), 0o644)
		},
		"finding of no organisation": func(dir string) error {
			p := filepath.Join(dir, FindingsCSV)
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(p, bytes.Replace(data, []byte("\r\n210010000,"), []byte("\r\n210019999,"), 1), 0o644)
		},
		"file removed": func(dir string) error { return os.Remove(filepath.Join(dir, AuditsJSONL)) },
		"formula unneutralised": func(dir string) error {
			p := filepath.Join(dir, OrganisationsCSV)
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if !bytes.Contains(data, []byte(`,"'=2+3 (tableur)",`)) {
				return errors.New("no neutralised name to alter")
			}
			return os.WriteFile(p, bytes.Replace(data, []byte(`,"'=2+3 (tableur)",`), []byte(`,"=2+3 (tableur)",`), 1), 0o644)
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Write(context.Background(), sample(t), "csv,json,parquet", dir, testMeta, Options{}); err != nil {
				t.Fatal(err)
			}
			if err := alter(dir); err != nil {
				t.Fatal(err)
			}
			errs := ValidateDir(dir)
			if len(errs) == 0 {
				t.Fatalf("the altered export validates")
			}
			want := map[string]string{
				"parquet grown":              "organisations.parquet is",
				"grade out of enum":          `grade: "Z" not in`,
				"finding of no organisation": "foreign key",
				"file removed":               "audits.jsonl: no such file",
				"formula unneutralised":      `organisation_name: "=2+3 (tableur)" starts with a formula character`,
			}[name]
			if got := fmt.Sprint(errs); !strings.Contains(got, want) {
				t.Errorf("errors %s do not say %q", got, want)
			}
		})
	}
}

// validateBoth validates the two CSV files against their schemas.
func validateBoth(t *testing.T, dir string) (orgs, findings *table) {
	t.Helper()
	orgs, errs := validateCSV(filepath.Join(dir, OrganisationsSchemaF), filepath.Join(dir, OrganisationsCSV), nil)
	for _, err := range errs {
		t.Errorf("%s: %v", OrganisationsCSV, err)
	}
	findings, errs = validateCSV(filepath.Join(dir, FindingsSchemaF), filepath.Join(dir, FindingsCSV),
		map[string]*table{"organisations": orgs})
	for _, err := range errs {
		t.Errorf("%s: %v", FindingsCSV, err)
	}
	if t.Failed() {
		t.FailNow()
	}
	return orgs, findings
}

// csvCells returns the cells of a row of the table s as its CSV file
// holds them: text cells neutralised.
func csvCells(rec []string, s *TableSchema) []string {
	for i, text := range textColumns(s) {
		if text {
			rec[i] = Neutralise(rec[i])
		}
	}
	return rec
}

// checkOrganisationRows compares a few cells of organisations.csv with
// what the store holds.
func checkOrganisationRows(t *testing.T, st *memStore, orgs *table) {
	t.Helper()
	col := func(row []string, name string) string { return row[slices.Index(orgs.header, name)] }
	for i, rec := range st.recs {
		row := orgs.rows[i]
		r := rec.Result
		want := map[string]string{
			"organisation_id":   Neutralise(clean(rec.Org.ID)),
			"organisation_name": Neutralise(clean(rec.Org.Name)),
			"domain":            rec.Domain,
			"audit_time":        rec.Time.UTC().Format("2006-01-02T15:04:05Z"),
			"campaign_id":       strconv.FormatInt(rec.CampaignID, 10),
			"error":             r.Error,
		}
		counts := map[string]int{}
		for _, f := range r.Findings {
			counts[f.Severity.String()]++
		}
		for _, s := range Severities {
			want["findings_"+s] = strconv.Itoa(counts[s])
		}
		if s := r.Score; s != nil {
			want["grade"] = s.Grade
			want["points"] = strconv.Itoa(s.Points)
			want["grade_before_caps"] = s.BeforeCaps.Grade
			want["methodology"] = s.Methodology
			for _, a := range Areas {
				want[a+"_points"] = ""
			}
			for _, a := range s.Areas {
				want[a.Area+"_points"] = strconv.Itoa(a.Points)
			}
			var caps []string
			for _, c := range s.Caps {
				caps = append(caps, c.Rule)
			}
			want["caps"] = strings.Join(caps, " ")
		} else {
			want["grade"], want["points"], want["methodology"] = "", "", ""
		}
		for k, v := range want {
			if got := col(row, k); got != v {
				t.Errorf("row %d (%s): %s = %q, want %q", i+2, rec.Domain, k, got, v)
			}
		}
	}
}

// checkParquet reads the Parquet files back and compares them, row by
// row, with the CSV files; their columns are the CSV header.
func checkParquet(t *testing.T, dir string, orgs, findings *table) {
	t.Helper()
	orgRows, err := parquet.ReadFile[OrganisationRow](filepath.Join(dir, OrganisationsParquet))
	if err != nil {
		t.Fatal(err)
	}
	var got [][]string
	for _, r := range orgRows {
		got = append(got, csvCells(r.Record(), OrganisationsSchema()))
	}
	if diff := cmp.Diff(orgs.rows, got); diff != "" {
		t.Errorf("organisations.parquet differs from the CSV (-csv +parquet):\n%s", diff)
	}
	findingRows, err := parquet.ReadFile[FindingRow](filepath.Join(dir, FindingsParquet))
	if err != nil {
		t.Fatal(err)
	}
	got = nil
	for _, r := range findingRows {
		got = append(got, csvCells(r.Record(), FindingsSchema()))
	}
	if diff := cmp.Diff(findings.rows, got); diff != "" {
		t.Errorf("findings.parquet differs from the CSV (-csv +parquet):\n%s", diff)
	}
	for name, header := range map[string][]string{OrganisationsParquet: orgs.header, FindingsParquet: findings.header} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		info, _ := f.Stat()
		pf, err := parquet.OpenFile(f, info.Size())
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for _, c := range pf.Schema().Fields() {
			cols = append(cols, c.Name())
		}
		f.Close()
		if diff := cmp.Diff(header, cols); diff != "" {
			t.Errorf("%s columns differ from the CSV header (-csv +parquet):\n%s", name, diff)
		}
	}
	// Typed: the points are integers, missing ones null.
	last := orgRows[len(orgRows)-1]
	if last.Points != nil || last.Error == "" {
		t.Errorf("the failed audit: points %v, error %q; want null and an error", last.Points, last.Error)
	}
}

func checkJSON(t *testing.T, dir string, st *memStore, orgs *table, full bool) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, OrganisationsJSON))
	if err != nil {
		t.Fatal(err)
	}
	var rows []OrganisationRow
	if err := json.Unmarshal(data, &rows); err != nil {
		t.Fatalf("%s: %v", OrganisationsJSON, err)
	}
	var got [][]string
	for _, r := range rows {
		got = append(got, csvCells(r.Record(), OrganisationsSchema()))
	}
	if diff := cmp.Diff(orgs.rows, got); diff != "" {
		t.Errorf("organisations.json differs from the CSV (-csv +json):\n%s", diff)
	}
	f, err := os.Open(filepath.Join(dir, AuditsJSONL))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := json.NewDecoder(f)
	for i, rec := range st.recs {
		var line AuditLine
		if err := dec.Decode(&line); err != nil {
			t.Fatalf("%s line %d: %v", AuditsJSONL, i+1, err)
		}
		if line.Organisation.ID != rec.Org.ID || line.Domain != rec.Domain || line.CampaignID != rec.CampaignID {
			t.Errorf("%s line %d: %s %s, want %s %s", AuditsJSONL, i+1, line.Organisation.ID, line.Domain, rec.Org.ID, rec.Domain)
		}
		// The result comes back as saved, observations included, the
		// raw text of remote servers too only when full. (Compared
		// after a JSON round trip of the original, which turns its
		// invalid UTF-8 into U+FFFD.)
		want := rec.Result
		if !full {
			want = withoutRawText(want)
			if !slices.Equal(line.Omitted, Omitted) {
				t.Errorf("%s line %d: omitted %q, want %q", AuditsJSONL, i+1, line.Omitted, Omitted)
			}
		} else if line.Omitted != nil {
			t.Errorf("%s line %d: omitted %q with the full observations", AuditsJSONL, i+1, line.Omitted)
		}
		data, _ := json.Marshal(want)
		want = new(audit.Result)
		if err := json.Unmarshal(data, want); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, line.Result); diff != "" {
			t.Errorf("%s line %d: the result differs (-stored +exported):\n%s", AuditsJSONL, i+1, diff)
		}
	}
	if dec.More() {
		t.Errorf("%s: more lines than audits", AuditsJSONL)
	}
}

// checkCatalog parses catalog.jsonld and checks that it describes every
// other file with its size and SHA-256, and the audits' time span.
func checkCatalog(t *testing.T, dir string, st *memStore) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, Catalog))
	if err != nil {
		t.Fatal(err)
	}
	var cat struct {
		Context map[string]string `json:"@context"`
		Type    string            `json:"@type"`
		License struct {
			ID string `json:"@id"`
		} `json:"dct:license"`
		Publisher struct {
			Name string `json:"foaf:name"`
		} `json:"dct:publisher"`
		Dataset struct {
			Type  string `json:"@type"`
			Title []struct {
				Value string `json:"@value"`
				Lang  string `json:"@language"`
			} `json:"dct:title"`
			Temporal struct {
				Start struct {
					Value string `json:"@value"`
				} `json:"dcat:startDate"`
				End struct {
					Value string `json:"@value"`
				} `json:"dcat:endDate"`
			} `json:"dct:temporal"`
			Distributions []struct {
				Type     string `json:"@type"`
				Download struct {
					ID string `json:"@id"`
				} `json:"dcat:downloadURL"`
				Format struct {
					ID string `json:"@id"`
				} `json:"dct:format"`
				Size struct {
					Value string `json:"@value"`
				} `json:"dcat:byteSize"`
				Checksum struct {
					Algorithm struct {
						ID string `json:"@id"`
					} `json:"spdx:algorithm"`
					Value struct {
						Value string `json:"@value"`
					} `json:"spdx:checksumValue"`
				} `json:"spdx:checksum"`
			} `json:"dcat:distribution"`
		} `json:"dcat:dataset"`
	}
	if err := json.Unmarshal(data, &cat); err != nil {
		t.Fatalf("%s: %v", Catalog, err)
	}
	if cat.Type != "dcat:Catalog" || cat.Dataset.Type != "dcat:Dataset" || cat.Context["dcat"] != "http://www.w3.org/ns/dcat#" {
		t.Errorf("catalog types: %q %q", cat.Type, cat.Dataset.Type)
	}
	if cat.License.ID != Etalab20 || cat.Publisher.Name != "CSIRT Test" {
		t.Errorf("licence %q, publisher %q", cat.License.ID, cat.Publisher.Name)
	}
	langs := map[string]bool{}
	for _, tt := range cat.Dataset.Title {
		if tt.Value != "" {
			langs[tt.Lang] = true
		}
	}
	if !langs["fr"] || !langs["en"] {
		t.Errorf("dataset title languages: %v", langs)
	}
	first, last := st.recs[0].Time, st.recs[0].Time
	for _, r := range st.recs {
		if r.Time.Before(first) {
			first = r.Time
		}
		if r.Time.After(last) {
			last = r.Time
		}
	}
	if got, want := cat.Dataset.Temporal.Start.Value, first.Truncate(time.Second).Format(time.RFC3339); got != want {
		t.Errorf("temporal start %s, want %s", got, want)
	}
	if got, want := cat.Dataset.Temporal.End.Value, last.Truncate(time.Second).Format(time.RFC3339); got != want {
		t.Errorf("temporal end %s, want %s", got, want)
	}
	entries, _ := os.ReadDir(dir)
	files := map[string]bool{}
	for _, e := range entries {
		if e.Name() != Catalog {
			files[e.Name()] = true
		}
	}
	for _, d := range cat.Dataset.Distributions {
		name := d.Download.ID
		if !files[name] {
			t.Errorf("distribution %q: no such file, or listed twice", name)
			continue
		}
		delete(files, name)
		content, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(content)
		if d.Checksum.Value.Value != hex.EncodeToString(sum[:]) || d.Checksum.Algorithm.ID != "http://spdx.org/rdf/terms#checksumAlgorithm_sha256" {
			t.Errorf("%s: checksum %s (%s), file's sha256 %x", name, d.Checksum.Value.Value, d.Checksum.Algorithm.ID, sum)
		}
		if d.Size.Value != strconv.Itoa(len(content)) {
			t.Errorf("%s: byteSize %s, file %d bytes", name, d.Size.Value, len(content))
		}
		if d.Type != "dcat:Distribution" || !strings.HasPrefix(d.Format.ID, fileTypeBase) {
			t.Errorf("%s: type %q format %q", name, d.Type, d.Format.ID)
		}
	}
	for name := range files {
		t.Errorf("%s has no distribution in the catalogue", name)
	}
}

// checkDataPackage checks that datapackage.json names the CSV files with
// their schemas, sizes and hashes.
func checkDataPackage(t *testing.T, dir string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, DataPackage))
	if err != nil {
		t.Fatal(err)
	}
	var p dataPackage
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	if p.Profile != "tabular-data-package" || len(p.Resources) != 2 {
		t.Fatalf("data package: profile %q, %d resources", p.Profile, len(p.Resources))
	}
	for _, r := range p.Resources {
		content, err := os.ReadFile(filepath.Join(dir, r.Path))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(content)
		if r.Hash != "sha256:"+hex.EncodeToString(sum[:]) || r.Bytes != int64(len(content)) {
			t.Errorf("%s: hash %s bytes %d; file %x, %d bytes", r.Path, r.Hash, r.Bytes, sum, len(content))
		}
		if _, err := os.Stat(filepath.Join(dir, r.Schema)); err != nil {
			t.Errorf("%s: schema %v", r.Path, err)
		}
	}
}

// TestWriteEachFormat writes each format alone: its files and the
// catalogue, nothing else.
func TestWriteEachFormat(t *testing.T) {
	st := sample(t)
	for format, want := range map[string][]string{
		CSV:     {Catalog, DataPackage, FindingsCSV, FindingsSchemaF, OrganisationsCSV, OrganisationsSchemaF},
		JSON:    {AuditsJSONL, Catalog, OrganisationsJSON},
		Parquet: {Catalog, FindingsParquet, OrganisationsParquet},
	} {
		t.Run(format, func(t *testing.T) {
			dir := t.TempDir()
			if _, err := Write(context.Background(), st, format, dir, testMeta, Options{}); err != nil {
				t.Fatal(err)
			}
			var got []string
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				got = append(got, e.Name())
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("files (-want +got):\n%s", diff)
			}
			checkCatalog(t, dir, st)
		})
	}
}

func TestWriteErrors(t *testing.T) {
	ctx := context.Background()
	t.Run("empty", func(t *testing.T) {
		dir := t.TempDir()
		_, err := Write(ctx, &memStore{}, "csv", dir, testMeta, Options{})
		if !errors.Is(err, ErrEmpty) {
			t.Fatalf("got %v, want ErrEmpty", err)
		}
		assertEmptyDir(t, dir)
	})
	t.Run("store fails midway", func(t *testing.T) {
		st := sample(t)
		st.failAfter = 3
		dir := t.TempDir()
		_, err := Write(ctx, st, "csv,json,parquet", dir, testMeta, Options{})
		if !errors.Is(err, errBroken) {
			t.Fatalf("got %v, want the store's error", err)
		}
		assertEmptyDir(t, dir)
	})
	t.Run("canceled", func(t *testing.T) {
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		dir := t.TempDir()
		if _, err := Write(cctx, sample(t), "csv", dir, testMeta, Options{}); !errors.Is(err, context.Canceled) {
			t.Fatalf("got %v, want context.Canceled", err)
		}
		assertEmptyDir(t, dir)
	})
	t.Run("dir is a file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "f")
		if err := os.WriteFile(file, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := Write(ctx, sample(t), "csv", file, testMeta, Options{})
		if err == nil || !strings.HasPrefix(err.Error(), "export: ") {
			t.Fatalf("got %v, want an export error", err)
		}
	})
	t.Run("unknown format", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := Write(ctx, sample(t), "xls", dir, testMeta, Options{}); err == nil {
			t.Fatal("no error")
		}
		assertEmptyDir(t, dir)
	})
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Errorf("left behind: %s", e.Name())
	}
}

// TestWriteReplaces exports twice into the same directory: the second
// export replaces the first's files.
func TestWriteReplaces(t *testing.T) {
	st := sample(t)
	dir := t.TempDir()
	if _, err := Write(context.Background(), st, "csv", dir, testMeta, Options{}); err != nil {
		t.Fatal(err)
	}
	st.recs = st.recs[:2]
	if _, err := Write(context.Background(), st, "csv", dir, testMeta, Options{}); err != nil {
		t.Fatal(err)
	}
	orgs, _ := validateBoth(t, dir)
	if len(orgs.rows) != 2 {
		t.Errorf("%d rows after the second export, want 2", len(orgs.rows))
	}
	checkCatalog(t, dir, st)
}

func TestParseFormats(t *testing.T) {
	for _, tc := range []struct {
		in      []string
		want    []string
		wantErr bool
	}{
		{in: []string{"csv"}, want: []string{"csv"}},
		{in: []string{"parquet,csv"}, want: []string{"csv", "parquet"}},
		{in: []string{"json", "CSV", "json"}, want: []string{"csv", "json"}},
		{in: []string{" csv , json,parquet "}, want: []string{"csv", "json", "parquet"}},
		{in: []string{"xlsx,csv"}, want: []string{"csv", "xlsx"}},
		{in: []string{"csv,ods"}, wantErr: true},
		{in: []string{""}, wantErr: true},
		{in: nil, wantErr: true},
	} {
		got, err := ParseFormats(tc.in...)
		if (err != nil) != tc.wantErr {
			t.Errorf("ParseFormats(%q): error %v", tc.in, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("ParseFormats(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

// TestColumnsFollowRules fails when the rules table changes the areas or
// the grades: the published columns and enums must change with them.
func TestColumnsFollowRules(t *testing.T) {
	r := score.Default()
	var areas, grades []string
	for _, a := range r.Areas {
		areas = append(areas, a.ID)
	}
	for _, g := range r.Grades {
		grades = append(grades, g.Grade)
	}
	if diff := cmp.Diff(areas, Areas); diff != "" {
		t.Errorf("areas (-rules +export):\n%s", diff)
	}
	if diff := cmp.Diff(grades, Grades); diff != "" {
		t.Errorf("grades (-rules +export):\n%s", diff)
	}
	var sevs []string
	for s := audit.Critical; s >= audit.Info; s-- {
		sevs = append(sevs, s.String())
	}
	if diff := cmp.Diff(sevs, Severities); diff != "" {
		t.Errorf("severities (-audit +export):\n%s", diff)
	}
	// Every column of the CSV is described, in the order of the rows.
	row := organisationRow(&sample(t).recs[0], time.Time{})
	if n, m := len(row.Record()), len(OrganisationsSchema().Fields); n != m {
		t.Errorf("organisation rows have %d cells, the schema %d fields", n, m)
	}
	var f FindingRow
	if n, m := len(f.Record()), len(FindingsSchema().Fields); n != m {
		t.Errorf("finding rows have %d cells, the schema %d fields", n, m)
	}
	for _, s := range []*TableSchema{OrganisationsSchema(), FindingsSchema()} {
		for _, fl := range s.Fields {
			if fl.Title == "" || fl.TitleEN == "" || fl.Description == "" || fl.DescriptionEN == "" {
				t.Errorf("field %s lacks a title or description in a language", fl.Name)
			}
		}
	}
}

// readCSV is a helper for the benchmark's sanity check.
func readCSV(t testing.TB, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
