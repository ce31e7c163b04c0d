// Package providers is the table of the providers that host web sites,
// mail and DNS, serve content (CDN) or issue certificates, written by the
// vigie team from public facts, each entry with its sources: the AS
// numbers and host-name patterns that identify the provider, the country
// of its headquarters and of its parent, the laws that bind it, and its
// public qualifications (SecNumCloud, HDS).
//
// The table is data (table/v1.json), versioned like the rules table: a
// change is an edit with a new "version" and a line of "history". The
// package only matches; it does no I/O and never judges.
package providers

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"
	"sync"
)

//go:embed table/v1.json
var tableJSON []byte

// Text is a text in French and English.
type Text struct {
	FR string `json:"fr"`
	EN string `json:"en"`
}

// Table is the providers table.
type Table struct {
	// Version is the table's version ("2026.1").
	Version string `json:"version"`
	// History lists the versions, the oldest first.
	History []Change `json:"history"`
	// Laws are the laws that entries cite, by id.
	Laws []Law `json:"laws"`
	// Providers are the entries.
	Providers []Provider `json:"providers"`

	byASN map[uint32]*Provider
	laws  map[string]*Law
}

// Change is one version of the table.
type Change struct {
	Version string `json:"version"`
	Date    string `json:"date"`
	Changes Text   `json:"changes"`
}

// The classes of law.
const (
	// ClassEU is the law of the European Union or of a member state.
	ClassEU = "eu"
	// ClassAdequacy is the law of a country whose data protection the
	// European Commission deems adequate (GDPR, Article 45).
	ClassAdequacy = "adequacy"
	// ClassExtraterritorial is a law that gives a foreign state access to
	// data held by its providers wherever the data are stored.
	ClassExtraterritorial = "extraterritorial"
)

// Law is a law that binds providers.
type Law struct {
	ID string `json:"id"`
	// Jurisdiction is the state or union ("EU", "US", "CN", "CH").
	Jurisdiction string `json:"jurisdiction"`
	// Class is ClassEU, ClassAdequacy or ClassExtraterritorial.
	Class  string `json:"class"`
	Name   Text   `json:"name"`
	Source string `json:"source"`
}

// The kinds of names a pattern matches, and of services a provider sells.
const (
	KindMX     = "mx"     // a mail exchanger's host name
	KindNS     = "ns"     // a name server's host name
	KindCNAME  = "cname"  // a CNAME target
	KindIssuer = "issuer" // a certificate issuer's organisation (O=)
	KindHost   = "host"   // a host of another site that a page loads from
)

// Name is a pattern of one kind. For host names, labels match one by one
// (path.Match, so "awsdns-*" matches "awsdns-12"), and a first label "*"
// matches one or more labels; for issuers, the pattern matches the whole
// organisation name. Matching ignores case.
type Name struct {
	Kind    string `json:"kind"`
	Pattern string `json:"pattern"`
}

// Provider is one entry of the table.
type Provider struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Kinds are what it provides: hosting, mail, dns, cdn, ca.
	Kinds []string `json:"kinds"`
	// Country is the country of its headquarters (ISO 3166-1 alpha-2),
	// ParentCountry that of its parent company.
	Country       string `json:"country"`
	Parent        string `json:"parent"`
	ParentCountry string `json:"parent_country"`
	// Laws are the ids of the laws that bind it.
	Laws []string `json:"laws"`
	// Qualifications are its public qualifications ("SecNumCloud",
	// "HDS"), for at least part of its offer.
	Qualifications []string `json:"qualifications,omitempty"`
	ASNs           []uint32 `json:"asns,omitempty"`
	Names          []Name   `json:"names,omitempty"`
	// Sources are the public pages the entry is written from.
	Sources []string `json:"sources"`
}

// Load returns the embedded table, parsed once.
var Load = sync.OnceValues(func() (*Table, error) { return Parse(tableJSON) })

// Parse reads a table.
func Parse(data []byte) (*Table, error) {
	var t Table
	if err := json.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("providers: %v", err)
	}
	t.byASN = map[uint32]*Provider{}
	t.laws = map[string]*Law{}
	for i := range t.Laws {
		t.laws[t.Laws[i].ID] = &t.Laws[i]
	}
	for i := range t.Providers {
		p := &t.Providers[i]
		for _, n := range p.ASNs {
			if q, ok := t.byASN[n]; ok {
				return nil, fmt.Errorf("providers: AS%d in %s and %s", n, q.ID, p.ID)
			}
			t.byASN[n] = p
		}
		for _, id := range p.Laws {
			if t.laws[id] == nil {
				return nil, fmt.Errorf("providers: %s: unknown law %q", p.ID, id)
			}
		}
	}
	return &t, nil
}

// ByASN returns the provider that holds AS n, or nil.
func (t *Table) ByASN(n uint32) *Provider { return t.byASN[n] }

// ByName returns the first provider with a pattern of kind that matches
// name (a host name, or an issuer's organisation), or nil.
func (t *Table) ByName(kind, name string) *Provider {
	if kind != KindIssuer {
		name = strings.TrimSuffix(name, ".")
	}
	name = strings.ToLower(name)
	if name == "" {
		return nil
	}
	for i := range t.Providers {
		p := &t.Providers[i]
		for _, n := range p.Names {
			if n.Kind == kind && match(kind, strings.ToLower(n.Pattern), name) {
				return p
			}
		}
	}
	return nil
}

func match(kind, pattern, name string) bool {
	if kind == KindIssuer {
		ok, _ := path.Match(pattern, name)
		return ok
	}
	pl, nl := strings.Split(pattern, "."), strings.Split(name, ".")
	if pl[0] == "*" {
		// "*" stands for one or more labels.
		pl = pl[1:]
		if len(nl) <= len(pl) {
			return false
		}
		nl = nl[len(nl)-len(pl):]
	}
	if len(pl) != len(nl) {
		return false
	}
	for i := range pl {
		if ok, _ := path.Match(pl[i], nl[i]); !ok {
			return false
		}
	}
	return true
}

// Law returns the law of id, or nil.
func (t *Table) Law(id string) *Law { return t.laws[id] }

// Jurisdictions returns the jurisdictions of p's laws, in table order,
// without repeats ("US", "EU").
func (t *Table) Jurisdictions(p *Provider) []string {
	var out []string
	for _, id := range p.Laws {
		if l := t.laws[id]; l != nil && !slices.Contains(out, l.Jurisdiction) {
			out = append(out, l.Jurisdiction)
		}
	}
	return out
}

// Extraterritorial reports whether a law of class ClassExtraterritorial
// binds p (the US CLOUD Act, FISA, China's intelligence law...).
func (t *Table) Extraterritorial(p *Provider) bool {
	for _, id := range p.Laws {
		if l := t.laws[id]; l != nil && l.Class == ClassExtraterritorial {
			return true
		}
	}
	return false
}
