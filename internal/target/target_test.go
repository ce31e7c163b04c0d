package target

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Target
	}{
		{"example.fr", Target{Domain: "example.fr", Unicode: "example.fr", Registrable: "example.fr"}},
		{"EXAMPLE.FR.", Target{Domain: "example.fr", Unicode: "example.fr", Registrable: "example.fr"}},
		{"  www.Example.fr  ", Target{Domain: "www.example.fr", Unicode: "www.example.fr", Registrable: "example.fr"}},
		{"https://Mairie-Évry.FR/contact", Target{Domain: "xn--mairie-vry-h7a.fr", Unicode: "mairie-évry.fr", Registrable: "xn--mairie-vry-h7a.fr"}},
		{"mairie-évry.fr", Target{Domain: "xn--mairie-vry-h7a.fr", Unicode: "mairie-évry.fr", Registrable: "xn--mairie-vry-h7a.fr"}},
		{"xn--mairie-vry-h7a.fr", Target{Domain: "xn--mairie-vry-h7a.fr", Unicode: "mairie-évry.fr", Registrable: "xn--mairie-vry-h7a.fr"}},
		{"http://example.fr:8080/x", Target{Domain: "example.fr", Unicode: "example.fr", Registrable: "example.fr"}},
		{"HTTPS://user@example.fr?q=1#f", Target{Domain: "example.fr", Unicode: "example.fr", Registrable: "example.fr"}},
		{"example.fr:443", Target{Domain: "example.fr", Unicode: "example.fr", Registrable: "example.fr"}},
		{"example.fr/path", Target{Domain: "example.fr", Unicode: "example.fr", Registrable: "example.fr"}},
		{"service.gouv.fr", Target{Domain: "service.gouv.fr", Unicode: "service.gouv.fr", Registrable: "service.gouv.fr"}},
		{"www.nhs.co.uk", Target{Domain: "www.nhs.co.uk", Unicode: "www.nhs.co.uk", Registrable: "nhs.co.uk"}},
		{"good.test", Target{Domain: "good.test", Unicode: "good.test", Registrable: "good.test"}},
		{"www.example.test", Target{Domain: "www.example.test", Unicode: "www.example.test", Registrable: "example.test"}},
		// Full-width letters and the ideographic full stop map to ASCII
		// (UTS 46 section 4).
		{"ｅｘａｍｐｌｅ。ｆｒ", Target{Domain: "example.fr", Unicode: "example.fr", Registrable: "example.fr"}},
		{"münchen.de", Target{Domain: "xn--mnchen-3ya.de", Unicode: "münchen.de", Registrable: "xn--mnchen-3ya.de"}},
		// A private suffix given bare is someone's site.
		{"github.io", Target{Domain: "github.io", Unicode: "github.io", Registrable: "github.io"}},
		{strings.Repeat("a", 63) + ".fr", Target{Domain: strings.Repeat("a", 63) + ".fr", Unicode: strings.Repeat("a", 63) + ".fr", Registrable: strings.Repeat("a", 63) + ".fr"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			tt.want.Input = tt.in
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	long := strings.Repeat(strings.Repeat("a", 60)+".", 5) + "fr" // 307 octets
	tests := []struct {
		in   string
		want error
	}{
		{"", ErrEmpty},
		{"   ", ErrEmpty},
		{"https://", ErrEmpty},
		{".", ErrEmpty},
		{"192.0.2.1", ErrIPLiteral},
		{"2001:db8::1", ErrIPLiteral},
		{"[2001:db8::1]", ErrIPLiteral},
		{"[2001:db8::1]:443", ErrIPLiteral},
		{"https://[::1]/x", ErrIPLiteral},
		{"http://127.0.0.1:8080/", ErrIPLiteral},
		{"fe80::1%eth0", ErrIPLiteral},
		{"10.1", ErrSyntax},
		{"example.123", ErrSyntax},
		{"ftp://example.fr", ErrScheme},
		{"mailto://a@example.fr", ErrScheme},
		{"http://exa mple.fr", ErrSyntax},
		{"exa_mple.fr", ErrInvalidChar},
		{"exa*mple.fr", ErrInvalidChar},
		{"example.fr\x00", ErrInvalidChar},
		{"\xff.fr", ErrInvalidChar},
		{"example..fr", ErrEmptyLabel},
		{".example.fr", ErrEmptyLabel},
		{"example.fr..", ErrEmptyLabel},
		{strings.Repeat("a", 64) + ".fr", ErrLabelTooLong},
		{long, ErrNameTooLong},
		{strings.Repeat("a", 5000), ErrNameTooLong},
		{"-example.fr", ErrIDNA},
		{"example-.fr", ErrIDNA},
		{"xn--zz.fr", ErrIDNA},
		{"localhost", ErrSingleLabel},
		{"fr", ErrSingleLabel},
		{"FR.", ErrSingleLabel},
		{"gouv.fr", ErrPublicSuffix},
		{"co.uk", ErrPublicSuffix},
		{"https://GOUV.FR/", ErrPublicSuffix},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse(%q) = %+v, %v; want error %v", tt.in, got, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "target: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"example.fr", "https://Mairie-Évry.FR/contact", "[::1]:80", "gouv.fr", "xn--mairie-vry-h7a.fr", "a..b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := Parse(in)
		if err != nil {
			return
		}
		// What Parse accepts is a lower-case LDH name of at least two
		// labels, and parsing it again gives it back.
		if len(got.Domain) > 253 || strings.Count(got.Domain, ".") < 1 {
			t.Fatalf("Parse(%q).Domain = %q", in, got.Domain)
		}
		for i := 0; i < len(got.Domain); i++ {
			c := got.Domain[i]
			if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '.') {
				t.Fatalf("Parse(%q).Domain = %q: byte %q", in, got.Domain, c)
			}
		}
		if !utf8.ValidString(got.Unicode) {
			t.Fatalf("Parse(%q).Unicode = %q: not UTF-8", in, got.Unicode)
		}
		again, err := Parse(got.Domain)
		if err != nil {
			t.Fatalf("Parse(%q) accepted, Parse(%q) = %v", in, got.Domain, err)
		}
		if again.Domain != got.Domain || again.Registrable != got.Registrable {
			t.Fatalf("Parse(%q) = %+v, Parse(%q) = %+v", in, got, got.Domain, again)
		}
	})
}

// TestParseEscapedBytes: a URL escape that makes bytes that are no text
// is refused, not turned into a name that does not parse again.
func TestParseEscapedBytes(t *testing.T) {
	for _, in := range []string{"0000%800000.A", "https://mairie%ff.fr/"} {
		if tg, err := Parse(in); !errors.Is(err, ErrInvalidChar) {
			t.Errorf("Parse(%q) = %q, %v; want ErrInvalidChar", in, tg.Domain, err)
		}
	}
}
