package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/store/storetest"
)

// serveStore writes a store with one finished campaign of one domain.
func serveStore(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "vigie.db")
	st, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	id, err := st.CreateCampaign(ctx, &store.Campaign{Name: "test", Created: at},
		[]store.Organisation{{ID: "21420218700019", Name: "Mairie de Saint-Étienne", Category: "commune", Domains: []string{"saint-etienne.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	err = st.PendingJobs(ctx, id, func(j store.Job) error { return st.SaveAudit(ctx, j, storetest.Realistic(j.Domain, at)) })
	if err != nil {
		t.Fatal(err)
	}
	if err := st.FinishCampaign(ctx, id, at); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestServeErrors(t *testing.T) {
	db := serveStore(t)
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	for _, tt := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"serve"}, exitUsage, "--db is required"},
		{[]string{"serve", "--db", db, "extra"}, exitUsage, "takes no argument"},
		{[]string{"serve", "--db", db, "--listen", "8080"}, exitUsage, "--listen \"8080\": want host:port"},
		{[]string{"serve", "--db", db, "--tls-cert", "c.pem"}, exitUsage, "go together"},
		{[]string{"serve", "--db", db, "--base-url", "ftp://x"}, exitUsage, "--base-url"},
		{[]string{"serve", "--db", db, "--security-contact", "bob"}, exitUsage, "--security-contact"},
		{[]string{"serve", "--db", db, "--opendata", filepath.Join(t.TempDir(), "none")}, exitUsage, "not a directory"},
		{[]string{"serve", "--db", filepath.Join(t.TempDir(), "missing.db")}, exitFailed, "no database"},
		{[]string{"serve", "--db", db, "--listen", busy.Addr().String()}, exitFailed, "cannot listen"},
		{[]string{"serve", "--db", db, "--listen", "127.0.0.1:0", "--tls-cert", "/nonexistent/c.pem", "--tls-key", "/nonexistent/k.pem"}, exitFailed, "--tls-cert"},
		{[]string{"serve", "--db", db, "--admin", "--listen", "192.0.2.1:8080"}, exitUsage, "--admin without --tls-cert"},
		{[]string{"serve", "--db", db, "--on-demand", "--on-demand-parallel", "0"}, exitUsage, "--on-demand-parallel 0: want at least 1"},
		{[]string{"serve", "--db", db, "--on-demand", "--on-demand-queue", "-1"}, exitUsage, "--on-demand-queue -1: want at least 1"},
		{[]string{"serve", "--db", db, "--on-demand", "--on-demand-cooldown", "-1m"}, exitUsage, "--on-demand-cooldown"},
		{[]string{"serve", "--db", db, "--on-demand", "--on-demand-timeout", "0s"}, exitUsage, "--on-demand-timeout"},
		{[]string{"serve", "--db", db, "--listen", "127.0.0.1:0", "--on-demand", "--resolver", "a b"}, exitUsage, "--resolver"},
		{[]string{"serve", "--db", db, "--listen", "127.0.0.1:0", "--on-demand", "--on-demand-allow-private", "lan"}, exitUsage, "--on-demand-allow-private \"lan\""},
	} {
		var stdout, stderr strings.Builder
		args := append(tt.args, "--lang", "en")
		code := run(context.Background(), args, nil, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.msg) {
			t.Errorf("vigie %s: code %d, stderr %q; want code %d and %q", strings.Join(tt.args, " "), code, stderr.String(), tt.code, tt.msg)
		}
	}
}

// TestServe starts "vigie serve" on a free port, asks it for its home
// page and its health, then stops it as SIGINT would: exit code 0.
func TestServe(t *testing.T) {
	db := serveStore(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--lang", "en", "--db", db, "--listen", "127.0.0.1:0"}, nil, &stdout, &stderr)
	}()
	re := regexp.MustCompile(`http://127\.0\.0\.1:\d+/`)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for re.FindString(stdout.String()) == "" {
		select {
		case code := <-done:
			t.Fatalf("vigie serve ended with code %d; stderr:\n%s", code, stderr.String())
		case <-tick.C:
		}
	}
	u := re.FindString(stdout.String())
	for _, tt := range []struct{ path, want string }{
		{"?q=etienne", "Mairie de Saint-Étienne"},
		{"healthz", "ok"},
		{"api/v1/organisations/21420218700019", `"saint-etienne.test"`},
	} {
		resp, err := http.Get(u + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), tt.want) {
			t.Errorf("GET /%s: status %d, body without %q", tt.path, resp.StatusCode, tt.want)
		}
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("vigie serve stopped with code %d; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stdout.String(), "vigie serve: stopped") {
		t.Errorf("stdout:\n%s", stdout.String())
	}
}
