package score

import (
	"slices"
	"strings"
	"testing"
)

func TestSPFDifferences(t *testing.T) {
	diffs, err := SPFDifferences()
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) == 0 {
		t.Fatal("no SPF difference listed: the methodology would publish an empty table")
	}
	results := []string{"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"}
	seen := map[string]bool{}
	for _, d := range diffs {
		if seen[d.Case] {
			t.Errorf("%s listed twice", d.Case)
		}
		seen[d.Case] = true
		if !slices.Contains(results, d.Vigie) || !slices.Contains(results, d.Peer) || d.Vigie == d.Peer {
			t.Errorf("%s: results %q and %q: want two different SPF results", d.Case, d.Vigie, d.Peer)
		}
		if !strings.HasPrefix(d.Standard, "RFC ") {
			t.Errorf("%s: standard %q does not name an RFC", d.Case, d.Standard)
		}
	}
}

func TestParseDifferencesErrors(t *testing.T) {
	for _, in := range []string{"a\tb\tc\n", "a\tpass\tfail\tRFC 1\t\ten\n"} {
		if _, err := parseDifferences("t.tsv", in); err == nil || !strings.Contains(err.Error(), "t.tsv line 1") {
			t.Errorf("parseDifferences(%q) = %v, want an error at line 1", in, err)
		}
	}
}

func TestDNSSECDifferences(t *testing.T) {
	diffs, err := DNSSECDifferences()
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) == 0 {
		t.Fatal("no DNSSEC difference listed: the methodology would publish an empty table")
	}
	statuses := []string{"secure", "insecure", "bogus", "indeterminate"}
	for _, d := range diffs {
		peer, status, ok := strings.Cut(d.Peer, ": ")
		if !ok || (peer != "delv" && peer != "unbound") {
			t.Errorf("%s: peer %q: want \"delv: STATUS\" or \"unbound: STATUS\"", d.Case, d.Peer)
		}
		if !slices.Contains(statuses, d.Vigie) || !slices.Contains(statuses, status) || d.Vigie == status {
			t.Errorf("%s: statuses %q and %q: want two different DNSSEC statuses", d.Case, d.Vigie, status)
		}
		if !strings.HasPrefix(d.Standard, "RFC ") {
			t.Errorf("%s: standard %q does not name an RFC", d.Case, d.Standard)
		}
	}
}
