package audit

import "strings"

// IsControl reports whether r is a control character: C0 (U+0000 to
// U+001F), DEL (U+007F) or C1 (U+0080 to U+009F). A terminal or a
// spreadsheet may act on them (an escape sequence, a line that is not
// one) rather than show them.
func IsControl(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f)
}

// StripControls removes the control characters (IsControl) of s: a tab,
// a line end, a vertical tab or a form feed becomes a space, so that the
// words on either side stay apart; the others go. s is returned as is
// when it has none.
func StripControls(s string) string {
	if strings.IndexFunc(s, IsControl) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\t' || r == '\n' || r == '\v' || r == '\f' || r == '\r':
			b.WriteByte(' ')
		case IsControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
