package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a writer and a reader in two
// goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestLabCommand starts "vigie lab" on an address range of its own, waits
// for it to say it is ready, checks its files and the command it prints,
// then stops it as Ctrl-C would: exit code 0.
func TestLabCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "lab")
	net := fmt.Sprintf("127.%d.%d", 128+rand.IntN(120), rand.IntN(250))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var stdout, stderr syncBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"lab", "--lang", "en", "--orgs", "20", "--seed", "3", "--dir", dir,
			"--base", net + ".1", "--dns", net + ".254:0", "--http-port", "8080", "--https-port", "8443", "--smtp-port", "2525"},
			nil, &stdout, &stderr)
	}()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !strings.Contains(stdout.String(), "Ctrl-C stops the lab") {
		select {
		case code := <-done:
			t.Fatalf("vigie lab ended with code %d; stderr:\n%s", code, stderr.String())
		case <-tick.C:
		}
	}
	out := stdout.String()
	for _, want := range []string{
		"Lab ready in ", "20 organisations on ",
		"SSL_CERT_FILE=" + filepath.Join(dir, "ca.pem") + " vigie campaign run --targets " + filepath.Join(dir, "targets.csv"),
		"--resolver " + net + ".254:", "--trust-anchor " + filepath.Join(dir, "root.ds"), "--allow-private 127.0.0.0/8",
		"--http-port 8080 --https-port 8443 --smtp-port 2525",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	f, err := os.Open(filepath.Join(dir, "targets.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil || len(rows) != 21 {
		t.Errorf("targets.csv: %d rows, %v; want 21", len(rows), err)
	}
	resolver, err := os.ReadFile(filepath.Join(dir, "resolver.txt"))
	if err != nil || !strings.Contains(out, "--resolver "+strings.TrimSpace(string(resolver))) {
		t.Errorf("resolver.txt %q, %v, not the resolver printed", resolver, err)
	}
	// The hosting command it prints runs as printed, with its --ip-data.
	_, line, ok := strings.Cut(out, "To see who hosts an organisation:\n  vigie ")
	line, _, _ = strings.Cut(line, "\n")
	if !ok || !strings.Contains(line, "--ip-data "+filepath.Join(dir, "ip-data")) {
		t.Errorf("no hosting command with --ip-data in:\n%s", out)
	} else {
		var hout, herr bytes.Buffer
		code := run(ctx, append(strings.Fields(line), "--lang", "en"), nil, &hout, &herr)
		if code != exitOK || !strings.Contains(hout.String(), "  web ") || !strings.Contains(hout.String(), "[OVHcloud, headquarters FR") && !strings.Contains(hout.String(), "AS3215 Orange S.A., country FR") {
			t.Errorf("%s: exit code %d, stderr %q, stdout:\n%s", line, code, herr.String(), hout.String())
		}
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("exit code %d after Ctrl-C, want 0", code)
	}
	if !strings.Contains(stderr.String(), "lab stopped") {
		t.Errorf("stderr = %q", stderr.String())
	}
}
