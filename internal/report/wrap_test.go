package report

import (
	"strings"
	"testing"
)

func TestWrap(t *testing.T) {
	long := strings.Repeat("x", 95)
	in := "a short line\n    server { ssl_protocols TLSv1.2; }\n" + strings.Repeat("mot ", 40) + long
	got := wrap(in, 40)
	if got[0] != "a short line" || got[1] != "    server { ssl_protocols TLSv1.2; }" {
		t.Errorf("lines that fit changed: %q", got[:2])
	}
	var joined []string
	for _, l := range got {
		if n := len([]rune(l)); n > 40 {
			t.Errorf("line of %d runes: %q", n, l)
		}
		joined = append(joined, l)
	}
	// Nothing lost: the words and the cut value are all there.
	if flat := strings.Join(joined[2:], ""); strings.Count(flat, "mot") != 40 || strings.Count(flat, "x") != 95 {
		t.Errorf("wrap lost text: %q", got)
	}
}
