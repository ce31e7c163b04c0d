package store_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"vigie.eu/vigie/internal/store"
)

// legacyRow is a campaign's options as "vigie campaign run" stored them
// before schema 2, strings and file names.
const legacyRow = `{"targets":"/srv/orgs.csv","resolver":"127.0.0.1:5353","timeout":"10s",` +
	`"trust_anchor":"/srv/root.ds","trust_anchor_records":". 3600 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n",` +
	`"ssl_cert_file":"/srv/ca.pem","http_port":8080,"https_port":8443,"smtp_port":2525,"dkim_selectors":["s1"],` +
	`"allow_private":["127.0.0.0/8"],"parallel":16,"per_ip":4,"version":"v0.8.0"}`

// testLegacyOptions builds a database of schema 1, as an older vigie left
// it, with campaigns whose options are the command line's strings; Open
// migrates it, and the options read back as typed options.
func testLegacyOptions(t *testing.T, driver, dsn, dir string) {
	ctx := context.Background()
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	init, err := os.ReadFile(filepath.Join("migrations", dir, "0001_init.sql"))
	if err != nil {
		t.Fatal(err)
	}
	created := "1793611800000000" // 2026-11-02 09:30:00 UTC, as SQLite stores it
	if driver == "pgx" {
		created = "'2026-11-02 09:30:00Z'"
	}
	for _, q := range []string{
		string(init),
		`CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)`,
		`INSERT INTO schema_migrations VALUES (1, '0001_init.sql', '2026-11-01T00:00:00Z')`,
		`INSERT INTO campaigns (name, created_at, options, total) VALUES ('old', ` + created + `, '` + legacyRow + `', 1)`,
		`INSERT INTO campaigns (name, created_at, options, total) VALUES ('none', ` + created + `, NULL, 1)`,
		`INSERT INTO campaigns (name, created_at, options, total) VALUES ('broken', ` + created + `, '{"timeout": "soon"}', 1)`,
		`INSERT INTO organisations (id, name, category, domains) VALUES ('1', 'Commune', 'commune', '["a.test"]')`,
		`INSERT INTO jobs (campaign_id, org_id, domain) VALUES (3, '1', 'a.test')`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}

	s, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c, err := s.Campaign(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	want := &store.CampaignOptions{
		Targets:       "/srv/orgs.csv",
		Resolver:      "127.0.0.1:5353",
		Anchors:       ". 3600 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n",
		AnchorName:    "file /srv/root.ds",
		RootsFile:     "/srv/ca.pem",
		RootsName:     "SSL_CERT_FILE=/srv/ca.pem",
		Timeout:       10 * time.Second,
		HTTPPort:      8080,
		HTTPSPort:     8443,
		SMTPPort:      2525,
		DKIMSelectors: []string{"s1"},
		AllowPrivate:  []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")},
		Parallel:      16,
		PerIP:         4,
		Version:       "v0.8.0",
	}
	if diff := cmp.Diff(want, c.Options, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
		t.Errorf("legacy options (-want +got):\n%s", diff)
	}
	if c, err := s.Campaign(ctx, 2); err != nil || c.Options != nil {
		t.Errorf("campaign without options: %+v, %v; want no options", c, err)
	}
	if _, err := s.Campaign(ctx, 3); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("campaign with unreadable options: %v, want an error other than ErrNotFound", err)
	}
	// The campaign's jobs and listing do not need its options.
	n := 0
	if err := s.PendingJobs(ctx, 3, func(store.Job) error { n++; return nil }); err != nil || n != 1 {
		t.Errorf("PendingJobs of the campaign with unreadable options: %d jobs, %v; want 1", n, err)
	}
	list, err := s.ListCampaigns(ctx, 0, 0)
	if err != nil || len(list) != 3 || list[2].Name != "old" || !list[2].Created.Equal(time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)) {
		t.Errorf("ListCampaigns = %+v, %v; want the three campaigns, old created 2026-11-02 09:30", list, err)
	}
}

func TestLegacyOptionsSQLite(t *testing.T) {
	testLegacyOptions(t, "sqlite", filepath.Join(t.TempDir(), "old.db"), "sqlite")
}

func TestLegacyOptionsPostgres(t *testing.T) {
	testLegacyOptions(t, "pgx", postgresSchema(t), "postgres")
}

// TestOptionsJSON pins the JSON names of CampaignOptions: they are
// stored data, append-only.
func TestOptionsJSON(t *testing.T) {
	o := store.CampaignOptions{
		Targets: "t.csv", Resolver: "127.0.0.1:53", Anchors: "A", AnchorName: "a", Roots: "R", RootsName: "r", RootsFile: "f",
		Timeout: time.Second, HTTPPort: 1, HTTPSPort: 2, SMTPPort: 3, DKIMSelectors: []string{"s1"},
		AllowPrivate: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, Parallel: 4, PerIP: 5, Version: "v",
	}
	b, err := json.Marshal(o)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"targets":"t.csv","resolver":"127.0.0.1:53","anchors":"A","anchor_name":"a","roots":"R","roots_name":"r","roots_file":"f",` +
		`"timeout_ns":1000000000,"http_port":1,"https_port":2,"smtp_port":3,"dkim_selectors":["s1"],"allow_private":["10.0.0.0/8"],` +
		`"parallel":4,"per_ip":5,"version":"v"}`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("JSON of the options (-want +got):\n%s", diff)
	}
}
