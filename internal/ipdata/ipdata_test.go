package ipdata

import (
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Well-known public addresses against the embedded data, without any
// network.
func TestEmbeddedWellKnown(t *testing.T) {
	d, err := Embedded()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		addr    string
		asn     uint32
		org     string
		country string
	}{
		{"8.8.8.8", 15169, "Google LLC", "US"},
		{"2001:4860:4860::8888", 15169, "Google LLC", "US"},
		{"51.91.0.1", 16276, "OVH SAS", "FR"},
		{"::ffff:51.91.0.1", 16276, "OVH SAS", "FR"},
		{"1.1.1.1", 13335, "Cloudflare, Inc.", "AU"},
	} {
		got := d.Lookup(netip.MustParseAddr(c.addr))
		want := Result{AS: AS{c.asn, c.org}, Country: c.country}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("Lookup(%s) (-want +got):\n%s", c.addr, diff)
		}
	}
	// Loopback and documentation addresses are in no upstream range.
	for _, a := range []string{"127.0.0.1", "::1", "192.0.2.1"} {
		if got := d.Lookup(netip.MustParseAddr(a)); got != (Result{}) {
			t.Errorf("Lookup(%s) = %+v, want nothing", a, got)
		}
	}
	if len(d.Sources) != 2 || d.Sources[0].Version == "" || d.Sources[0].Ranges4 < 100000 || d.Sources[1].Ranges6 < 10000 {
		t.Errorf("Sources = %+v, want both data sets with their versions and counts", d.Sources)
	}
}

func span4(s, e string, idx uint32) span {
	return span{u128{0, uint64(u32Of(netip.MustParseAddr(s)))}, u128{0, uint64(u32Of(netip.MustParseAddr(e)))}, idx}
}

func TestFlatten(t *testing.T) {
	for _, c := range []struct {
		name     string
		in, want []span
	}{
		{"disjoint", []span{span4("10.0.0.0", "10.0.0.9", 0), span4("10.0.1.0", "10.0.1.9", 1)},
			[]span{span4("10.0.0.0", "10.0.0.9", 0), span4("10.0.1.0", "10.0.1.9", 1)}},
		{"nested wins", []span{span4("10.0.0.0", "10.0.0.255", 0), span4("10.0.0.16", "10.0.0.31", 1)},
			[]span{span4("10.0.0.0", "10.0.0.15", 0), span4("10.0.0.16", "10.0.0.31", 1), span4("10.0.0.32", "10.0.0.255", 0)}},
		{"same start, shorter wins", []span{span4("10.0.0.16", "10.0.0.31", 1), span4("10.0.0.0", "10.0.0.255", 0), span4("10.0.0.0", "10.0.0.7", 2)},
			[]span{span4("10.0.0.0", "10.0.0.7", 2), span4("10.0.0.8", "10.0.0.15", 0), span4("10.0.0.16", "10.0.0.31", 1), span4("10.0.0.32", "10.0.0.255", 0)}},
		{"partial overlap, later start wins", []span{span4("214.95.0.0", "215.0.255.255", 0), span4("215.0.0.0", "215.1.3.255", 1)},
			[]span{span4("214.95.0.0", "214.255.255.255", 0), span4("215.0.0.0", "215.1.3.255", 1)}},
		{"two levels", []span{span4("10.0.0.0", "10.0.0.255", 0), span4("10.0.0.0", "10.0.0.127", 1), span4("10.0.0.8", "10.0.0.9", 2)},
			[]span{span4("10.0.0.0", "10.0.0.7", 1), span4("10.0.0.8", "10.0.0.9", 2), span4("10.0.0.10", "10.0.0.127", 1), span4("10.0.0.128", "10.0.0.255", 0)}},
		{"adjacent same value merged", []span{span4("10.0.0.0", "10.0.0.9", 0), span4("10.0.0.10", "10.0.0.19", 0)},
			[]span{span4("10.0.0.0", "10.0.0.19", 0)}},
		{"last address", []span{{u128{}, maxU128, 0}, {maxU128, maxU128, 1}},
			[]span{{u128{}, maxU128.prev(), 0}, {maxU128, maxU128, 1}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := flatten(append([]span(nil), c.in...))
			if diff := cmp.Diff(c.want, got, cmp.AllowUnexported(span{}, u128{})); diff != "" {
				t.Errorf("flatten (-want +got):\n%s", diff)
			}
		})
	}
}

func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadDir(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"asn-ipv4.csv":     "127.0.0.0,127.255.255.255,64500,Loopback Org\n127.0.1.0,127.0.1.255,16276,\"OVH, SAS\"\n",
		"asn-ipv6.csv":     "::1,::1,8075,Microsoft Corporation\n",
		"country-ipv4.csv": "127.0.0.0,127.0.0.255,us\n127.0.1.0,127.0.1.255,FR\n",
	})
	d, err := LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[string]Result{
		"127.0.0.1": {AS: AS{64500, "Loopback Org"}, Country: "US"},
		"127.0.1.9": {AS: AS{16276, "OVH, SAS"}, Country: "FR"},
		"127.0.2.1": {AS: AS{64500, "Loopback Org"}},
		"::1":       {AS: AS{8075, "Microsoft Corporation"}},
		"8.8.8.8":   {},
	} {
		if diff := cmp.Diff(want, d.Lookup(netip.MustParseAddr(addr))); diff != "" {
			t.Errorf("Lookup(%s) (-want +got):\n%s", addr, diff)
		}
	}
	if d.Sources[0].Name != dir || d.Sources[0].Ranges4 != 3 || d.Sources[0].Ranges6 != 1 {
		t.Errorf("Sources[0] = %+v", d.Sources[0])
	}
}

func TestLoadDirErrors(t *testing.T) {
	for _, c := range []struct {
		name, file, text, want string
	}{
		{"bad start", "asn-ipv4.csv", "127.0.0.0,127.0.0.9,1,a\n127.0.0.x,127.0.0.20,2,b\n", "asn-ipv4.csv:2:1: start address"},
		{"bad asn", "asn-ipv4.csv", "127.0.0.0,127.0.0.9,AS1,a\n", "asn-ipv4.csv:1:21: AS number"},
		{"fields", "country-ipv4.csv", "127.0.0.0,127.0.0.9\n", "country-ipv4.csv:1:1: wrong number of fields"},
		{"country", "country-ipv6.csv", "::1,::1,FRA\n", "country-ipv6.csv:1:9: country \"FRA\""},
		{"reversed", "asn-ipv4.csv", "127.0.0.9,127.0.0.0,1,a\n", "asn-ipv4.csv:1: range ends (127.0.0.0) before it starts (127.0.0.9)"},
		{"families", "asn-ipv6.csv", "::1,127.0.0.1,1,a\n", "not of the same family"},
		{"long org", "asn-ipv4.csv", "127.0.0.0,127.0.0.9,1," + strings.Repeat("x", maxOrg+1) + "\n", "organisation name longer than"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := writeDir(t, map[string]string{c.file: c.text})
			_, err := LoadDir(dir)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("LoadDir: error %v, want one containing %q", err, c.want)
			}
		})
	}
	if _, err := LoadDir(t.TempDir()); err == nil || !strings.Contains(err.Error(), "none of asn-ipv4.csv") {
		t.Errorf("LoadDir(empty): error %v", err)
	}
}

// The compact form gives back the same table; a damaged one is an
// error, not a panic.
func TestCodec(t *testing.T) {
	b := newBuilder()
	rows := "1.0.0.0,1.0.0.255,13335,Cloudflare\n1.0.4.0,1.0.7.255,38803,Gtelecom\n2001::,2001::ffff:ffff:ffff:ffff:ffff:ffff,6939,HE\n2001:200::,2001:200:1b9:ffff:ffff:ffff:ffff:ffff,2500,WIDE\n255.255.255.0,255.255.255.255,1,Last\n"
	if err := b.readCSV(strings.NewReader(rows), "rows", ASNKind); err != nil {
		t.Fatal(err)
	}
	want := b.table()
	var buf bytes.Buffer
	if err := encode(&buf, &want); err != nil {
		t.Fatal(err)
	}
	got, err := decode(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(table{}, value{}, u128{})); diff != "" {
		t.Errorf("decode(encode) (-want +got):\n%s", diff)
	}
	for n := 0; n < buf.Len(); n += 7 {
		if _, err := decode(buf.Bytes()[:n]); err == nil {
			t.Errorf("decode of the first %d bytes: no error", n)
		}
	}
	if _, err := decode([]byte("garbage")); err == nil {
		t.Error("decode(garbage): no error")
	}
}

// BenchmarkLoad decodes the embedded data (the issue asks under 300 ms
// and 64 MiB): MiB-live is the memory the tables take, cpu-ms/op the
// processor time of a load (both goroutines), which a loaded machine
// inflates less than ns/op.
func BenchmarkLoad(b *testing.B) {
	var m0, m1 runtime.MemStats
	var cpu time.Duration
	for b.Loop() {
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&m0)
		b.StartTimer()
		c0 := cpuTime(b)
		asn, country, err := decodeBoth(asnBin, countryBin)
		if err != nil {
			b.Fatal(err)
		}
		cpu += cpuTime(b) - c0
		b.StopTimer()
		runtime.GC()
		runtime.ReadMemStats(&m1)
		b.StartTimer()
		b.ReportMetric(float64(m1.HeapAlloc-m0.HeapAlloc)/(1<<20), "MiB-live")
		runtime.KeepAlive(&asn)
		runtime.KeepAlive(&country)
	}
	b.ReportMetric(float64(cpu.Milliseconds())/float64(b.N), "cpu-ms/op")
}

// BenchmarkLookup looks up addresses of both families (under 1 µs).
func BenchmarkLookup(b *testing.B) {
	d, err := Embedded()
	if err != nil {
		b.Fatal(err)
	}
	addrs := []netip.Addr{
		netip.MustParseAddr("8.8.8.8"), netip.MustParseAddr("51.91.0.1"),
		netip.MustParseAddr("2001:4860:4860::8888"), netip.MustParseAddr("193.51.24.1"),
	}
	i := 0
	for b.Loop() {
		d.Lookup(addrs[i%len(addrs)])
		i++
	}
}
