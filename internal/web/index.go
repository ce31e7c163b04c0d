package web

import (
	"context"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"

	"vigie.eu/vigie/internal/store"
)

// searchIndex finds organisations by name, domain or identifier. It is
// built from the store at the first search (not at start-up), and built
// again when a newer campaign appears, checked at most every
// indexRecheck.
type searchIndex struct {
	st store.Store

	mu      sync.Mutex
	built   bool
	checked time.Time
	newest  int64 // the newest campaign when it was built
	entries []indexEntry
}

// indexRecheck is how often a search asks the store whether a newer
// campaign makes the index stale.
const indexRecheck = 30 * time.Second

type indexEntry struct {
	org store.Organisation
	// words are the folded words of the name; keys the folded
	// identifier and domains.
	words []string
	name  string // folded name
	keys  []string
}

// fold lowers s and removes its accents (é to e, œ to oe, ß to ss),
// keeping letters and digits; other characters (hyphens, apostrophes,
// dots) become spaces, so that "saint-étienne" matches "Saint Étienne".
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if f, ok := foldTable[r]; ok {
			b.WriteString(f)
			continue
		}
		r = unicode.ToLower(r)
		switch {
		case r < 0x80 && (r >= 'a' && r <= 'z' || r >= '0' && r <= '9'):
			b.WriteRune(r)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(r)
		default:
			b.WriteByte(' ')
		}
	}
	return b.String()
}

// foldTable maps the accented letters of French and its neighbours to
// their plain form.
var foldTable = func() map[rune]string {
	m := map[rune]string{'œ': "oe", 'Œ': "oe", 'æ': "ae", 'Æ': "ae", 'ß': "ss", '\'': " ", '’': " "}
	for plain, accented := range map[string]string{
		"a": "àáâãäåāăąÀÁÂÃÄÅĀĂĄ", "c": "çćĉċčÇĆĈĊČ", "d": "ďđĎĐ", "e": "èéêëēĕėęěÈÉÊËĒĔĖĘĚ",
		"g": "ĝğġģĜĞĠĢ", "i": "ìíîïĩīĭįıÌÍÎÏĨĪĬĮİ", "l": "ĺļľŀłĹĻĽĿŁ", "n": "ñńņňÑŃŅŇ",
		"o": "òóôõöøōŏőÒÓÔÕÖØŌŎŐ", "r": "ŕŗřŔŖŘ", "s": "śŝşšŚŜŞŠ", "t": "ţťŧŢŤŦ",
		"u": "ùúûüũūŭůűųÙÚÛÜŨŪŬŮŰŲ", "y": "ýÿŷÝŸŶ", "z": "źżžŹŻŽ",
	} {
		for _, r := range accented {
			m[r] = plain
		}
	}
	return m
}()

// ensure builds the index, or builds it again when a newer campaign
// appeared since.
func (x *searchIndex) ensure(ctx context.Context) error {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.built && time.Since(x.checked) < indexRecheck {
		return nil
	}
	list, err := x.st.ListCampaigns(ctx, 0, 1)
	if err != nil {
		return err
	}
	var newest int64
	if len(list) > 0 {
		newest = list[0].ID
	}
	x.checked = time.Now()
	if x.built && newest == x.newest {
		return nil
	}
	var entries []indexEntry
	err = x.st.Organisations(ctx, func(o store.Organisation) error {
		e := indexEntry{org: o, name: strings.Join(strings.Fields(fold(o.Name)), " ")}
		e.words = strings.Fields(e.name)
		e.keys = append(e.keys, strings.ToLower(o.ID))
		for _, d := range o.Domains {
			e.keys = append(e.keys, d)
		}
		entries = append(entries, e)
		return nil
	})
	if err != nil {
		return err
	}
	x.entries, x.newest, x.built = entries, newest, true
	return nil
}

// search returns the organisations that match q, at most limit after
// skipping offset, and how many match in all. An organisation matches
// when every word of q starts a word of its name (accents and case
// aside), or q starts its identifier or one of its domains. Those whose
// name starts with q come first, then by name.
func (x *searchIndex) search(ctx context.Context, q string, offset, limit int) ([]store.Organisation, int, error) {
	if err := x.ensure(ctx); err != nil {
		return nil, 0, err
	}
	fq := strings.Join(strings.Fields(fold(q)), " ")
	if fq == "" {
		return nil, 0, nil
	}
	qwords := strings.Fields(fq)
	key := strings.ToLower(strings.TrimSpace(q))
	x.mu.Lock()
	entries := x.entries
	x.mu.Unlock()
	type hit struct {
		e     *indexEntry
		first bool
	}
	var hits []hit
	for i := range entries {
		e := &entries[i]
		if strings.HasPrefix(e.name, fq) {
			hits = append(hits, hit{e, true})
			continue
		}
		if matchWords(e.words, qwords) || slices.ContainsFunc(e.keys, func(k string) bool { return strings.HasPrefix(k, key) }) {
			hits = append(hits, hit{e, false})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int {
		if a.first != b.first {
			if a.first {
				return -1
			}
			return 1
		}
		return strings.Compare(a.e.name, b.e.name)
	})
	total := len(hits)
	if offset > total {
		offset = total
	}
	hits = hits[offset:min(total, offset+limit)]
	out := make([]store.Organisation, len(hits))
	for i, h := range hits {
		out[i] = h.e.org
	}
	return out, total, nil
}

// matchWords reports whether every word of q starts some word of words.
func matchWords(words, q []string) bool {
	for _, w := range q {
		if !slices.ContainsFunc(words, func(n string) bool { return strings.HasPrefix(n, w) }) {
			return false
		}
	}
	return true
}
