package campaign

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/target"
)

// LineError is a line of a targets file that was skipped, in whole or in
// part (an invalid domain among valid ones).
type LineError struct {
	// Line is the line number, from 1.
	Line int
	// Column is the field's position in the line, from 1, when one field
	// is at fault (a malformed identifier, a DKIM selector); 0 otherwise.
	Column int
	// Text is the line as read, clipped to maxErrorText bytes.
	Text string
	// Err says what is wrong: it wraps ErrBrokenLine, ErrLineTooLong,
	// ErrNoDomain, or is a *DomainError (invalid domain).
	Err error
}

func (e LineError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("campaign: line %d, column %d: %v", e.Line, e.Column, e.Err)
	}
	return fmt.Sprintf("campaign: line %d: %v", e.Line, e.Err)
}

// fieldError is a problem of one field of a CSV line, at column col
// (from 1); ReadTargets makes it a LineError with that Column.
type fieldError struct {
	col int
	err error
}

func (e *fieldError) Error() string { return e.err.Error() }

// lineError makes the LineError of a problem found on line n.
func lineError(n int, text string, err error) LineError {
	le := LineError{Line: n, Text: text, Err: err}
	if fe, ok := err.(*fieldError); ok {
		le.Column, le.Err = fe.col, fe.err
	}
	return le
}

// ErrBadSelector: a DKIM selector that is not a domain name's labels
// (see SelectorError); the selector is ignored, the line kept.
var ErrBadSelector = errors.New("malformed DKIM selector")

// A SelectorError is a DKIM selector of the dkim_selectors column that
// is not made of DNS labels (letters, digits, hyphens; RFC 6376, Section
// 3.1): it is ignored.
type SelectorError struct {
	Selector string
}

func (e *SelectorError) Unwrap() error { return ErrBadSelector }

func (e *SelectorError) Error() string {
	return fmt.Sprintf("DKIM selector %q ignored: want DNS labels (letters, digits, hyphens, dots between labels)", e.Selector)
}

func (e LineError) Unwrap() error { return e.Err }

// DomainError is an invalid domain of a line: the text given, and the
// error of target.Parse.
type DomainError struct {
	Domain string
	Err    error
}

func (e *DomainError) Error() string { return e.Err.Error() }

func (e *DomainError) Unwrap() error { return e.Err }

// Why a line is skipped; callers pick their message with errors.Is.
var (
	// ErrBrokenLine: a CSV line that cannot be read (unbalanced quote)
	// or that has not as many fields as the header.
	ErrBrokenLine = errors.New("broken CSV line")
	// ErrLineTooLong: a line longer than MaxLine bytes.
	ErrLineTooLong = errors.New("line too long")
	// ErrNoDomain: a line with no valid domain.
	ErrNoDomain = errors.New("no valid domain")
	// ErrRepeatedColumn: a header column that repeats a field (see
	// ColumnError).
	ErrRepeatedColumn = errors.New("repeated column")
	// ErrConflict: an organisation listed again with another name or
	// category (see MergeError).
	ErrConflict = errors.New("conflicting organisation")
)

// A ColumnError is a column of the header that is ignored: a second
// column for a field that an earlier column fills already.
type ColumnError struct {
	// Column is the header's text of the ignored column; Field the
	// field it would fill ("id", "name", "category", "domains"); Index
	// its position, from 1.
	Column, Field string
	Index         int
}

func (e *ColumnError) Unwrap() error { return ErrRepeatedColumn }

func (e *ColumnError) Error() string {
	return fmt.Sprintf("column %d %q ignored: an earlier column gives the %s already", e.Index, e.Column, e.Field)
}

// A MergeError is an organisation listed again with another name or
// category than the first time: the first is kept.
type MergeError struct {
	ID, Field, Kept, Dropped string
}

func (e *MergeError) Unwrap() error { return ErrConflict }

func (e *MergeError) Error() string {
	return fmt.Sprintf("organisation %q listed again with the %s %q: %q kept", e.ID, e.Field, e.Dropped, e.Kept)
}

// A HeaderError is a CSV header that names known columns but no domain
// column: no line of the file could be read.
type HeaderError struct {
	// Found are the header's columns.
	Found []string
}

func (e *HeaderError) Error() string {
	return fmt.Sprintf("the header has no domain column (found: %s; a domain column is named domaine, domaines, domain, domains, site, site web, url)", strings.Join(e.Found, ", "))
}

// MaxLine is the longest line ReadTargets reads; a longer one is
// reported and skipped.
const MaxLine = 64 << 10

// maxErrorText bounds LineError.Text.
const maxErrorText = 200

// columns maps the header names ReadTargets knows, folded (lower case,
// without accents, spaces, hyphens nor underscores), to the field they
// fill.
var columns = map[string]string{
	"id": "id", "identifier": "id", "identifiant": "id", "siren": "id", "siret": "id",
	"insee": "id", "code": "id", "codeinsee": "id", "cog": "id",
	"finess": "id", "codefiness": "id", "numerofiness": "id", "n°finess": "id", "nofiness": "id",
	"numerosiren": "id", "n°siren": "id", "nosiren": "id",
	"name": "name", "nom": "name", "libelle": "name", "organisation": "name",
	"organization": "name", "raisonsociale": "name", "denomination": "name",
	"category": "category", "categorie": "category", "type": "category",
	"domain": "domains", "domains": "domains", "domaine": "domains", "domaines": "domains",
	"site": "domains", "sites": "domains", "siteweb": "domains", "website": "domains",
	"url": "domains", "urls": "domains",
	"dkimselectors": "selectors", "dkimselector": "selectors", "selecteursdkim": "selectors",
	"selecteurdkim": "selectors",
}

// fold lowers s and strips accents and separators, so that "Catégorie",
// "CATEGORIE" and "code_insee" match their column.
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(strings.TrimSpace(s))) {
		switch {
		case r >= 0x300 && r <= 0x36f: // combining accents
		case r == ' ' || r == '_' || r == '-' || r == '.':
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// layout is the header of a CSV: the delimiter and the index of each
// known column (-1 when absent).
type layout struct {
	comma                       rune
	fields                      int
	id, name, category, domains int
	selectors                   int
	// ignored are the columns that repeat a field.
	ignored []*ColumnError
}

// header reads line as a CSV header with each delimiter French and
// English exports use (';' from French spreadsheets, ',' and tab), and
// keeps the one that names a domain column, with the most fields.
func header(line string) (layout, bool) {
	best, found := layout{}, false
	for _, comma := range []rune{';', ',', '\t'} {
		rec, err := parseLine(line, comma)
		if err != nil {
			continue
		}
		l := layout{comma: comma, fields: len(rec), id: -1, name: -1, category: -1, domains: -1, selectors: -1}
		for i, h := range rec {
			col := columns[fold(h)]
			switch {
			case col == "id" && l.id < 0:
				l.id = i
			case col == "name" && l.name < 0:
				l.name = i
			case col == "category" && l.category < 0:
				l.category = i
			case col == "domains" && l.domains < 0:
				l.domains = i
			case col == "selectors" && l.selectors < 0:
				l.selectors = i
			case col != "":
				l.ignored = append(l.ignored, &ColumnError{Column: clip(audit.StripControls(h)), Field: col, Index: i + 1})
			}
		}
		if l.domains >= 0 && (!found || l.fields > best.fields) {
			best, found = l, true
		}
	}
	return best, found
}

// parseLine reads one CSV record (RFC 4180, quotes doubled inside a
// quoted field) from a single line.
func parseLine(line string, comma rune) ([]string, error) {
	r := csv.NewReader(strings.NewReader(line))
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.ReuseRecord = false
	rec, err := r.Read()
	if err != nil {
		return nil, err
	}
	if _, err := r.Read(); err != io.EOF {
		// A quoted field that runs past the end of the line: records
		// span one line each here.
		return nil, errors.New("quoted field not closed on its line")
	}
	return rec, nil
}

// splitDomains splits a domains field: domains separated by spaces,
// commas, semicolons or vertical bars.
func splitDomains(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == ',' || r == ';' || r == '|'
	})
}

// ReadTargets reads the organisations to audit from r: a CSV file with a
// header, or a plain list of domains.
//
// A CSV header names its columns, matched without regard to case and
// accents: the identifier (id, siren, siret, insee, code, code_insee), the
// name (name, nom, libellé), the category (category, catégorie, type) and
// the domains (domain(s), domaine(s), site(s), site web, url), which alone
// is required. The delimiter, ';' (French spreadsheets), ',' or tab, is
// the one that makes a domain column appear in the header line. Fields
// may be quoted (RFC 4180), but a record must fit on one line. The
// domains field holds one or more domains or URLs separated by spaces,
// commas, semicolons or '|'. An organisation without identifier is
// identified by its first domain. The identifier (also named finess) may
// carry a scheme, siren:, insee: or finess:, whose value is checked and
// normalised (ParseIdentifier): a malformed one skips the line (a
// *IdentifierError problem, with its column); a bare identifier is kept
// as given. An optional column dkim_selectors (sélecteurs_dkim,
// "Sélecteurs DKIM") gives the DKIM selectors of the line's domains,
// separated by spaces or '|' (Organisation.Selectors); a selector that
// is not made of DNS labels is ignored (a *SelectorError problem).
//
// A plain list holds one domain (or URL) per line; each is its own
// organisation, identified by its domain. '#' starts a comment, at the
// start of a line or after a blank.
//
// Either may start with a UTF-8 byte order mark and end lines with CRLF;
// blank lines are skipped. Lines that cannot be read, and invalid domains,
// are returned as problems, with their line number, and skipped: the rest
// of the line is kept. Organisations listed twice (same identifier) are
// merged: their domains are joined, and the first name and category
// given are kept (a different one given later is a *MergeError problem).
// A header column that repeats a field is ignored (a *ColumnError
// problem). A CSV header that names known columns but no domain column
// is the error *HeaderError. Organisations come out in the order they
// first appear; err is otherwise only for a failure to read r.
func ReadTargets(r io.Reader) (orgs []store.Organisation, problems []LineError, err error) {
	br := bufio.NewReaderSize(r, MaxLine)
	index := map[string]int{} // organisation ID -> index in orgs
	var (
		lay     layout
		csvMode bool
		started bool
		n       int
	)
	add := func(o store.Organisation, line int, text string) {
		i, ok := index[o.ID]
		if !ok {
			index[o.ID] = len(orgs)
			orgs = append(orgs, o)
			return
		}
		m := &orgs[i]
		for _, f := range []struct {
			name       string
			kept, next *string
		}{{"name", &m.Name, &o.Name}, {"category", &m.Category, &o.Category}} {
			switch {
			case *f.kept == "":
				*f.kept = *f.next
			case *f.next != "" && *f.next != *f.kept:
				problems = append(problems, LineError{Line: line, Text: text,
					Err: &MergeError{ID: clip(o.ID), Field: f.name, Kept: clip(*f.kept), Dropped: clip(*f.next)}})
			}
		}
		for _, d := range o.Domains {
			if !slices.Contains(m.Domains, d) {
				m.Domains = append(m.Domains, d)
			}
		}
		for d, sels := range o.Selectors {
			if m.Selectors == nil {
				m.Selectors = map[string][]string{}
			}
			for _, sel := range sels {
				if !slices.Contains(m.Selectors[d], sel) {
					m.Selectors[d] = append(m.Selectors[d], sel)
				}
			}
		}
	}
	for {
		raw, rerr := br.ReadSlice('\n')
		if rerr != nil && rerr != io.EOF && rerr != bufio.ErrBufferFull {
			return orgs, problems, fmt.Errorf("campaign: reading targets: %w", rerr)
		}
		if len(raw) == 0 && rerr == io.EOF {
			break
		}
		n++
		if rerr == bufio.ErrBufferFull {
			text := clip(string(raw))
			for rerr == bufio.ErrBufferFull {
				_, rerr = br.ReadSlice('\n')
			}
			problems = append(problems, LineError{Line: n, Text: text, Err: ErrLineTooLong})
			if rerr == io.EOF {
				break
			}
			if rerr != nil {
				return orgs, problems, fmt.Errorf("campaign: reading targets: %w", rerr)
			}
			continue
		}
		if n == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf"))
		}
		line := strings.TrimRight(string(raw), "\r\n")
		if !utf8.ValidString(line) {
			line = strings.ToValidUTF8(line, "\uFFFD")
		}
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			if rerr == io.EOF {
				break
			}
			continue
		}
		if !started {
			started = true
			lay, csvMode = header(line)
			if csvMode {
				for _, c := range lay.ignored {
					problems = append(problems, LineError{Line: n, Text: clip(line), Err: c})
				}
				if rerr == io.EOF {
					break
				}
				continue
			}
			if found, ok := knownHeader(line); ok {
				return nil, problems, &HeaderError{Found: found}
			}
		}
		if csvMode {
			if o, errs := csvOrganisation(line, lay); o != nil {
				add(*o, n, clip(line))
				for _, e := range errs {
					problems = append(problems, lineError(n, clip(line), e))
				}
			} else {
				for _, e := range errs {
					problems = append(problems, lineError(n, clip(line), e))
				}
			}
		} else {
			if i := commentStart(trimmed); i >= 0 {
				trimmed = strings.TrimSpace(trimmed[:i])
			}
			trimmed = plainField(trimmed)
			t, perr := target.Parse(trimmed)
			if perr != nil {
				problems = append(problems, LineError{Line: n, Text: clip(line), Err: &DomainError{Domain: clip(trimmed), Err: perr}})
			} else {
				add(store.Organisation{ID: t.Domain, Domains: []string{t.Domain}}, n, clip(line))
			}
		}
		if rerr == io.EOF {
			break
		}
	}
	return orgs, problems, nil
}

// knownHeader reports whether line, which names no domain column, is
// still a CSV header: at least two fields with some delimiter, one of
// which is a column ReadTargets knows. It returns the fields.
func knownHeader(line string) ([]string, bool) {
	for _, comma := range []rune{';', ',', '\t'} {
		rec, err := parseLine(line, comma)
		if err != nil || len(rec) < 2 {
			continue
		}
		for _, h := range rec {
			if columns[fold(h)] != "" {
				found := make([]string, len(rec))
				for i, h := range rec {
					found[i] = clip(strings.TrimSpace(audit.StripControls(h)))
				}
				return found, true
			}
		}
	}
	return nil, false
}

// plainField is the domain of a line of a plain list, without what a
// spreadsheet adds when it saves one column as CSV: the delimiters that
// end the line ("example.fr;;") and the quotes around the field
// ("\"example.fr\"", quotes doubled inside).
func plainField(s string) string {
	s = strings.TrimRight(s, ";,\t ")
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		inner := s[1 : len(s)-1]
		if !strings.Contains(strings.ReplaceAll(inner, `""`, ""), `"`) {
			s = strings.TrimSpace(strings.ReplaceAll(inner, `""`, `"`))
		}
	}
	return s
}

// commentStart returns the index of a '#' that follows a blank, or -1:
// "example.fr # mairie" has a comment, "https://example.fr/#top" has not.
func commentStart(s string) int {
	for i := 1; i < len(s); i++ {
		if s[i] == '#' && (s[i-1] == ' ' || s[i-1] == '\t') {
			return i
		}
	}
	return -1
}

// csvOrganisation reads one CSV line; it returns nil when the line gives
// no organisation, and the problems found either way.
func csvOrganisation(line string, lay layout) (*store.Organisation, []error) {
	rec, err := parseLine(line, lay.comma)
	if err != nil {
		return nil, []error{fmt.Errorf("%w: %v", ErrBrokenLine, trimCSVError(err))}
	}
	if len(rec) != lay.fields {
		return nil, []error{fmt.Errorf("%w: %d fields, want %d as in the header", ErrBrokenLine, len(rec), lay.fields)}
	}
	// Control characters (C0, C1) have no place in a name, an
	// identifier or a category, and would reach terminals, reports and
	// the open data: removed (a tab becomes a space).
	field := func(i int) string {
		if i < 0 {
			return ""
		}
		return strings.TrimSpace(audit.StripControls(rec[i]))
	}
	o := &store.Organisation{ID: field(lay.id), Name: field(lay.name), Category: field(lay.category)}
	if o.ID != "" {
		id, err := ParseIdentifier(o.ID)
		if err != nil {
			return nil, []error{&fieldError{col: lay.id + 1, err: err}}
		}
		o.ID = id
	}
	var errs []error
	for _, d := range splitDomains(field(lay.domains)) {
		t, err := target.Parse(d)
		if err != nil {
			errs = append(errs, &DomainError{Domain: clip(d), Err: err})
			continue
		}
		if !slices.Contains(o.Domains, t.Domain) {
			o.Domains = append(o.Domains, t.Domain)
		}
	}
	if len(o.Domains) == 0 {
		return nil, append(errs, ErrNoDomain)
	}
	if o.ID == "" {
		o.ID = o.Domains[0]
	}
	if lay.selectors >= 0 {
		var sels []string
		for _, sel := range strings.FieldsFunc(field(lay.selectors), func(r rune) bool { return r == ' ' || r == '\t' || r == '|' }) {
			sel = strings.ToLower(sel)
			if !selector(sel) {
				errs = append(errs, &fieldError{col: lay.selectors + 1, err: &SelectorError{Selector: clip(sel)}})
				continue
			}
			if !slices.Contains(sels, sel) {
				sels = append(sels, sel)
			}
		}
		if len(sels) > 0 {
			o.Selectors = map[string][]string{}
			for _, d := range o.Domains {
				o.Selectors[d] = sels
			}
		}
	}
	return o, errs
}

// selector reports whether s, in lower case, is a DKIM selector made of
// DNS labels: letters, digits and hyphens, not at either end of a label,
// 1 to 63 bytes a label, labels separated by dots (RFC 6376, Section 3.1,
// selector = sub-domain *( "." sub-domain )).
func selector(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// trimCSVError drops the position that encoding/csv adds ("record on
// line 1: ..."): the line number is the file's, given apart.
func trimCSVError(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// clip shortens s for an error message, without its control
// characters (a line of the file may hold an escape sequence).
func clip(s string) string {
	s = audit.StripControls(strings.TrimRight(s, "\r\n"))
	if len(s) <= maxErrorText {
		return s
	}
	cut := maxErrorText
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}
