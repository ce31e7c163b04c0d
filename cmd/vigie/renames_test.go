package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/store"
)

// TestReportRenames: the organisations a targets file names differently
// from the previous campaign are listed, at most maxRenames of them, then
// counted; an empty name or category is not a change; a first campaign
// has nothing to compare with.
func TestReportRenames(t *testing.T) {
	ctx := t.Context()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "r.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var out strings.Builder
	e := &env{stdout: &out, stderr: &out, lang: "en"}

	var before, after []store.Organisation
	for i := range 15 {
		id := fmt.Sprint(i)
		before = append(before, store.Organisation{ID: id, Name: "Commune " + id, Category: "commune", Domains: []string{"d" + id + ".test"}})
		after = append(after, store.Organisation{ID: id, Name: "Hôpital " + id, Domains: []string{"d" + id + ".test"}})
	}
	after[0].Name = before[0].Name // unchanged
	after[1].Name = ""             // not given: not a change
	after[2].Category = "hôpital"  // a category changed too
	after = append(after, store.Organisation{ID: "new", Name: "Nouvelle", Domains: []string{"n.test"}})

	reportRenames(ctx, e, st, before)
	if out.Len() != 0 {
		t.Errorf("first campaign: %q, want nothing", out.String())
	}
	if _, err := st.CreateCampaign(ctx, &store.Campaign{Name: "avant"}, before); err != nil {
		t.Fatal(err)
	}
	reportRenames(ctx, e, st, before)
	if out.Len() != 0 {
		t.Errorf("same names: %q, want nothing", out.String())
	}
	reportRenames(ctx, e, st, after)
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	want := []string{
		`vigie: warning: 14 change(s) of name or category since campaign 1 "avant" (an identifier reused, or a body renamed?); each campaign keeps its own:`,
		`vigie:   2: name "Commune 2" → "Hôpital 2"`,
		`vigie:   2: category "commune" → "hôpital"`,
	}
	for i := 3; i <= 10; i++ {
		want = append(want, fmt.Sprintf(`vigie:   %d: name "Commune %d" → "Hôpital %d"`, i, i, i))
	}
	want = append(want, `vigie:   and 4 more`)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("warning:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
