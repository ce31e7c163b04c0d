package report

import "strings"

// width is the width of a terminal the text report is wrapped for.
const width = 80

// minWidth is the least room wrap leaves a line, however deep its indent.
const minWidth = 30

// wrap splits s into lines of at most n characters (runes), at spaces;
// a word longer than n (a long URL, a remote value) is cut. The new lines
// of s are kept.
func wrap(s string, n int) []string {
	n = max(n, minWidth)
	var out []string
	for _, para := range strings.Split(s, "\n") {
		var line []rune
		flush := func() {
			out = append(out, strings.TrimRight(string(line), " "))
			line = line[:0]
		}
		if len([]rune(para)) <= n {
			// A line that fits keeps its indent (a configuration snippet).
			out = append(out, para)
			continue
		}
		for _, w := range strings.Split(para, " ") {
			r := []rune(w)
			if len(line) > 0 && len(line)+1+len(r) > n {
				flush()
			}
			if len(line) > 0 {
				line = append(line, ' ')
			}
			for len(r) > n {
				if len(line) > 0 {
					flush()
				}
				out = append(out, string(r[:n]))
				r = r[n:]
			}
			line = append(line, r...)
		}
		flush()
	}
	return out
}
