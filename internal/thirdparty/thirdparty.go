// Package thirdparty is the table of the third parties that web pages load
// (analytics, advertising, social networks, fonts, CDNs, videos, maps,
// consent managers, tag managers), written by the vigie team from public
// facts, each entry with its sources: the domains (and, for tools often
// self-hosted, the paths) that identify it, the company behind it, its
// country and the laws that bind it.
//
// The table is data (table/v1.json), versioned like the rules table. An
// operator may put a table of their own, in the same format, before it
// (see With and README, "Third parties"). Lists under non-commercial
// licences (Ghostery's TrackerDB, DuckDuckGo's Tracker Radar) are not
// bundled, nor read to write this one.
//
// The package only matches names: it does no I/O and never judges.
package thirdparty

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"golang.org/x/net/publicsuffix"

	"vigie.eu/vigie/internal/audit"
)

//go:embed table/v1.json
var tableJSON []byte

// Text is a text in French and English.
type Text struct {
	FR string `json:"fr"`
	EN string `json:"en"`
}

// Table is a third-party table.
type Table struct {
	// Version is the table's version ("2026.1"); a table an operator
	// adds is named "VERSION+OPERATOR_VERSION".
	Version string `json:"version"`
	// History lists the versions, the oldest first.
	History []Change `json:"history,omitempty"`
	// Laws are the laws that entries cite, by id.
	Laws []Law `json:"laws,omitempty"`
	// Entities are the entries, in the order they are tried when two
	// patterns of the same length match.
	Entities []Entity `json:"entities"`

	laws   map[string]*Law
	byHost map[string][]pattern
}

// Change is one version of the table.
type Change struct {
	Version string `json:"version"`
	Date    string `json:"date"`
	Changes Text   `json:"changes"`
}

// The classes of law (the same as the providers table's).
const (
	// ClassEU is the law of the European Union or of a member state.
	ClassEU = "eu"
	// ClassAdequacy is the law of a country whose data protection the
	// European Commission deems adequate (GDPR, Article 45).
	ClassAdequacy = "adequacy"
	// ClassExtraterritorial is a law that gives a foreign state access
	// to data held by its companies wherever the data are stored.
	ClassExtraterritorial = "extraterritorial"
)

// Law is a law that binds companies.
type Law struct {
	ID string `json:"id"`
	// Jurisdiction is the state or union ("EU", "US", "CN").
	Jurisdiction string `json:"jurisdiction"`
	// Class is ClassEU, ClassAdequacy or ClassExtraterritorial.
	Class  string `json:"class"`
	Name   Text   `json:"name"`
	Source string `json:"source"`
}

// The categories of third parties.
const (
	Analytics      = "analytics"
	Advertising    = "advertising"
	Social         = "social"
	Fonts          = "fonts"
	CDN            = "cdn"
	Video          = "video"
	Maps           = "maps"
	Captcha        = "captcha"
	ConsentManager = "consent_manager"
	TagManager     = "tag_manager"
)

// Categories lists the categories an entry may have.
var Categories = []string{Analytics, Advertising, Social, Fonts, CDN, Video, Maps, Captcha, ConsentManager, TagManager}

// Tracker reports whether the category is one of the trackers that the
// CNIL's guidelines put under prior consent: audience measurement,
// advertising, social networks' plug-ins, and the tag managers that load
// them.
func Tracker(category string) bool {
	switch category {
	case Analytics, Advertising, Social, TagManager:
		return true
	}
	return false
}

// Entity is one entry of the table.
type Entity struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Category string `json:"category"`
	// Company is who runs it, and its parent in brackets when it
	// matters.
	Company string `json:"company"`
	// Country is the country of the company's headquarters (ISO 3166-1
	// alpha-2); empty for software an organisation hosts itself.
	Country string `json:"country"`
	// Laws are the ids of the laws that bind the company.
	Laws []string `json:"laws"`
	// Domains are the names that identify it: "example.com" matches
	// that name and every name under it; "www.example.com/path/"
	// matches URLs of that host (or under it) whose path starts so.
	Domains []string `json:"domains,omitempty"`
	// Paths identify a tool on any host, the organisation's own
	// included (a self-hosted consent manager or analytics): a URL
	// whose path holds one of them is the entity's.
	Paths []string `json:"paths,omitempty"`
	// Snippets are texts whose presence in an inline script shows the
	// tool's code ("gtag(", "_paq.push").
	Snippets []string `json:"snippets,omitempty"`
	// Sources are the public pages the entry is written from.
	Sources []string `json:"sources"`
}

// Snippet returns the first entity one of whose Snippets the script
// holds, and that snippet; nil when none.
func (t *Table) Snippet(script string) (*Entity, string) {
	for i := range t.Entities {
		e := &t.Entities[i]
		for _, s := range e.Snippets {
			if strings.Contains(script, s) {
				return e, s
			}
		}
	}
	return nil, ""
}

type pattern struct {
	e    *Entity
	path string // "" or a path prefix ("/recaptcha/")
	n    int    // the length of the pattern, longest wins
}

// Load returns the embedded table, parsed once.
var Load = sync.OnceValues(func() (*Table, error) { return Parse(tableJSON) })

// Parse reads a table in the format of table/v1.json.
func Parse(data []byte) (*Table, error) {
	var t Table
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("thirdparty: %v", err)
	}
	if err := t.index(); err != nil {
		return nil, err
	}
	return &t, nil
}

func (t *Table) index() error {
	if t.Version == "" {
		return fmt.Errorf("thirdparty: the table has no version")
	}
	t.laws = map[string]*Law{}
	for i := range t.Laws {
		l := &t.Laws[i]
		if l.ID == "" || l.Jurisdiction == "" {
			return fmt.Errorf("thirdparty: a law without id or jurisdiction")
		}
		switch l.Class {
		case ClassEU, ClassAdequacy, ClassExtraterritorial:
		default:
			return fmt.Errorf("thirdparty: law %s: unknown class %q", l.ID, l.Class)
		}
		if _, dup := t.laws[l.ID]; !dup {
			t.laws[l.ID] = l
		}
	}
	t.byHost = map[string][]pattern{}
	ids := map[string]bool{}
	for i := range t.Entities {
		e := &t.Entities[i]
		if e.ID == "" || e.Name == "" {
			return fmt.Errorf("thirdparty: entry %d: no id or name", i+1)
		}
		if ids[e.ID] {
			continue // an operator's entry shadows the table's
		}
		ids[e.ID] = true
		if !slices.Contains(Categories, e.Category) {
			return fmt.Errorf("thirdparty: %s: unknown category %q", e.ID, e.Category)
		}
		for _, id := range e.Laws {
			if t.laws[id] == nil {
				return fmt.Errorf("thirdparty: %s: unknown law %q", e.ID, id)
			}
		}
		if len(e.Domains) == 0 && len(e.Paths) == 0 {
			return fmt.Errorf("thirdparty: %s: no domain nor path", e.ID)
		}
		for _, d := range e.Domains {
			host, path, _ := strings.Cut(strings.ToLower(d), "/")
			host = strings.TrimSuffix(host, ".")
			if host == "" || strings.ContainsAny(host, "* ") {
				return fmt.Errorf("thirdparty: %s: bad domain %q", e.ID, d)
			}
			if path != "" {
				path = "/" + path
			}
			t.byHost[host] = append(t.byHost[host], pattern{e: e, path: path, n: len(host) + len(path)})
		}
		for _, p := range e.Paths {
			if !strings.HasPrefix(p, "/") {
				return fmt.Errorf("thirdparty: %s: path %q does not start with /", e.ID, p)
			}
		}
	}
	return nil
}

// With returns a table whose entries are those of the operator's table
// data (the format of table/v1.json, whose entries may cite t's laws),
// then t's: an operator's entry of the same id replaces the table's, and
// operator's patterns win over t's of the same length. Laws are merged
// the same way. The result's version is "T+OPERATOR".
func (t *Table) With(data []byte) (*Table, error) {
	var op Table
	if err := json.Unmarshal(data, &op); err != nil {
		return nil, fmt.Errorf("thirdparty: %v", err)
	}
	if op.Version == "" {
		return nil, fmt.Errorf("thirdparty: the operator's table has no version")
	}
	m := &Table{
		Version:  t.Version + "+" + op.Version,
		History:  slices.Concat(t.History, op.History),
		Laws:     slices.Concat(op.Laws, t.Laws),
		Entities: slices.Concat(op.Entities, t.Entities),
	}
	if err := m.index(); err != nil {
		return nil, err
	}
	// Keep only the entries in force, so that Entities reads as the
	// table that matches.
	seen := map[string]bool{}
	m.Entities = slices.DeleteFunc(m.Entities, func(e Entity) bool {
		dup := seen[e.ID]
		seen[e.ID] = true
		return dup
	})
	if err := m.index(); err != nil {
		return nil, err
	}
	return m, nil
}

// Law returns the law of id, or nil.
func (t *Table) Law(id string) *Law { return t.laws[id] }

// Jurisdictions returns the jurisdictions of e's laws, in table order,
// without repeats.
func (t *Table) Jurisdictions(e *Entity) []string {
	var out []string
	for _, id := range e.Laws {
		if l := t.laws[id]; l != nil && !slices.Contains(out, l.Jurisdiction) {
			out = append(out, l.Jurisdiction)
		}
	}
	return out
}

// Extraterritorial reports whether a law of class ClassExtraterritorial
// binds e (the US CLOUD Act, FISA...): the law of a state outside the
// European Union that reaches the data its companies hold.
func (t *Table) Extraterritorial(e *Entity) bool {
	for _, id := range e.Laws {
		if l := t.laws[id]; l != nil && l.Class == ClassExtraterritorial {
			return true
		}
	}
	return false
}

// Match returns the entity a URL of host and path belongs to, or nil:
// the longest domain pattern that matches, else the first entity one of
// whose Paths the path holds. Host is matched without regard to case.
func (t *Table) Match(host, path string) *Entity {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	var best *pattern
	for h := host; h != ""; {
		for i := range t.byHost[h] {
			p := &t.byHost[h][i]
			if p.path != "" && !strings.HasPrefix(path, p.path) {
				continue
			}
			if best == nil || p.n > best.n {
				best = p
			}
		}
		_, rest, ok := strings.Cut(h, ".")
		if !ok {
			break
		}
		h = rest
	}
	if best != nil {
		return best.e
	}
	if path == "" || path == "/" {
		return nil
	}
	lp := strings.ToLower(path)
	for i := range t.Entities {
		e := &t.Entities[i]
		for _, p := range e.Paths {
			if strings.Contains(lp, p) {
				return e
			}
		}
	}
	return nil
}

// Registrable returns the registrable domain of host (its public suffix
// and one label, "example.gouv.fr"), or host itself when it has none (an
// address, a public suffix, a single label).
func Registrable(host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if d, err := publicsuffix.EffectiveTLDPlusOne(host); err == nil {
		return d
	}
	return host
}

// The parties of a request.
const (
	First = "first"
	Third = "third"
)

// Party returns First when host and site (the audited domain) share their
// registrable domain, Third otherwise.
func Party(site, host string) string {
	if Registrable(site) == Registrable(host) {
		return First
	}
	return Third
}

// Describe returns e as an audit records it: its facts and its laws'
// names, as the table says them now.
func (t *Table) Describe(e *Entity) audit.ThirdParty {
	tp := audit.ThirdParty{
		ID: e.ID, Name: e.Name, Category: e.Category, Company: e.Company, Country: e.Country,
		Jurisdictions:    t.Jurisdictions(e),
		Extraterritorial: t.Extraterritorial(e),
	}
	for _, id := range e.Laws {
		if l := t.laws[id]; l != nil {
			tp.Laws = append(tp.Laws, audit.Text{FR: l.Name.FR, EN: l.Name.EN})
		}
	}
	return tp
}
