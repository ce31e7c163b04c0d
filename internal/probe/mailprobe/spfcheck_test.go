package mailprobe_test

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/probe/mailprobe"
)

func TestCheckHost(t *testing.T) {
	const v4, v6 = "192.0.2.10", "2001:db8::10"
	eleven := "v=spf1" + strings.Repeat(" a:h.test", 11) + " ip4:192.0.2.10 -all"
	var manyMX, tenMX strings.Builder
	for i := range 11 {
		fmt.Fprintf(&manyMX, "many.test. 300 IN MX %d mx%d.many.test.\n", i, i)
	}
	for i := range 10 {
		fmt.Fprintf(&tenMX, "ten.test. 300 IN MX %d mx%d.ten.test.\nmx%d.ten.test. 300 IN A 192.0.2.%d\n", i, i, i, 100+i)
	}
	for _, tc := range []struct {
		name, zone, ip string
		want           string // result, mechanism, lookups, void
	}{
		{"ip4 pass", txt("example.test.", "v=spf1 ip4:192.0.2.0/24 -all"), v4, "pass ip4:192.0.2.0/24 0 0"},
		{"ip4 fail", txt("example.test.", "v=spf1 ip4:198.51.100.0/24 -all"), v4, "fail -all 0 0"},
		{"ip6 sender against ip4", txt("example.test.", "v=spf1 ip4:0.0.0.0/0 ~all"), v6, "softfail ~all 0 0"},
		{"no record", txt("example.test.", "hello"), v4, "none  0 0"},
		{"default neutral", txt("example.test.", "v=spf1 ip4:198.51.100.1"), v4, "neutral  0 0"},
		{"two records", txt("example.test.", "v=spf1 -all") + txt("example.test.", "v=spf1 +all"), v4, "permerror  0 0"},
		{"syntax error after the match", txt("example.test.", "v=spf1 +all foo:bar"), v4, "permerror  0 0"},
		{"a pass", txt("example.test.", "v=spf1 a:h.test -all") + "h.test. 300 IN A 192.0.2.10\n", v4, "pass a:h.test 1 0"},
		{"a cidr", txt("example.test.", "v=spf1 a:h.test/24 -all") + "h.test. 300 IN A 192.0.2.1\n", v4, "pass a:h.test/24 1 0"},
		{"a aaaa", txt("example.test.", "v=spf1 a:h.test -all") + "h.test. 300 IN AAAA 2001:db8::10\n", v6, "pass a:h.test 1 0"},
		// RFC 7208 section 5.3: an IPv4 sender asks for A records;
		// names with only AAAA records are void lookups.
		{"aaaa only is void for ipv4", txt("example.test.", "v=spf1 a:n1.test a:n2.test a:n3.test -all") +
			"n1.test. 300 IN AAAA 2001:db8::1\nn2.test. 300 IN AAAA 2001:db8::2\nn3.test. 300 IN AAAA 2001:db8::3\n", v4, "permerror  3 3"},
		{"aaaa only not void for ipv6", txt("example.test.", "v=spf1 a:n1.test a:n2.test a:n3.test -all") +
			"n1.test. 300 IN AAAA 2001:db8::1\nn2.test. 300 IN AAAA 2001:db8::2\nn3.test. 300 IN AAAA 2001:db8::3\n", v6, "fail -all 3 0"},
		{"two void lookups are allowed", txt("example.test.", "v=spf1 a:n1.test a:n2.test -all"), v4, "fail -all 2 2"},
		{"eleventh lookup", txt("example.test.", eleven) + "h.test. 300 IN A 198.51.100.1\n", v4, "permerror  11 0"},
		{"match before the limit", txt("example.test.", eleven) + "h.test. 300 IN A 192.0.2.10\n", v4, "pass a:h.test 1 0"},
		{"include pass", txt("example.test.", "v=spf1 include:i.test -all") + txt("i.test.", "v=spf1 ip4:192.0.2.10 -all"), v4, "pass include:i.test 1 0"},
		{"include fail is no match", txt("example.test.", "v=spf1 include:i.test ~all") + txt("i.test.", "v=spf1 -all"), v4, "softfail ~all 1 0"},
		{"include none", txt("example.test.", "v=spf1 include:i.test -all"), v4, "permerror  1 1"},
		{"include loop", txt("example.test.", "v=spf1 include:l.test -all") + txt("l.test.", "v=spf1 include:example.test -all"), v4, "permerror  2 0"},
		{"redirect", txt("example.test.", "v=spf1 redirect=r.test") + txt("r.test.", "v=spf1 ip4:192.0.2.10 -all"), v4, "pass ip4:192.0.2.10 1 0"},
		{"redirect ignored with all", txt("example.test.", "v=spf1 ?all redirect=r.test") + txt("r.test.", "v=spf1 +all"), v4, "neutral ?all 0 0"},
		{"redirect none", txt("example.test.", "v=spf1 redirect=r.test"), v4, "permerror  1 1"},
		{"mx names", txt("example.test.", "v=spf1 mx:ten.test -all") + tenMX.String(), v4, "fail -all 1 0"},
		{"mx match", txt("example.test.", "v=spf1 mx:ten.test/24 -all") + tenMX.String(), v4, "pass mx:ten.test/24 1 0"},
		{"mx too many names", txt("example.test.", "v=spf1 mx:many.test -all") + manyMX.String(), v4, "permerror  1 0"},
		{"mx names without address are void", txt("example.test.", "v=spf1 mx:m.test -all") +
			"m.test. 300 IN MX 1 a.m.test.\nm.test. 300 IN MX 2 b.m.test.\nm.test. 300 IN MX 3 c.m.test.\n", v4, "permerror  1 3"},
		{"exists macro", txt("example.test.", "v=spf1 exists:%{ir}.%{l1r-}.e.test -all") + "10.2.0.192.x.e.test. 300 IN A 127.0.0.2\n", v4, "pass exists:%{ir}.%{l1r-}.e.test 1 0"},
		{"exists void", txt("example.test.", "v=spf1 exists:%{i}.e.test -all"), v4, "fail -all 1 1"},
		{"ptr", txt("example.test.", "v=spf1 ptr:example.test -all") + "10.2.0.192.in-addr.arpa. 300 IN PTR mail.example.test.\nmail.example.test. 300 IN A 192.0.2.10\n", v4, "pass ptr:example.test 1 0"},
		{"ptr not validated", txt("example.test.", "v=spf1 ptr -all") + "10.2.0.192.in-addr.arpa. 300 IN PTR mail.example.test.\nmail.example.test. 300 IN A 192.0.2.11\n", v4, "fail -all 1 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := lab(t, tc.zone+"x.test. 300 IN SOA ns.test. h.test. 1 2 3 4 5\n")
			v := mailprobe.CheckHost(t.Context(), cfg.DNS, netip.MustParseAddr(tc.ip), "example.test", "x-y@example.test", "helo.test")
			got := fmt.Sprintf("%s %s %d %d", v.Result, v.Mechanism, v.Lookups, v.VoidLookups)
			if got != tc.want {
				t.Errorf("got  %s\nwant %s (reason: %s)", got, tc.want, v.Reason)
			}
		})
	}
}
