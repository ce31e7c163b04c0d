package evidence

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestQuote(t *testing.T) {
	long := strings.Repeat("é", MaxValue) // 2 bytes each: the cut falls inside one at odd limits
	for _, tt := range []struct{ in, want string }{
		{"nginx/1.25.3", `"nginx/1.25.3"`},
		{"=cmd|' /C calc'!A0", `"=cmd|' /C calc'!A0"`},
		{"a\r\nSet-Cookie: x", `"a\r\nSet-Cookie: x"`},
		{`max-age="1"`, `"max-age=\"1\""`},
		{"Évry", `"Évry"`},
		{"\xff", `"\xff"`},
		{"", `""`},
	} {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	got := Quote(long)
	if !strings.HasPrefix(got, `"`) || !strings.HasSuffix(got, `…"`) || !utf8.ValidString(got) {
		t.Errorf("Quote(long) = %s", got)
	}
	if n := len(got) - len(`""`) - len("…"); n > MaxValue {
		t.Errorf("Quote(long) keeps %d bytes, want at most %d", n, MaxValue)
	}
}

func TestList(t *testing.T) {
	items := strings.Split("a b c d e f g h i j k l", " ")
	if got, want := List(items[:3], ", "), "a, b, c"; got != want {
		t.Errorf("List = %q, want %q", got, want)
	}
	if got, want := List(items, "; "), "a; b; c; d; e; f; g; h; i; j; … (+2)"; got != want {
		t.Errorf("List = %q, want %q", got, want)
	}
}
