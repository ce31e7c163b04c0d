package dnsname

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// rfc4034Order is the example of RFC 4034 section 6.1, in canonical order.
var rfc4034Order = []string{"example.", "a.example.", "yljkjljk.a.example.", "Z.a.example.", "zABC.a.EXAMPLE.", "z.example.", "\\001.z.example.", "*.z.example.", "\\200.z.example."}

func TestCompareRFC4034(t *testing.T) {
	for i := 0; i+1 < len(rfc4034Order); i++ {
		a, b := rfc4034Order[i], rfc4034Order[i+1]
		if c := Compare(a, b); c >= 0 {
			t.Errorf("Compare(%q, %q) = %d, want < 0", a, b, c)
		}
		if c := Compare(b, a); c <= 0 {
			t.Errorf("Compare(%q, %q) = %d, want > 0", b, a, c)
		}
	}
	shuffled := slices.Clone(rfc4034Order)
	rand.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	slices.SortFunc(shuffled, Compare)
	if !slices.Equal(shuffled, rfc4034Order) {
		t.Errorf("sorted: %q\nwant   %q", shuffled, rfc4034Order)
	}
}

func TestCompareEqual(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"Example.", "example."},
		{"example", "example."},
		{"\\065.test.", "a.test."}, // \065 is "A"
		{".", "."},
	} {
		if got := Compare(c.a, c.b); got != 0 {
			t.Errorf("Compare(%q, %q) = %d, want 0", c.a, c.b, got)
		}
	}
	// An escaped dot is part of a label, not a separator: "a\.b.test."
	// has the labels "a.b" and "test", and "a.b" sorts before "b".
	if c := Compare("a\\.b.test.", "b.test."); c >= 0 {
		t.Errorf(`Compare("a\\.b.test.", "b.test.") = %d, want < 0`, c)
	}
	if c := Compare("a\\.b.test.", "a.b.test."); c >= 0 {
		t.Errorf(`Compare("a\\.b.test.", "a.b.test.") = %d, want < 0`, c)
	}
}
