// Package evidence writes the evidence of findings: a short sentence in
// vigie's own words, with every value the remote side chose inside it in
// quotes, never leading it.
//
// A remote value is anything an audited server or zone decided: a header
// value, a URL it redirected to, a cookie name, a DNS record or a name it
// returned, a certificate's names, an SMTP banner, or the complaint of a
// parser about such text. Quote puts it in double quotes with control
// characters escaped and cuts it to MaxValue bytes, so that a hostile
// server can neither start a spreadsheet formula in an export nor write
// its own sentence into a report. Names vigie chose itself (the audited
// domain, the URLs it started from, suite and group names from its own
// tables) are written as they are.
package evidence

import (
	"fmt"
	"strconv"
	"strings"

	"vigie.eu/vigie/internal/audit"
)

// MaxValue is the most bytes of a remote value that evidence quotes.
const MaxValue = audit.MaxQuoted

// MaxItems is the most items List writes.
const MaxItems = 10

// Quote returns a remote value as evidence shows it: cut to MaxValue bytes
// (at a character boundary, the cut marked with "…"), then quoted as a Go
// string literal (strconv.Quote: double quotes, control and invalid bytes
// escaped, printable Unicode kept).
func Quote(s string) string { return audit.Quote(s) }

// QuoteAll quotes each of values.
func QuoteAll(values []string) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = Quote(v)
	}
	return out
}

// List joins at most MaxItems items with sep and says how many were left
// out as "… (+N)", in no language. The items are written as they are: quote remote ones first.
func List(items []string, sep string) string {
	if len(items) <= MaxItems {
		return strings.Join(items, sep)
	}
	return fmt.Sprintf("%s%s… (+%d)", strings.Join(items[:MaxItems], sep), sep, len(items)-MaxItems)
}

// Items keeps at most MaxItems messages, the way List keeps strings: the
// rest is said as a count ("… (+N)").
func Items(ms []audit.Message) []audit.Message {
	if len(ms) <= MaxItems {
		return ms
	}
	return append(ms[:MaxItems:MaxItems], audit.M("more", "n", strconv.Itoa(len(ms)-MaxItems)))
}
