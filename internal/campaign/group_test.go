package campaign

import (
	"fmt"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/store"
)

// side is a scored side (grade "" for an audit in error).
func side(grade string, points int) *Side {
	if grade == "" {
		return &Side{Error: "dns: timeout"}
	}
	return &Side{Grade: grade, Points: points}
}

func change(org, name, domain string, before, after *Side) Change {
	return Change{Org: store.Organisation{ID: org, Name: name}, Domain: domain, Before: before, After: after}
}

func TestGradeDelta(t *testing.T) {
	for _, tt := range []struct {
		c    Change
		want int
	}{
		{change("1", "", "a.test", side("A", 90), side("C", 60)), -2},
		{change("1", "", "a.test", side("F", 10), side("A+", 100)), 6},
		{change("1", "", "a.test", side("B", 80), side("B", 70)), 0},
		{change("1", "", "a.test", side("", 0), side("B", 70)), 0},
		{change("1", "", "a.test", nil, side("B", 70)), 0},
	} {
		if got := tt.c.GradeDelta(); got != tt.want {
			t.Errorf("GradeDelta %v → %v = %d, want %d", tt.c.Before, tt.c.After, got, tt.want)
		}
	}
}

// rowText is a row as "org domain[+www|/www kind]".
func rowText(r Row) string {
	s := r.Org.ID + " " + r.Domain
	switch {
	case r.WWW == nil:
	case r.WWWDiffers():
		s += "/" + r.WWW.Domain + " " + r.WWW.Kind()
	default:
		s += "+www"
	}
	return s
}

// TestGroup: an organisation's apex and www are one row, marked as
// differing only when they changed otherwise; a www without its apex, or
// the apex of another organisation, stays apart; rows come largest
// change first (grade steps, then points, either way, the www's counting),
// then by name.
func TestGroup(t *testing.T) {
	changes := []Change{
		change("1", "Ville d'Aa", "aa.test", side("B", 80), side("B", 78)),     // -2 points
		change("1", "Ville d'Aa", "www.aa.test", side("B", 80), side("B", 78)), // same as apex
		change("2", "Bourg", "www.bb.test", side("A", 95), side("D", 40)),      // www only: its own row, -3 grades
		change("3", "Cité", "cc.test", side("A", 90), side("A", 90)),           // same
		change("3", "Cité", "www.cc.test", side("A", 90), side("C", 55)),       // www differs: -2 grades
		change("4", "Dun", "dd.test", side("C", 60), side("A", 92)),            // +2 grades, +32 points
		change("5", "Est", "www.aa.test", side("B", 80), side("B", 80)),        // another org's www of aa.test
		change("6", "", "ff.test", nil, side("B", 75)),                         // new: no size
		change("7", "Aval", "gg.test", side("C", 60), side("C", 50)),           // -10 points
		change("8", "Gué", "hh.test", side("", 0), side("", 0)),                // in error both times
		change("8", "Gué", "www.hh.test", side("", 0), side("", 0)),
	}
	var got []string
	for _, r := range Group(changes) {
		got = append(got, rowText(r))
	}
	want := []string{
		"2 www.bb.test",               // 3 grade steps
		"3 cc.test/www.cc.test worse", // 2 steps, 35 points
		"4 dd.test",                   // 2 steps, 32 points
		"7 gg.test",                   // 10 points
		"1 aa.test+www",               // 2 points
		"6 ff.test",                   // no change: by name, its ID "6" first
		"5 www.aa.test",               // Est
		"8 hh.test+www",               // Gué
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("Group:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestGroupKeepsEveryChange: grouping drops no change and shows none
// twice.
func TestGroupKeepsEveryChange(t *testing.T) {
	var changes []Change
	for i := range 40 {
		d := fmt.Sprintf("d%d.test", i/3)
		if i%3 == 1 {
			d = "www." + d
		}
		changes = append(changes, change(fmt.Sprint(i%5), "", d, side("B", 70+i%7), side("C", 60)))
	}
	seen := map[string]int{}
	for _, r := range Group(changes) {
		seen[r.Org.ID+" "+r.Domain]++
		if r.WWW != nil {
			seen[r.WWW.Org.ID+" "+r.WWW.Domain]++
		}
	}
	for _, c := range changes {
		if n := seen[c.Org.ID+" "+c.Domain]; n != 1 {
			t.Errorf("%s %s is in %d rows", c.Org.ID, c.Domain, n)
		}
	}
}
