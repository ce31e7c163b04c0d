package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/ipdata"
)

// TestDataEmbedded: "vigie data --json" names the embedded data sets,
// their version and licence, and the ranges loaded.
func TestDataEmbedded(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"data", "--json"}, nil, &stdout, &stderr); code != exitOK || stderr.Len() > 0 {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
	var got struct{ Sources []ipdata.Source }
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Sources) != 2 || got.Sources[0].Name != "@ip-location-db/asn" || got.Sources[0].License != "CC BY 4.0" ||
		!strings.Contains(got.Sources[0].Attribution, "DB-IP") || got.Sources[1].License != "CC0 1.0" || got.Sources[0].Ranges4 == 0 {
		t.Errorf("sources = %+v", got.Sources)
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"data", "--lang", "en"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
	for _, want := range []string{"address → AS and organisation: @ip-location-db/asn 2.3.", "credit: RouteViews, DB-IP", "address → country: @ip-location-db/geo-whois-asn-country"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("vigie data: no %q in\n%s", want, stdout.String())
		}
	}
}

// TestDataDir: --ip-data replaces the embedded data, and a bad file is
// a usage error that names its line and column.
func TestDataDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "asn-ipv4.csv"), []byte("127.0.0.0,127.0.0.255,16276,OVH SAS\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"data", "--ip-data", dir}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
	if want := "1 plages IPv4, 0 plages IPv6"; !strings.Contains(stdout.String(), want) || !strings.Contains(stdout.String(), dir) {
		t.Errorf("vigie data --ip-data: no %q nor %s in\n%s", want, dir, stdout.String())
	}
	if err := os.WriteFile(filepath.Join(dir, "country-ipv4.csv"), []byte("127.0.0.0,127.0.0.255,FR\n127.0.1.0,nope,FR\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	code := run(context.Background(), []string{"data", "--ip-data", dir}, nil, &stdout, &stderr)
	if want := "country-ipv4.csv:2:11: end address"; code != exitUsage || !strings.Contains(stderr.String(), want) || stdout.Len() > 0 {
		t.Errorf("exit code %d, stdout %q, stderr %q; want %d and %q", code, stdout.String(), stderr.String(), exitUsage, want)
	}
}
