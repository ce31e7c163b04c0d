package campaign

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/hosting"
	"vigie.eu/vigie/internal/ipdata"
	"vigie.eu/vigie/internal/lab"
	"vigie.eu/vigie/internal/providers"
)

// TestLabSovereignty is issue 14's "done when": a campaign on the lab,
// with the lab's IP data (its hosting providers' blocks mapped to real
// providers' AS numbers), gives the sovereignty finding to a domain
// whose mail is at a provider under extra-European law, and none to a
// domain hosted in France; the Sovereignty indicator is graded beside
// the CyberScore, and the organisation's category reaches the checks.
func TestLabSovereignty(t *testing.T) {
	const n = 40
	base := netip.AddrFrom4([4]byte{127, byte(128 + rand.IntN(120)), byte(rand.IntN(250)), 1})
	b := base.As4()
	const port = 8180
	l, err := lab.Start(t.Context(), lab.Config{N: n, Seed: 3, BaseAddr: base,
		DNSAddr:  fmt.Sprintf("127.%d.%d.254:0", b[1], b[2]),
		HTTPPort: port, HTTPSPort: port + 1, SMTPPort: port + 2})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	dir := t.TempDir()
	for name, data := range map[string][]byte{"asn-ipv4.csv": l.IPDataASN, "country-ipv4.csv": l.IPDataCountry} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	data, err := ipdata.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	table, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	orgs, problems, err := ReadTargets(bytes.NewReader(l.TargetsCSV))
	if err != nil || len(problems) > 0 {
		t.Fatalf("targets: %v, %v", problems, err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(l.CAPEM)
	d := &hosting.Describer{Data: data, Table: table}
	cfg := Config{Engine: engine.Config{AddressPolicy: guard.LabPolicy(), Resolver: l.Resolver, Anchors: []dns.RR{l.AnchorRR}, AnchorName: "lab", Roots: roots, RootsName: "lab CA",
		HTTPPort: port, HTTPSPort: port + 1, SMTPPort: port + 2, Hosting: d}, Parallel: 8}
	st := newMemStore(orgs)
	if err := Run(t.Context(), st, 1, cfg, nil); err != nil {
		t.Fatal(err)
	}
	var foreign, french int
	for _, o := range l.Orgs {
		res := st.results[o.ID+"\x00"+o.Domain]
		if res == nil || res.Observations == nil || res.Observations.Hosting == nil {
			t.Fatalf("%s: no hosting observation: %+v", o.Domain, res)
		}
		if res.Observations.Category != o.Category {
			t.Errorf("%s: category %q, want %q", o.Domain, res.Observations.Category, o.Category)
		}
		if o.Profile.Mail == "null" {
			continue
		}
		ps := res.Observations.Hosting.ProvidersOf(audit.RoleMail)
		if len(ps) == 0 {
			t.Errorf("%s: no mail provider in %+v", o.Domain, res.Observations.Hosting.Hosts)
			continue
		}
		has := slices.ContainsFunc(res.Findings, func(f audit.Finding) bool { return f.ID == "sovereignty.mail.extraterritorial" })
		switch p := ps[0]; {
		case p.Extraterritorial:
			foreign++
			if !has {
				t.Errorf("%s: mail at %s (US law) without sovereignty.mail.extraterritorial: %v", o.Domain, p.Name, res.Findings)
			}
			if in := res.Score.Indicator("sovereignty"); in == nil || in.Points >= 100 {
				t.Errorf("%s: indicator %+v, want points lost", o.Domain, in)
			}
		case p.Country == "FR":
			french++
			if has {
				t.Errorf("%s: mail at %s (France) with sovereignty.mail.extraterritorial", o.Domain, p.Name)
			}
			if in := res.Score.Indicator("sovereignty"); in == nil || in.Grade != "A" {
				t.Errorf("%s: hosted in France, indicator %+v, want A", o.Domain, in)
			}
		}
		for _, a := range res.Score.Areas {
			for _, lost := range a.Lost {
				if slices.Contains([]string{"sovereignty.mail.extraterritorial", "sovereignty.web.extraterritorial"}, lost.ID) {
					t.Errorf("%s: %s counted in the CyberScore's area %s", o.Domain, lost.ID, a.Area)
				}
			}
		}
	}
	if foreign == 0 || french == 0 {
		t.Errorf("%d domains with mail under US law, %d in France: the lab's mix should have both", foreign, french)
	}
	t.Logf("%d domains with mail under extra-European law, %d in France", foreign, french)
}
