// Command fillstore builds a large store for the observatory's benchmark
// (bench/serve.sh) from a small real one: it reads the audits of the
// source store's campaigns (a "vigie demo" store: two campaigns a
// simulated week apart on the lab) and writes ORGS organisations with
// CAMPAIGNS campaigns each into a new store, every synthetic organisation
// taking the audits of one source organisation, its name and domains
// numbered, campaigns alternating between the source's campaigns so that
// "who got worse" has content. Results are decoded and encoded again with
// the new domain: the served audits weigh what real ones do.
//
//	go run ./bench/fillstore --from demo/vigie.db --to big.db --orgs 35000 --campaigns 10
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/store"
)

func main() {
	from := flag.String("from", "", "source store (a vigie demo's vigie.db)")
	to := flag.String("to", "", "store to create (must not exist)")
	orgs := flag.Int("orgs", 35000, "organisations to write")
	campaigns := flag.Int("campaigns", 10, "campaigns to write")
	flag.Parse()
	if *from == "" || *to == "" || *orgs < 1 || *campaigns < 1 {
		fmt.Fprintln(os.Stderr, "usage: fillstore --from SRC.db --to NEW.db [--orgs N] [--campaigns N]")
		os.Exit(2)
	}
	if _, err := os.Stat(*to); err == nil {
		fmt.Fprintf(os.Stderr, "fillstore: %s exists\n", *to)
		os.Exit(2)
	}
	if err := fill(context.Background(), *from, *to, *orgs, *campaigns); err != nil {
		fmt.Fprintln(os.Stderr, "fillstore:", err)
		os.Exit(1)
	}
}

// source is one organisation of the source store and its audits, one
// list per source campaign.
type source struct {
	org    store.Organisation
	audits [][]*audit.Result
}

func fill(ctx context.Context, from, to string, orgs, campaigns int) error {
	src, err := store.OpenReadOnly(ctx, from)
	if err != nil {
		return err
	}
	defer src.Close()
	list, err := src.ListCampaigns(ctx, 0, 100)
	if err != nil {
		return err
	}
	var ids []int64
	for i := len(list) - 1; i >= 0; i-- {
		if list[i].Status == store.StatusFinished {
			ids = append(ids, list[i].ID)
		}
	}
	if len(ids) == 0 {
		return fmt.Errorf("%s has no finished campaign", from)
	}
	byOrg := map[string]*source{}
	var order []string
	for ci, id := range ids {
		err := src.CampaignAudits(ctx, id, func(rec store.AuditRecord) error {
			if rec.Result == nil {
				return nil
			}
			s := byOrg[rec.Org.ID]
			if s == nil {
				s = &source{org: rec.Org, audits: make([][]*audit.Result, len(ids))}
				byOrg[rec.Org.ID] = s
				order = append(order, rec.Org.ID)
			}
			s.audits[ci] = append(s.audits[ci], rec.Result)
			return nil
		})
		if err != nil {
			return err
		}
	}
	var sources []*source
	for _, id := range order {
		s := byOrg[id]
		complete := true
		for _, a := range s.audits {
			complete = complete && len(a) > 0
		}
		if complete {
			sources = append(sources, s)
		}
	}
	if len(sources) == 0 {
		return fmt.Errorf("%s: no organisation audited in every campaign", from)
	}

	dst, err := store.Open(ctx, to)
	if err != nil {
		return err
	}
	defer dst.Close()
	synth := make([]store.Organisation, orgs)
	for i := range synth {
		s := sources[i%len(sources)].org
		o := store.Organisation{
			ID:       fmt.Sprintf("%s-%05d", s.ID, i),
			Name:     fmt.Sprintf("%s %d", s.Name, i),
			Category: s.Category,
		}
		for _, d := range s.Domains {
			o.Domains = append(o.Domains, numbered(d, i))
		}
		synth[i] = o
	}
	start := time.Now().Add(-time.Duration(campaigns) * 7 * 24 * time.Hour)
	t0 := time.Now()
	for c := range campaigns {
		at := start.Add(time.Duration(c) * 7 * 24 * time.Hour)
		id, err := dst.CreateCampaign(ctx, &store.Campaign{Name: fmt.Sprintf("bench-%02d", c+1), Created: at}, synth)
		if err != nil {
			return err
		}
		if err := saveCampaign(ctx, dst, id, c%len(ids), at, synth, sources); err != nil {
			return err
		}
		if err := dst.FinishCampaign(ctx, id, at.Add(time.Hour)); err != nil {
			return err
		}
		fmt.Fprintf(os.Stderr, "fillstore: campaign %d/%d (%d organisations) after %s\n", c+1, campaigns, orgs, time.Since(t0).Round(time.Second))
	}
	return nil
}

// saveCampaign writes the audits of campaign id: each synthetic
// organisation gets its source's audits of source campaign sc, with its
// own domains and the campaign's date.
func saveCampaign(ctx context.Context, dst store.Store, id int64, sc int, at time.Time, synth []store.Organisation, sources []*source) error {
	jobs := make(chan int)
	errs := make(chan error, 1)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				o := synth[i]
				for di, r := range sources[i%len(sources)].audits[sc] {
					if di >= len(o.Domains) {
						break
					}
					copied := *r
					copied.Domain = o.Domains[di]
					copied.Time = at.Add(time.Duration(i) * time.Millisecond)
					j := store.Job{CampaignID: id, Org: o, Domain: o.Domains[di]}
					if err := dst.SaveAudit(ctx, j, &copied); err != nil {
						select {
						case errs <- err:
						default:
						}
						return
					}
				}
			}
		}()
	}
	var err error
loop:
	for i := range synth {
		select {
		case jobs <- i:
		case err = <-errs:
			break loop
		}
	}
	close(jobs)
	wg.Wait()
	if err != nil {
		return err
	}
	select {
	case err = <-errs:
	default:
	}
	return err
}

// numbered gives domain d a number of its own: "mairie.test" becomes
// "mairie-12.test".
func numbered(d string, i int) string {
	head, tail, ok := strings.Cut(d, ".")
	if !ok {
		return fmt.Sprintf("%s-%d", d, i)
	}
	return fmt.Sprintf("%s-%d.%s", head, i, tail)
}
