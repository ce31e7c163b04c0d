package report

import (
	"regexp"
	"sort"
	"strings"

	"vigie.eu/vigie/internal/audit"
)

// rawErrors are pieces of Go's own error texts that a French report must
// never show: they mean a probe's failure reached the reader untranslated.
var rawErrors = []string{"dial tcp", "dial udp", "no such host", "connection refused", "i/o timeout", "connection reset", "context deadline exceeded", "remote error", "x509:"}

// minWords is the fewest words a fixed piece of an English template must
// have to count as an English sentence: shorter ones ("records:",
// "p=none:") are tokens that French shares.
const minWords = 4

var placeholderRE = regexp.MustCompile(`\{[a-z0-9_]+\}`)

// EnglishFragments returns the fixed pieces of the English templates of
// the catalogue (audit.Messages) of at least minWords words, sorted: what
// a French text must not contain.
func EnglishFragments() []string {
	seen := map[string]bool{}
	for _, t := range audit.Messages {
		for _, piece := range placeholderRE.Split(t.EN, -1) {
			piece = strings.Trim(piece, " ;:,.()")
			if len(strings.Fields(piece)) < minWords || strings.Contains(t.FR, piece) {
				continue
			}
			seen[piece] = true
		}
	}
	out := make([]string, 0, len(seen))
	for f := range seen {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// English returns the lines of text that hold an English fragment of the
// catalogue or a raw Go error, each with what was found in it.
func English(text string) []string {
	frags := append(EnglishFragments(), rawErrors...)
	var out []string
	for _, l := range strings.Split(text, "\n") {
		for _, f := range frags {
			if strings.Contains(l, f) {
				out = append(out, strings.TrimSpace(l)+"  ← "+f)
				break
			}
		}
	}
	return out
}
