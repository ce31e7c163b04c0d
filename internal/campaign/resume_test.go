package campaign

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/engine/enginetest"
	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/tlstest"
)

// labOptions are the options of a campaign over the enginetest lab, its
// roots and anchors by value.
func labOptions(lab *enginetest.Lab) *store.CampaignOptions {
	return &store.CampaignOptions{
		Resolver: lab.Resolver,
		Anchors:  lab.AnchorsText, AnchorName: "lab root",
		Roots: string(lab.CA.RootPEM()), RootsName: "lab CA",
		Timeout:  10 * time.Second,
		HTTPPort: lab.HTTPPort, HTTPSPort: lab.HTTPSPort, SMTPPort: lab.SMTPPort,
		DKIMSelectors: []string{enginetest.DKIMSelector},
		AllowPrivate:  []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Parallel:      4,
		PerIP:         2,
	}
}

func TestNewConfig(t *testing.T) {
	ca := tlstest.NewCA(t, "Roots")
	opts := &store.CampaignOptions{
		Resolver: "127.0.0.1:5353",
		Anchors:  ". 3600 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D", AnchorName: "file root.ds",
		Roots: string(ca.RootPEM()), RootsName: "SSL_CERT_FILE=/srv/ca.pem",
		Timeout:  90 * time.Second,
		HTTPPort: 8080, HTTPSPort: 8443, SMTPPort: 2525,
		DKIMSelectors: []string{"s1"},
		AllowPrivate:  []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Parallel:      3, PerIP: 2,
	}
	cfg, err := NewConfig(opts, "v1")
	if err != nil {
		t.Fatal(err)
	}
	e := cfg.Engine
	got := []any{e.Version, e.Resolver, len(e.Anchors), e.AnchorName, e.RootsName, e.Timeout, e.HTTPPort, e.HTTPSPort, e.SMTPPort, e.DKIMSelectors, cfg.Parallel, cfg.PerIP}
	want := []any{"v1", "127.0.0.1:5353", 1, "file root.ds", "SSL_CERT_FILE=/srv/ca.pem", 90 * time.Second, 8080, 8443, 2525, []string{"s1"}, 3, 2}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("engine config (-want +got):\n%s", diff)
	}
	if e.Roots == nil || !e.Roots.Equal(ca.Pool()) {
		t.Error("roots: not the stored ones")
	}
	if a := e.AddressPolicy.Allowed(); len(a) != 1 || a[0] != opts.AllowPrivate[0] {
		t.Errorf("the guard allows %v, want %v", a, opts.AllowPrivate)
	}

	// A campaign of an older vigie names its roots by file.
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, ca.RootPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	legacy := *opts
	legacy.Roots, legacy.RootsFile = "", file
	if cfg, err := NewConfig(&legacy, "v1"); err != nil || !cfg.Engine.Roots.Equal(ca.Pool()) {
		t.Errorf("roots by file: %v; want the file's", err)
	}

	for name, o := range map[string]store.CampaignOptions{
		"roots without certificate": {Roots: "not PEM"},
		"roots file missing":        {RootsFile: filepath.Join(t.TempDir(), "absent.pem")},
		"anchors not DS nor DNSKEY": {Anchors: ". 3600 IN A 127.0.0.1"},
	} {
		if _, err := NewConfig(&o, "v1"); err == nil {
			t.Errorf("%s: no error", name)
		}
	}

	// No options: the defaults, and the system's roots (or
	// SSL_CERT_FILE's), one pool for the whole campaign.
	cfg, err = NewConfig(nil, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Engine.Roots == nil || cfg.Engine.RootsName == "" || cfg.Engine.Anchors != nil || cfg.Engine.AddressPolicy.Allowed() != nil {
		t.Errorf("default config: %+v", cfg.Engine)
	}
}

// openStore returns a fresh SQLite store.
func openStore(t *testing.T) store.Store {
	t.Helper()
	st, err := store.Open(t.Context(), filepath.Join(t.TempDir(), "camp.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// TestLoadResumes: a campaign over the lab, stored with its options and
// interrupted, is resumed by Load and Run alone, with the stored roots,
// anchors and guard (good.test gets its A only if the lab's CA and trust
// anchor are used), and every job is audited once; Load then finds it
// finished.
func TestLoadResumes(t *testing.T) {
	lab := enginetest.NewLab(t)
	st := openStore(t)
	ctx := t.Context()
	if _, _, err := Load(ctx, st, 0, "test"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Load of an empty store: %v, want ErrNotFound", err)
	}
	id, err := st.CreateCampaign(ctx, &store.Campaign{Name: "lab", Options: labOptions(lab)}, labOrgs(20))
	if err != nil {
		t.Fatal(err)
	}
	c, cfg, err := Load(ctx, st, id, "test")
	if err != nil || c.ID != id {
		t.Fatalf("Load(%d) = campaign %+v, %v", id, c, err)
	}
	run, cancel := context.WithCancel(ctx)
	if err := Run(run, st, id, cfg, &cancelAfter{n: 4, cancel: cancel}); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("Run = %v, want ErrInterrupted", err)
	}
	if done, total, _ := st.Progress(ctx, id); done < 4 || done >= total {
		t.Fatalf("after interruption: %d/%d done", done, total)
	}

	c, cfg, err = Load(ctx, st, 0, "test")
	if err != nil || c.ID != id {
		t.Fatalf("Load(latest) = campaign %+v, %v", c, err)
	}
	if err := Run(ctx, st, id, cfg, nil); err != nil {
		t.Fatal(err)
	}
	seen := map[[2]string]int{}
	err = st.CampaignAudits(ctx, id, func(a store.AuditRecord) error {
		seen[[2]string{a.Org.ID, a.Domain}]++
		if a.Domain == "good.test" && (a.Grade == "" || a.Grade[0] != 'A') {
			t.Errorf("good.test of %s graded %q (%s), want A or A+", a.Org.ID, a.Grade, a.Result.Error)
		}
		if a.Result.Error == engine.ErrCancelled {
			t.Errorf("%s %s: cancelled audit stored", a.Org.ID, a.Domain)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	_, total, _ := st.Progress(ctx, id)
	if len(seen) != total {
		t.Errorf("%d jobs audited, want %d", len(seen), total)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%v audited %d times", k, n)
		}
	}
	if c, _, err := Load(ctx, st, id, "test"); !errors.Is(err, ErrFinished) || c == nil || c.Finished.IsZero() {
		t.Errorf("Load of a finished campaign = %+v, %v; want it, with ErrFinished", c, err)
	}
}

// TestNewConfigUserAgent: the User-Agent and contact stored with a
// campaign make the engine's User-Agent, with the resuming vigie's
// version by default; stored values that cannot be sent are refused.
func TestNewConfigUserAgent(t *testing.T) {
	for _, tt := range []struct {
		ua, contact, want string
	}{
		{"", "", ""}, // the engine's default
		{"", "https://cert.exemple.fr", "vigie/v2 (+https://vigie.eu/vigie) (+https://cert.exemple.fr)"},
		{"CERT scanner/2", "", "CERT scanner/2"},
		{"CERT scanner/2", "mailto:cert@exemple.fr", "CERT scanner/2 (+mailto:cert@exemple.fr)"},
	} {
		cfg, err := NewConfig(&store.CampaignOptions{UserAgent: tt.ua, Contact: tt.contact}, "v2")
		if err != nil || cfg.Engine.UserAgent != tt.want {
			t.Errorf("stored %q, %q: User-Agent %q, %v; want %q", tt.ua, tt.contact, cfg.Engine.UserAgent, err, tt.want)
		}
	}
	for _, o := range []store.CampaignOptions{{UserAgent: "a\r\nX-Injected: 1"}, {Contact: "not a url"}} {
		if _, err := NewConfig(&o, "v2"); err == nil {
			t.Errorf("stored %+v: no error", o)
		}
	}
}

// TestNewConfigIPData: a campaign describes hosting from the IP data it
// was started with (--ip-data, stored by directory), so that a resumed
// or stored campaign's audits name the same providers as a live audit.
func TestNewConfigIPData(t *testing.T) {
	cfg, err := NewConfig(&store.CampaignOptions{IPData: filepath.Join("..", "hosting", "testdata", "ip-data")}, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Engine.Hosting == nil || cfg.Engine.Hosting.Table == nil {
		t.Fatal("no hosting describer")
	}
	if r := cfg.Engine.Hosting.Data.Lookup(netip.MustParseAddr("192.0.2.10")); r.AS.Number != 16276 || r.Country != "FR" {
		t.Errorf("192.0.2.10: %+v, want the directory's AS 16276 in FR", r)
	}
	if cfg, err := NewConfig(nil, "v1"); err != nil || cfg.Engine.Hosting == nil || len(cfg.Engine.Hosting.Data.Sources) == 0 {
		t.Errorf("no options: %v; want the embedded IP data", err)
	}
	if _, err := NewConfig(&store.CampaignOptions{IPData: filepath.Join(t.TempDir(), "absent")}, "v1"); err == nil {
		t.Error("a missing IP data directory: no error")
	}
}
