package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/dnstest"
)

// TestHostingAddresses: well-known public addresses from the embedded
// data and table, without any network.
func TestHostingAddresses(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"hosting", "--json", "8.8.8.8", "51.91.0.1", "127.0.0.1"}, nil, &stdout, &stderr)
	if code != exitOK || stderr.Len() > 0 {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
	var got []hostingResult
	dec := json.NewDecoder(&stdout)
	for dec.More() {
		var r hostingResult
		if err := dec.Decode(&r); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 3 {
		t.Fatalf("%d results, want 3", len(got))
	}
	g, o, l := got[0].Address, got[1].Address, got[2].Address
	if g == nil || g.ASN != 15169 || g.Country != "US" || g.Provider == nil || g.Provider.ID != "google" || !g.Provider.Extraterritorial {
		t.Errorf("8.8.8.8: %+v", g)
	}
	if o == nil || o.ASN != 16276 || o.Country != "FR" || o.Provider == nil || o.Provider.ID != "ovhcloud" || o.Provider.Extraterritorial {
		t.Errorf("51.91.0.1: %+v", o)
	}
	if l == nil || l.Refused != "loopback" || l.ASN != 0 {
		t.Errorf("127.0.0.1 without --allow-private: %+v", l)
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"hosting", "8.8.8.8"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
	if want := "Données IP : RouteViews, DB-IP (IP to ASN Lite, https://db-ip.com), CC BY 4.0 ;"; !strings.Contains(stdout.String(), want) {
		t.Errorf("no credit %q in\n%s", want, stdout.String())
	}
}

// TestHostingDomain resolves a domain on a loopback DNS server, with
// --ip-data mapping the loopback blocks to real providers' AS numbers.
func TestHostingDomain(t *testing.T) {
	srv := dnstest.NewServer(t, `
		example.test.      300 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 300
		example.test.      300 IN NS  ns1.example.test.
		example.test.      300 IN A   127.0.2.10
		www.example.test.  300 IN CNAME front.example.test.
		front.example.test. 300 IN A  127.0.2.11
		example.test.      300 IN MX  10 mx.example.test.
		mx.example.test.   300 IN A   127.0.1.25
		ns1.example.test.  300 IN A   127.0.2.53
	`)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "asn-ipv4.csv"), []byte("127.0.1.0,127.0.1.255,8075,Microsoft Corporation\n127.0.2.0,127.0.2.255,16276,OVH SAS\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "country-ipv4.csv"), []byte("127.0.1.0,127.0.1.255,US\n127.0.2.0,127.0.2.255,FR\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"hosting", "--resolver", srv.Addr, "--allow-private", "127.0.0.0/8", "--ip-data", dir, "--lang", "en", "example.test"}, nil, &stdout, &stderr)
	if code != exitOK || stderr.Len() > 0 {
		t.Fatalf("exit code %d, stderr %q, stdout:\n%s", code, stderr.String(), stdout.String())
	}
	for _, want := range []string{
		"  web example.test\n    127.0.2.10  AS16276 OVH SAS, country FR [OVHcloud, headquarters FR, laws EU, SecNumCloud, HDS]\n",
		"  web www.example.test → front.example.test\n    127.0.2.11  AS16276 OVH SAS",
		"  mail mx.example.test\n    127.0.1.25  AS8075 Microsoft Corporation, country US [Microsoft (Azure, Microsoft 365), headquarters US, laws US+EU, bound by extra-European law, HDS]\n",
		"  DNS ns1.example.test\n    127.0.2.53  AS16276 OVH SAS",
		"IP data: " + dir + "; providers table 2026.2.\n",
	} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("no %q in\n%s", want, stdout.String())
		}
	}
	// A name that is no domain is an error of its own, exit 1.
	stdout.Reset()
	code = run(context.Background(), []string{"hosting", "--resolver", srv.Addr, "bad name!"}, nil, &stdout, &stderr)
	if code != exitFailed || !strings.Contains(stdout.String(), "not an address nor a domain name") {
		t.Errorf("exit code %d, stdout %q", code, stdout.String())
	}
}
