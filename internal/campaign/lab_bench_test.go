package campaign

import (
	"crypto/x509"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/hosting"
	"vigie.eu/vigie/internal/ipdata"
	"vigie.eu/vigie/internal/lab"
	"vigie.eu/vigie/internal/providers"
	"vigie.eu/vigie/internal/store"
)

// BenchmarkLabCampaign runs a campaign of 500 organisations against the
// simulated estate of internal/lab, in this process: the CPU profile
// (-cpuprofile) shows what the campaign and the servers it audits cost
// together. It reports audits per second.
func BenchmarkLabCampaign(b *testing.B) {
	const n = 500
	base := netip.AddrFrom4([4]byte{127, byte(128 + rand.IntN(120)), 0, 1})
	b4 := base.As4()
	p := 20000 + 3*rand.IntN(4000)
	l, err := lab.Start(b.Context(), lab.Config{N: n, Seed: 1, BaseAddr: base,
		DNSAddr:  fmt.Sprintf("127.%d.255.254:0", b4[1]),
		HTTPPort: p, HTTPSPort: p + 1, SMTPPort: p + 2})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(l.CAPEM)
	cfg := Config{Engine: engine.Config{AddressPolicy: guard.LabPolicy(), Resolver: l.Resolver, Anchors: []dns.RR{l.AnchorRR}, AnchorName: "lab",
		Roots: roots, RootsName: "lab CA", HTTPPort: p, HTTPSPort: p + 1, SMTPPort: p + 2,
		Timeout: 30 * time.Second, Version: "bench", Hosting: benchHosting(b)}}
	var orgs []store.Organisation
	for _, o := range l.Orgs {
		orgs = append(orgs, store.Organisation{ID: o.ID, Name: o.Name, Domains: []string{o.Domain}})
	}
	audits := 0
	start, cpu0 := time.Now(), cpuTime()
	for b.Loop() {
		st := newMemStore(orgs)
		if err := Run(b.Context(), st, 1, cfg, nil); err != nil {
			b.Fatal(err)
		}
		audits += len(st.jobs)
	}
	b.ReportMetric(float64(audits)/time.Since(start).Seconds(), "audits/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(audits), "cpu-ms/audit")
}

// cpuTime is the user and system CPU time of this process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchHosting is the hosting describer of the embedded IP data, which
// the command line gives every audit.
func benchHosting(b *testing.B) *hosting.Describer {
	data, err := ipdata.Embedded()
	if err != nil {
		b.Fatal(err)
	}
	table, err := providers.Load()
	if err != nil {
		b.Fatal(err)
	}
	return &hosting.Describer{Data: data, Table: table}
}
