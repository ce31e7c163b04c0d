package dnsprobe

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/miekg/dns"
)

func TestParseAnchors(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string // records in presentation form
		err  string
	}{{
		name: "IANA root anchors",
		text: ianaRootAnchors,
		want: []string{
			".\t0\tIN\tDS\t20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D",
			".\t0\tIN\tDS\t38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16",
		},
	}, {
		name: "DNSKEY as dig prints it, relative name, comment",
		text: "; lab root key\nTest. 86400 IN DNSKEY 257 3 13 ( mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ== )\n",
		want: []string{"test.\t86400\tIN\tDNSKEY\t257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ=="},
	}, {
		name: "empty",
		text: "; nothing\n",
		err:  "dnsprobe: trust anchor: no DS or DNSKEY record",
	}, {
		name: "other type",
		text: ". IN A 192.0.2.1",
		err:  "dnsprobe: trust anchor: A record for ., want DS or DNSKEY",
	}, {
		name: "not a zone key",
		text: ". IN DNSKEY 1 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==",
		err:  "is not a usable zone key (flags 1, protocol 3)",
	}, {
		name: "short digest",
		text: ". IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D084",
		err:  "digest of 32 hex digits, want 64",
	}, {
		name: "unknown digest type",
		text: ". IN DS 20326 8 9 E06D44B80B8F1D39A95C0B0D7C65D084",
		err:  "unsupported digest type 9",
	}, {
		name: "syntax error",
		text: ". IN DS twenty 8 2 00",
		err:  "dnsprobe: trust anchor: dns: bad DS KeyTag",
	}, {
		name: "include refused",
		text: "$INCLUDE /etc/passwd\n",
		err:  "dnsprobe: trust anchor: dns: $INCLUDE directive not allowed",
	}, {
		name: "too many",
		text: "$GENERATE 1-1000 . IN DS $ 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n",
		err:  "more than 64 records",
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rrs, err := ParseAnchors(tc.text)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseAnchors error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, rr := range rrs {
				got = append(got, rr.String())
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseAnchors mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func FuzzParseAnchors(f *testing.F) {
	f.Add(ianaRootAnchors)
	f.Add(". IN DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==")
	f.Add("$ORIGIN test.\n@ IN DS 1 13 2 ( 00 )")
	f.Add("$GENERATE 1-3 . IN DS $ 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D\n")
	f.Fuzz(func(t *testing.T, text string) {
		rrs, err := ParseAnchors(text)
		if err != nil {
			if rrs != nil {
				t.Fatal("records returned with an error")
			}
			return
		}
		if len(rrs) == 0 || len(rrs) > maxAnchorRecords {
			t.Fatalf("%d anchors", len(rrs))
		}
		for _, rr := range rrs {
			switch rr.(type) {
			case *dns.DS, *dns.DNSKEY:
			default:
				t.Fatalf("anchor of type %T", rr)
			}
		}
	})
}
