// Package export publishes the latest audit of every organisation's
// domains as open data, ready for an open data portal: CSV files with a
// Table Schema (Frictionless Data) each and a Data Package tying them,
// JSON, and Parquet, all described by a DCAT-AP catalogue (catalog.jsonld)
// that gives each file's format, size and SHA-256 checksum.
//
// The export streams: it reads the store's latest audits one at a time
// (store.Store.LatestAudits) and writes every asked format in the same
// pass, so its memory does not grow with the number of organisations.
// Files are written under temporary names and renamed when all are
// complete: a failed export leaves no half-written file.
//
// Hostile text stays harmless: every published string has its C0 and C1
// control characters removed (in the JSON files, those of the results
// are escaped instead: the values stay exact, the bytes harmless), and a
// CSV text cell that a spreadsheet would take for a formula (it starts
// with = + - @, a tab or a carriage return) gets a single quote before
// it (OWASP's advice against CSV injection). ValidateDir checks both.
//
// The files, by format:
//
//	csv      organisations.csv, findings.csv, organisations.schema.json,
//	         findings.schema.json, datapackage.json
//	json     audits.jsonl (JSON Lines: one audit a line, with its
//	         organisation; the observations without the raw text of
//	         remote servers unless Options.FullObservations),
//	         organisations.json (an array of the rows of
//	         organisations.csv, typed)
//	parquet  organisations.parquet, findings.parquet (the columns of the
//	         CSV files, typed)
//	always   catalog.jsonld (DCAT-AP, JSON-LD)
package export

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// Formats.
const (
	CSV     = "csv"
	JSON    = "json"
	Parquet = "parquet"
	XLSX    = "xlsx"
)

// AllFormats lists the formats in the order they are written.
var AllFormats = []string{CSV, JSON, Parquet, XLSX}

// DefaultFormats are the formats of an export that names none.
var DefaultFormats = []string{CSV, JSON, Parquet}

// File names.
const (
	OrganisationsCSV     = "organisations.csv"
	FindingsCSV          = "findings.csv"
	OrganisationsSchemaF = "organisations.schema.json"
	FindingsSchemaF      = "findings.schema.json"
	DataPackage          = "datapackage.json"
	AuditsJSONL          = "audits.jsonl"
	OrganisationsJSON    = "organisations.json"
	OrganisationsParquet = "organisations.parquet"
	FindingsParquet      = "findings.parquet"
	SpreadsheetXLSX      = "vigie.xlsx"
	Catalog              = "catalog.jsonld"
)

// ErrEmpty is returned when the store holds no audit to export.
var ErrEmpty = errors.New("export: the store holds no audit")

// Etalab20 is the URL of the Licence Ouverte / Open Licence 2.0
// (etalab-2.0), the default licence.
const Etalab20 = "https://www.etalab.gouv.fr/licence-ouverte-open-licence"

// Metadata describes the published data set in the DCAT-AP catalogue.
type Metadata struct {
	// Title and Description name and describe the data set, in French
	// and English.
	Title       audit.Text
	Description audit.Text
	// Publisher is the name of the body publishing the data.
	Publisher string
	// License is the URL of the licence of the data.
	License string
	// BaseURL, when set, is prepended to the file names to make the
	// distributions' download URLs ("https://data.example/vigie/");
	// without it they are relative to the catalogue's location.
	BaseURL string
	// Issued is the time of the export: the catalogue's issued and
	// modified dates. Zero means now.
	Issued time.Time
	// Version is the version of vigie that exported.
	Version string
	// ContactPoint is where to write about the data: a mailto: address
	// or an http(s) URL (dcat:contactPoint, a vcard:Kind).
	ContactPoint string
	// Periodicity is how often the data set is published again, a code
	// of the EU frequency vocabulary (Frequencies: "WEEKLY");
	// dct:accrualPeriodicity.
	Periodicity string
	// LandingPage is the web page that presents the data set
	// (dcat:landingPage).
	LandingPage string
}

// Frequencies are the codes of the EU Publications Office's frequency
// vocabulary (http://publications.europa.eu/resource/authority/frequency)
// that Metadata.Periodicity accepts: those a published audit can have.
var Frequencies = []string{
	"ANNUAL", "ANNUAL_2", "ANNUAL_3", "BIENNIAL", "BIMONTHLY", "BIWEEKLY",
	"CONT", "DAILY", "DAILY_2", "IRREG", "MONTHLY", "MONTHLY_2", "MONTHLY_3",
	"NEVER", "OTHER", "QUARTERLY", "TRIENNIAL", "UNKNOWN", "UPDATE_CONT",
	"WEEKLY", "WEEKLY_2", "WEEKLY_3",
}

// FrequencyBase is the IRI of the EU frequency vocabulary, before a code.
const FrequencyBase = "http://publications.europa.eu/resource/authority/frequency/"

// CheckMetadata says what is wrong with the contact point, periodicity
// and landing page of m, nil if nothing. The periodicity is compared
// with Frequencies whatever its case.
func CheckMetadata(m Metadata) error {
	if c := m.ContactPoint; c != "" {
		if err := checkURL(c, "mailto", "http", "https"); err != nil {
			return fmt.Errorf("export: contact point %q: %w", c, err)
		}
	}
	if p := m.Periodicity; p != "" && !slices.Contains(Frequencies, strings.ToUpper(p)) {
		return fmt.Errorf("export: periodicity %q: not a code of the EU frequency vocabulary (%s)", p, strings.Join(Frequencies, ", "))
	}
	if l := m.LandingPage; l != "" {
		if err := checkURL(l, "http", "https"); err != nil {
			return fmt.Errorf("export: landing page %q: %w", l, err)
		}
	}
	return nil
}

// checkURL says whether s is an absolute URL of one of the schemes, with
// an address (mailto:) or a host (http, https).
func checkURL(s string, schemes ...string) error {
	u, err := url.Parse(s)
	if err != nil {
		return err
	}
	if !slices.Contains(schemes, strings.ToLower(u.Scheme)) {
		return fmt.Errorf("want a URL of scheme %s", strings.Join(schemes, ", "))
	}
	if strings.EqualFold(u.Scheme, "mailto") {
		if _, err := mail.ParseAddress(u.Opaque); err != nil || u.Opaque == "" {
			return fmt.Errorf("want mailto:ADDRESS")
		}
		return nil
	}
	if u.Host == "" {
		return fmt.Errorf("no host")
	}
	return nil
}

// DefaultMetadata returns the metadata used for what the user does not
// set: vigie's title and description, publisher "vigie", the Licence
// Ouverte 2.0.
func DefaultMetadata() Metadata {
	return Metadata{
		Title: audit.Text{
			FR: "Observatoire vigie : sécurité des sites web et de la messagerie des organisations",
			EN: "vigie observatory: security of organisations' web sites and mail",
		},
		Description: audit.Text{
			FR: "Dernier audit de chaque domaine de chaque organisation par vigie : note CyberScore de A+ à F, points par domaine (transport web, application web, messagerie, DNS), et chaque constat avec sa gravité, son objet, sa preuve et sa référence. Les observations de chaque audit sont dans audits.jsonl ; la méthodologie est publiée par « vigie methodology ».",
			EN: "Latest vigie audit of every domain of every organisation: CyberScore grade from A+ to F, points per area (web transport, web application, mail, DNS), and every finding with its severity, subject, evidence and standard. The observations of each audit are in audits.jsonl; the methodology is published by \"vigie methodology\".",
		},
		Publisher: "vigie",
		License:   Etalab20,
	}
}

// historyDescription is the default description of a history export
// (Options.History).
var historyDescription = audit.Text{
	FR: "Chaque audit de chaque domaine de chaque organisation par vigie, une ligne par campagne : note CyberScore de A+ à F, points par domaine (transport web, application web, messagerie, DNS), et chaque constat avec sa gravité, son objet, sa preuve et sa référence. Les observations de chaque audit sont dans audits.jsonl ; la méthodologie est publiée par « vigie methodology ».",
	EN: "Every vigie audit of every domain of every organisation, one row per campaign: CyberScore grade from A+ to F, points per area (web transport, web application, mail, DNS), and every finding with its severity, subject, evidence and standard. The observations of each audit are in audits.jsonl; the methodology is published by \"vigie methodology\".",
}

// ParseFormats reads formats given as repeated or comma-separated values
// ("csv,json", "parquet") and returns them once each, in the order of
// AllFormats.
func ParseFormats(values ...string) ([]string, error) {
	seen := map[string]bool{}
	for _, v := range values {
		for _, f := range strings.Split(v, ",") {
			f = strings.ToLower(strings.TrimSpace(f))
			if f == "" {
				continue
			}
			if !slices.Contains(AllFormats, f) {
				return nil, fmt.Errorf("export: unknown format %q: want csv, json, parquet or xlsx", f)
			}
			seen[f] = true
		}
	}
	if len(seen) == 0 {
		return nil, errors.New("export: no format: want csv, json, parquet or xlsx")
	}
	var fs []string
	for _, f := range AllFormats {
		if seen[f] {
			fs = append(fs, f)
		}
	}
	return fs, nil
}

// Options are the choices of an export other than its formats and
// metadata.
type Options struct {
	// FullObservations publishes the observations whole in
	// audits.jsonl, the raw text of remote servers included (HTTP
	// bodies and headers, security.txt, the MTA-STS policy, SMTP
	// banners): for researchers, who should know what they publish. By
	// default that text is left out (see Omitted).
	FullObservations bool
	// Lang is the language of the spreadsheet's column titles and sheet
	// names: "fr" (the default) or "en".
	Lang string
	// History exports every audit of the campaigns from From to To
	// (campaign IDs, both included; 0 leaves that end open), one row per
	// organisation, domain and campaign, rather than the latest audit of
	// every domain. The tables' keys then take the campaign.
	History  bool
	From, To int64
	// Omit names what to leave out of every file (OmitFields: evidence,
	// addresses, certificates, observations); the schemas and
	// audits.jsonl's "omitted" say so.
	Omit []string
}

// Unreadable is a row of the store that the export could not read and
// left out.
type Unreadable struct {
	Row          int64 // the audit's row in the store
	CampaignID   int64
	Organisation string // its identifier
	Domain       string
	Reason       string // why it could not be read
}

// String names the row and says why it was left out, in English.
func (u Unreadable) String() string {
	return fmt.Sprintf("row %d (campaign %d, organisation %q, domain %q): %s",
		u.Row, u.CampaignID, clean(u.Organisation), clean(u.Domain), clean(u.Reason))
}

// Summary is what an export wrote.
type Summary struct {
	// Audits and Findings count the rows of organisations and of
	// findings published.
	Audits, Findings int
	// Unreadable lists the rows of the store that could not be read
	// and were left out, in the order met; they do not fail the export.
	Unreadable []Unreadable
}

// Write exports the latest audits of st into dir, created if needed, in
// format: one of csv, json, parquet, xlsx, or several separated by
// commas; with opts.History, every audit of the chosen campaigns, a
// campaign after the other in the order of their IDs. It
// reads the store once, writes every file under a temporary name and
// renames them all when the export is complete, then writes
// catalog.jsonld. Existing files of the same names are replaced.
//
// A row of the store that cannot be read (store.AuditRecord.Unreadable)
// is left out, listed in the summary, and the export goes on. Write
// returns ErrEmpty, and writes nothing, when the store holds no audit,
// and an error when it holds only unreadable ones.
func Write(ctx context.Context, st store.Store, format string, dir string, meta Metadata, opts Options) (Summary, error) {
	formats, err := ParseFormats(format)
	if err != nil {
		return Summary{}, err
	}
	if err := CheckMetadata(meta); err != nil {
		return Summary{}, err
	}
	meta = withDefaults(meta)
	if opts.History && meta.Description == DefaultMetadata().Description {
		meta.Description = historyDescription
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Summary{}, fmt.Errorf("export: %w", err)
	}
	e := &exporter{dir: dir, formats: formats, meta: meta, opts: opts, created: map[int64]time.Time{}}
	e.orgSchema, e.findingSchema = schemasFor(opts)
	defer e.abort()
	// The campaigns, for their dates (and, for a history, their list):
	// a few rows each, whatever the number of audits.
	campaigns, err := st.ListCampaigns(ctx, 0, 0)
	if err != nil {
		return Summary{}, fmt.Errorf("export: %w", err)
	}
	for _, c := range campaigns {
		e.created[c.ID] = c.Created
	}
	each := func(rec store.AuditRecord) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if rec.Unreadable != "" {
			e.unreadable = append(e.unreadable, Unreadable{
				Row: rec.ID, CampaignID: rec.CampaignID, Organisation: rec.Org.ID,
				Domain: rec.Domain, Reason: clean(rec.Unreadable),
			})
			return nil
		}
		return e.add(&rec)
	}
	if opts.History {
		ids := campaignRange(campaigns, opts.From, opts.To)
		if len(ids) == 0 {
			return Summary{}, fmt.Errorf("%w %s", ErrNoCampaign, rangeText(opts.From, opts.To))
		}
		for _, id := range ids {
			if err = st.CampaignAudits(ctx, id, each); err != nil {
				break
			}
		}
	} else {
		err = st.LatestAudits(ctx, each)
	}
	sum := Summary{Audits: e.audits, Findings: e.findings, Unreadable: e.unreadable}
	if err != nil {
		return sum, fmt.Errorf("export: %w", err)
	}
	if e.audits == 0 && len(e.unreadable) > 0 {
		return sum, fmt.Errorf("export: none of the %d audits to export can be read", len(e.unreadable))
	}
	if e.audits == 0 {
		return sum, ErrEmpty
	}
	return sum, e.finish()
}

// ErrNoCampaign is returned by a history export when the store holds no
// campaign in the asked range.
var ErrNoCampaign = errors.New("export: no campaign")

// campaignRange returns the IDs of the campaigns from from to to (0: no
// bound), in increasing order; campaigns come newest first.
func campaignRange(campaigns []store.CampaignSummary, from, to int64) []int64 {
	var ids []int64
	for i := len(campaigns) - 1; i >= 0; i-- {
		id := campaigns[i].ID
		if (from == 0 || id >= from) && (to == 0 || id <= to) {
			ids = append(ids, id)
		}
	}
	return ids
}

func rangeText(from, to int64) string {
	switch {
	case from == 0 && to == 0:
		return "in the store"
	case from == to:
		return fmt.Sprintf("%d", from)
	case to == 0:
		return fmt.Sprintf("from %d", from)
	case from == 0:
		return fmt.Sprintf("up to %d", to)
	}
	return fmt.Sprintf("from %d to %d", from, to)
}

func withDefaults(m Metadata) Metadata {
	d := DefaultMetadata()
	if m.Title.FR == "" && m.Title.EN == "" {
		m.Title = d.Title
	} else if m.Title.FR == "" {
		m.Title.FR = m.Title.EN
	} else if m.Title.EN == "" {
		m.Title.EN = m.Title.FR
	}
	if m.Description.FR == "" && m.Description.EN == "" {
		m.Description = d.Description
	}
	if m.Publisher == "" {
		m.Publisher = d.Publisher
	}
	if m.License == "" {
		m.License = d.License
	}
	if m.Issued.IsZero() {
		m.Issued = time.Now()
	}
	m.Issued = m.Issued.UTC().Truncate(time.Second)
	m.Periodicity = strings.ToUpper(m.Periodicity)
	// What the user typed goes into the catalogue and the data package:
	// no control character there either.
	for _, p := range []*string{&m.Title.FR, &m.Title.EN, &m.Description.FR, &m.Description.EN,
		&m.Publisher, &m.License, &m.BaseURL, &m.Version, &m.ContactPoint, &m.LandingPage} {
		*p = clean(*p)
	}
	return m
}

// exporter is one export in progress.
type exporter struct {
	dir     string
	formats []string
	meta    Metadata
	opts    Options
	started bool

	outputs []*output // every file, in the order of creation
	csv     *csvWriter
	json    *jsonWriter
	parquet *parquetWriter
	xlsx    *xlsxWriter

	orgSchema, findingSchema *TableSchema
	created                  map[int64]time.Time // campaigns' creation, by ID

	audits, findings int
	unreadable       []Unreadable
	first, last      time.Time // the audits' time span
}

// add writes one audit to every format, creating the files on the first.
func (e *exporter) add(rec *store.AuditRecord) error {
	kept, err := omitRecord(rec, e.opts.Omit)
	if err != nil {
		return fmt.Errorf("export: row %d (campaign %d, domain %q): %w", rec.ID, rec.CampaignID, clean(rec.Domain), err)
	}
	rec = kept
	if !e.started {
		e.started = true
		if err := e.start(); err != nil {
			return err
		}
	}
	org := organisationRow(rec, e.created[rec.CampaignID])
	t := org.AuditTime
	if e.first.IsZero() || t.Before(e.first) {
		e.first = t
	}
	if t.After(e.last) {
		e.last = t
	}
	e.audits++
	var findings []audit.Finding
	if rec.Result != nil {
		findings = rec.Result.Findings
	}
	e.findings += len(findings)
	if e.csv != nil {
		if err := e.csv.add(rec, &org, findings); err != nil {
			return err
		}
	}
	if e.json != nil {
		if err := e.json.add(rec, &org); err != nil {
			return err
		}
	}
	if e.parquet != nil {
		if err := e.parquet.add(rec, &org, findings); err != nil {
			return err
		}
	}
	if e.xlsx != nil {
		if err := e.xlsx.add(rec, &org, findings); err != nil {
			return err
		}
	}
	return nil
}

func (e *exporter) start() error {
	var err error
	for _, f := range e.formats {
		switch f {
		case CSV:
			e.csv, err = newCSVWriter(e)
		case JSON:
			e.json, err = newJSONWriter(e)
		case Parquet:
			e.parquet, err = newParquetWriter(e)
		case XLSX:
			e.xlsx, err = newXLSXWriter(e)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// finish closes the data files, writes the description files and the
// catalogue, and renames them all to their final names.
func (e *exporter) finish() error {
	if e.csv != nil {
		if err := e.csv.close(); err != nil {
			return err
		}
		if err := e.writeCSVDescriptions(); err != nil {
			return err
		}
	}
	if e.json != nil {
		if err := e.json.close(); err != nil {
			return err
		}
	}
	if e.parquet != nil {
		if err := e.parquet.close(); err != nil {
			return err
		}
	}
	if e.xlsx != nil {
		if err := e.xlsx.close(); err != nil {
			return err
		}
	}
	for _, o := range e.outputs {
		if err := o.close(); err != nil {
			return err
		}
	}
	if err := e.writeCatalog(); err != nil {
		return err
	}
	for _, o := range e.outputs {
		if err := os.Rename(o.tmp, filepath.Join(e.dir, o.name)); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		o.tmp = ""
	}
	return nil
}

// abort removes the temporary files of an export that did not finish.
func (e *exporter) abort() {
	if e.xlsx != nil {
		e.xlsx.f.Close() // its temporary files, if any are left
	}
	for _, o := range e.outputs {
		if o.tmp == "" {
			continue
		}
		o.f.Close()
		os.Remove(o.tmp)
		o.tmp = ""
	}
}

// output is one file being written under a temporary name in the export
// directory, with its size and SHA-256 counted as it goes.
type output struct {
	name       string // final name
	format     string // EU file type: CSV, JSON, PARQUET, JSON_LD
	mediaType  string // IANA media type, "" when none is registered
	conformsTo string // the schema the file follows, "" if none
	describes  audit.Text

	tmp    string
	f      *os.File
	buf    *bufio.Writer
	sum    hash.Hash
	size   int64
	closed bool
}

// create starts a file of the export.
func (e *exporter) create(name, format, mediaType string, describes audit.Text) (*output, error) {
	f, err := os.CreateTemp(e.dir, "."+name+".*.tmp")
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, fmt.Errorf("export: %w", err)
	}
	o := &output{name: name, format: format, mediaType: mediaType, describes: describes,
		tmp: f.Name(), f: f, sum: sha256.New()}
	o.buf = bufio.NewWriterSize(hashWriter{o}, 64<<10)
	e.outputs = append(e.outputs, o)
	return o, nil
}

// Write writes to the file through its buffer.
func (o *output) Write(p []byte) (int, error) { return o.buf.Write(p) }

// hashWriter writes to the file and counts and hashes what it wrote.
type hashWriter struct{ o *output }

func (h hashWriter) Write(p []byte) (int, error) {
	n, err := h.o.f.Write(p)
	h.o.sum.Write(p[:n])
	h.o.size += int64(n)
	if err != nil {
		return n, fmt.Errorf("export: %s: %w", h.o.name, err)
	}
	return n, nil
}

// close flushes and closes the file (under its temporary name).
func (o *output) close() error {
	if o.closed {
		return nil
	}
	o.closed = true
	if err := o.buf.Flush(); err != nil {
		return err
	}
	if err := o.f.Sync(); err != nil {
		return fmt.Errorf("export: %s: %w", o.name, err)
	}
	if err := o.f.Close(); err != nil {
		return fmt.Errorf("export: %s: %w", o.name, err)
	}
	return nil
}

// checksum returns the SHA-256 of what was written, in hexadecimal.
func (o *output) checksum() string { return hex.EncodeToString(o.sum.Sum(nil)) }

var _ io.Writer = (*output)(nil)

// FileNames returns the names of the files an export in these formats
// writes, catalog.jsonld last.
func FileNames(formats []string) []string {
	var names []string
	for _, f := range formats {
		switch f {
		case CSV:
			names = append(names, OrganisationsCSV, FindingsCSV, OrganisationsSchemaF, FindingsSchemaF, DataPackage)
		case JSON:
			names = append(names, AuditsJSONL, OrganisationsJSON)
		case Parquet:
			names = append(names, OrganisationsParquet, FindingsParquet)
		case XLSX:
			names = append(names, SpreadsheetXLSX)
		}
	}
	return append(names, Catalog)
}
