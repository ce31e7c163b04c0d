package ipdata

import (
	"bytes"
	"strings"
	"testing"
)

// FuzzReadCSV: any file given to --ip-data is an error or a table whose
// ranges are sorted and disjoint, never a panic; the table survives the
// compact form.
func FuzzReadCSV(f *testing.F) {
	f.Add("1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n1.0.0.16,1.0.0.31,1,x\n", false)
	f.Add("::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,FR\n::1,::1,US\n", true)
	f.Add("0.0.0.0,255.255.255.255,1,a\n255.255.255.255,255.255.255.255,2,b\n", false)
	f.Fuzz(func(t *testing.T, text string, country bool) {
		kind := ASNKind
		if country {
			kind = CountryKind
		}
		b := newBuilder()
		if err := b.readCSV(strings.NewReader(text), "f", kind); err != nil {
			return
		}
		tab := b.table()
		for i := 1; i < len(tab.start4); i++ {
			if tab.start4[i] <= tab.end4[i-1] {
				t.Fatalf("IPv4 ranges %d and %d overlap or are out of order", i-1, i)
			}
		}
		for i := range tab.start4 {
			if tab.end4[i] < tab.start4[i] {
				t.Fatalf("IPv4 range %d ends before it starts", i)
			}
		}
		for i := 1; i < len(tab.start6); i++ {
			if !tab.end6[i-1].less(tab.start6[i]) {
				t.Fatalf("IPv6 ranges %d and %d overlap or are out of order", i-1, i)
			}
		}
		var buf bytes.Buffer
		if err := encode(&buf, &tab); err != nil {
			t.Fatal(err)
		}
		got, err := decode(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if len(got.start4) != len(tab.start4) || len(got.start6) != len(tab.start6) || len(got.vals) != len(tab.vals) {
			t.Fatalf("decode(encode): %d/%d/%d ranges and values, want %d/%d/%d", len(got.start4), len(got.start6), len(got.vals), len(tab.start4), len(tab.start6), len(tab.vals))
		}
	})
}
