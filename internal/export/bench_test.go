package export

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"testing"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

// genStore makes n synthetic organisations on the fly, cycling through
// the golden audits, so that the store itself holds nothing: what the
// benchmark measures is the export's own memory. When sample is set, it
// measures the live heap (after a collection) every 1,000 records.
type genStore struct {
	store.Store
	n        int
	results  []*audit.Result
	sample   bool
	peakHeap uint64
}

func (g *genStore) LatestAudits(ctx context.Context, fn func(store.AuditRecord) error) error {
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	var ms runtime.MemStats
	for i := range g.n {
		id := fmt.Sprintf("2%08d", i)
		domain := "commune-" + strconv.Itoa(i) + ".test"
		org := store.Organisation{ID: id, Name: "Commune n° " + strconv.Itoa(i), Category: "commune", Domains: []string{domain}}
		rec := record(org, domain, 1, g.results[i%len(g.results)], at.Add(time.Duration(i)*time.Second))
		if err := fn(rec); err != nil {
			return err
		}
		if g.sample && i%1000 == 999 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			g.peakHeap = max(g.peakHeap, ms.HeapAlloc)
		}
	}
	return nil
}

// ListCampaigns gives the one campaign of the records.
func (g *genStore) ListCampaigns(ctx context.Context, before int64, limit int) ([]store.CampaignSummary, error) {
	return []store.CampaignSummary{{ID: 1, Created: campaignCreated(1), Status: store.StatusFinished}}, nil
}

// BenchmarkWriteXLSX is BenchmarkWrite for the workbook alone, at the
// size of a national campaign (35,000 communes).
//
//	go test -run '^$' -bench WriteXLSX -benchtime 1x ./internal/export
func BenchmarkWriteXLSX(b *testing.B) {
	benchWrite(b, "xlsx", []int{1000, 35000})
}

// BenchmarkWrite exports N synthetic organisations in every format and
// reports the time per organisation and, from one more export after the
// timed ones, the peak live heap, which must not grow with N.
//
//	go test -run '^$' -bench Write -benchtime 1x ./internal/export
func BenchmarkWrite(b *testing.B) {
	benchWrite(b, "csv,json,parquet", []int{1000, 10000})
}

func benchWrite(b *testing.B, formats string, sizes []int) {
	fx := fixtures(b)
	var names []string
	for n := range fx {
		names = append(names, n)
	}
	sort.Strings(names)
	var results []*audit.Result
	for _, n := range names {
		results = append(results, fx[n])
	}
	for _, n := range sizes {
		b.Run("orgs="+strconv.Itoa(n), func(b *testing.B) {
			g := &genStore{n: n, results: results}
			dir := b.TempDir()
			runtime.GC()
			b.ResetTimer()
			for b.Loop() {
				if _, err := Write(context.Background(), g, formats, dir, testMeta, Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/float64(n), "µs/org")
			g.sample = true
			if _, err := Write(context.Background(), g, formats, dir, testMeta, Options{}); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(g.peakHeap)/(1<<20), "peak-live-heap-MiB")
			if formats == "xlsx" {
				return
			}
			if rows := readCSV(b, filepath.Join(dir, OrganisationsCSV)); len(rows) != n+1 {
				b.Fatalf("%d rows, want %d", len(rows), n+1)
			}
		})
	}
}
