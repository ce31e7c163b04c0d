package ecoindex

import (
	"math"
	"testing"
)

// The examples the method's authors publish.
func TestPublishedExamples(t *testing.T) {
	for _, tc := range []struct {
		dom, req int
		kb       float64
		score    int
		grade    string
	}{
		{100, 100, 100, 72, "B"},
		{240, 20, 331, 83, "A"},
	} {
		got := ComputeKB(tc.dom, tc.req, tc.kb)
		if got.Score != tc.score || got.Grade != tc.grade {
			t.Errorf("ComputeKB(%d, %d, %v) = %v, want %d (%s)", tc.dom, tc.req, tc.kb, got, tc.score, tc.grade)
		}
	}
}

func TestFormula(t *testing.T) {
	// DOM 100: interval 2 (75-159); requests 100: interval 12 (95-105);
	// 100 KB: interval 1 (1.37-144.7).
	qd := 2 + (100.0-75)/(159-75)
	qr := 12 + (100.0-95)/(105-95)
	qs := 1 + (100-1.37)/(144.7-1.37)
	want := 100 - 5*(3*qd+2*qr+qs)/6
	got := ComputeKB(100, 100, 100)
	if math.Abs(got.Exact-want) > 0.01 {
		t.Errorf("exact = %v, want %v", got.Exact, want)
	}
	if g := GHG(want); math.Abs(got.GHG-g) > 0.01 || math.Abs(g-(2+2*(50-want)/100)) > 1e-9 {
		t.Errorf("GHG = %v, want %v", got.GHG, g)
	}
	if w := 3 + 3*(50-want)/100; math.Abs(got.Water-w) > 0.01 {
		t.Errorf("water = %v, want %v", got.Water, w)
	}
}

func TestBytes(t *testing.T) {
	a := Compute(100, 100, 100*1024)
	b := ComputeKB(100, 100, 100)
	if a != b {
		t.Errorf("Compute in bytes = %+v, in KB = %+v", a, b)
	}
}

func TestBounds(t *testing.T) {
	if got := Compute(0, 0, 0); got.Score != 100 || got.Grade != "A" {
		t.Errorf("empty page = %v, want 100 (A)", got)
	}
	if got := Compute(1e7, 1e6, 1<<40); got.Score != 0 || got.Grade != "G" {
		t.Errorf("huge page = %v, want 0 (G)", got)
	}
	if got := Compute(-5, -1, -1); got.Score != 100 || got.DOMElements != 0 {
		t.Errorf("negative measures = %+v", got)
	}
	// A value on a bound starts its interval.
	if q := quantile(&domQuantiles, 47); q != 1 {
		t.Errorf("quantile(47) = %v, want 1", q)
	}
}

func TestGrade(t *testing.T) {
	for _, tc := range []struct {
		s float64
		g string
	}{
		{100, "A"}, {80.01, "A"}, {80, "B"}, {70.5, "B"}, {70, "C"}, {55, "D"},
		{40.2, "D"}, {40, "E"}, {25, "F"}, {10.5, "F"}, {10, "G"}, {0, "G"},
	} {
		if got := Grade(tc.s); got != tc.g {
			t.Errorf("Grade(%v) = %s, want %s", tc.s, got, tc.g)
		}
	}
}

// The score falls as any measure grows.
func TestMonotonic(t *testing.T) {
	prev := 101.0
	for n := 0; n < 5000; n += 37 {
		r := Compute(n, n/10, int64(n)*1000)
		if r.Exact > prev {
			t.Fatalf("score rose at n=%d: %v after %v", n, r.Exact, prev)
		}
		prev = r.Exact
	}
}
