package export

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestHistory exports a domain audited by three campaigns: the latest
// export holds its last audit, the history every one in campaign order,
// a range the campaigns within it, and the keys of the history's
// schemas take the campaign, so that it validates.
func TestHistory(t *testing.T) {
	fx := fixtures(t)
	st := sample(t)
	org := st.recs[0].Org
	at := st.recs[0].Time
	// Campaigns 3 and 4 audit the first commune again.
	st.recs = append(st.recs,
		record(org, org.Domains[0], 3, fx["good"], at.Add(72*time.Hour)),
		record(org, org.Domains[0], 4, fx["legacy"], at.Add(96*time.Hour)))
	ctx := context.Background()
	campaignsOf := func(t *testing.T, opts Options) []string {
		t.Helper()
		dir := t.TempDir()
		if _, err := Write(ctx, st, "csv", dir, testMeta, opts); err != nil {
			t.Fatal(err)
		}
		if errs := ValidateDir(dir); len(errs) > 0 {
			t.Fatalf("ValidateDir: %v", errs)
		}
		var got []string
		rows := readCSV(t, filepath.Join(dir, OrganisationsCSV))
		ct := slices.Index(rows[0], "campaign_time")
		for _, row := range rows[1:] {
			if row[3] == org.Domains[0] {
				// campaign_id, campaign_time
				got = append(got, row[4]+" "+row[ct])
			}
		}
		return got
	}
	c := func(id int64) string { return cmpID(id) + " " + csvTime(campaignCreated(id)) }
	for _, tc := range []struct {
		name string
		opts Options
		want []string
	}{
		{"latest", Options{}, []string{c(4)}},
		{"history", Options{History: true}, []string{c(1), c(3), c(4)}},
		{"range", Options{History: true, From: 2, To: 3}, []string{c(3)}},
		{"from", Options{History: true, From: 3}, []string{c(3), c(4)}},
		{"one", Options{History: true, From: 1, To: 1}, []string{c(1)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, campaignsOf(t, tc.opts)); diff != "" {
				t.Errorf("campaigns (-want +got):\n%s", diff)
			}
		})
	}
	// The catalogue describes a history as one.
	dir := t.TempDir()
	meta := testMeta
	meta.Description = DefaultMetadata().Description
	if _, err := Write(ctx, st, "csv", dir, meta, Options{History: true}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, Catalog))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), "une ligne par campagne") {
		t.Errorf("the catalogue of a history does not say it is one")
	}
	_, err = Write(ctx, st, "csv", t.TempDir(), testMeta, Options{History: true, From: 5})
	if !errors.Is(err, ErrNoCampaign) {
		t.Errorf("a range without campaign: %v, want ErrNoCampaign", err)
	}
}

func cmpID(id int64) string { return string(rune('0' + id)) }
