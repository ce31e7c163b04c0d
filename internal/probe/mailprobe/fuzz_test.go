package mailprobe

import (
	"bytes"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/audit"
)

// The parsers read records and policies that anyone can publish: none may
// panic, and each must stay within its caps.

func FuzzParseSPF(f *testing.F) {
	for _, s := range []string{"v=spf1 -all", "v=spf1 include:_spf.example.test ip4:192.0.2.0/24 ip6:2001:db8::/32 a/24//64 mx:%{d} ptr exists:%{i}.%{d2r-}.x.test redirect=x.test exp=%{l}.x.test -all", "v=spf1 a:", "v=spf1 %", "v=spf1 =x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		terms, _ := parseSPF(s)
		if len(terms) > maxTags {
			t.Fatalf("%d terms", len(terms))
		}
		for _, term := range terms {
			if term.Lookup {
				expandDomain(term.Value, "example.test", "example.test")
			}
		}
	})
}

func FuzzParseDMARC(f *testing.F) {
	for _, s := range []string{"v=DMARC1; p=reject; sp=none; pct=50; rua=mailto:a@x.test!10m,mailto:b@y.test; ruf=mailto:c@z.test; fo=1:d; adkim=s; aspf=r; ri=86400; rf=afrf", "v=DMARC1;;;", "p"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var o audit.DMARCObservation
		parseDMARC(s, &o)
		if len(o.Tags) > maxTags || len(o.RUA) > 16 || len(o.RUF) > 16 {
			t.Fatalf("%d tags, %d rua, %d ruf", len(o.Tags), len(o.RUA), len(o.RUF))
		}
	})
}

func FuzzParseDKIM(f *testing.F) {
	for _, s := range []string{"v=DKIM1; k=rsa; h=sha256; t=y:s; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC", "v=DKIM1; p=", "k=ed25519; p=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var sel audit.DKIMSelector
		parseDKIMKey(s, &sel)
		if sel.Revoked && sel.KeyBits != 0 {
			t.Fatalf("revoked key with %d bits", sel.KeyBits)
		}
	})
}

func FuzzParseMTASTS(f *testing.F) {
	f.Add("v=STSv1; id=20250601;", "version: STSv1\r\nmode: enforce\r\nmx: mx.example.test\r\nmx: *.example.test\r\nmax_age: 604800\r\n")
	f.Add("v=STSv1", "mode:none")
	f.Fuzz(func(t *testing.T, record, policy string) {
		parseMTASTSRecord(record)
		var o audit.MTASTSObservation
		parseMTASTSPolicy(policy, &o)
		if len(o.MX) > 64 {
			t.Fatalf("%d mx patterns", len(o.MX))
		}
	})
}

func FuzzParseTLSRPT(f *testing.F) {
	for _, s := range []string{"v=TLSRPTv1; rua=mailto:a@example.test,https://r.test/x", "v=TLSRPTv1;", "v=TLSRPTv1; rua=,,,"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var o audit.TLSRPTObservation
		parseTLSRPT(s, &o)
		if len(o.RUA) > 16 {
			t.Fatalf("%d rua", len(o.RUA))
		}
	})
}

func FuzzReadReply(f *testing.F) {
	for _, s := range []string{"220 ready\r\n", "250-a\r\n250-b\r\n250 c\r\n", "220", "999 x\r\n", "220-a\r\n250 b\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rep, err := readReply(strings.NewReader(s))
		if err == nil && (rep.code < 200 || rep.code > 599 || len(rep.lines) == 0) {
			t.Fatalf("reply %+v accepted", rep)
		}
	})
}

// TestParsersBounded feeds absurd input to each parser.
func TestParsersBounded(t *testing.T) {
	huge := "v=spf1" + strings.Repeat(" include:x.test", 10000)
	terms, errs := parseSPF(huge)
	if len(terms) > maxTags || len(errs) == 0 {
		t.Errorf("huge SPF: %d terms, errors %q", len(terms), errs)
	}
	var o audit.MTASTSObservation
	parseMTASTSPolicy(strings.Repeat("mx: a.test\n", 5000), &o)
	if len(o.MX) != 64 {
		t.Errorf("huge policy: %d mx kept, want 64", len(o.MX))
	}
	if _, err := readReply(bytes.NewReader(bytes.Repeat([]byte("2"), 5000))); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("endless reply line: err = %v", err)
	}
	if _, err := readReply(strings.NewReader(strings.Repeat("250-x\r\n", 100))); err == nil || !strings.Contains(err.Error(), "lines") {
		t.Errorf("endless reply: err = %v", err)
	}
}
