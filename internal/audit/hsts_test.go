package audit

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseHSTS(t *testing.T) {
	tests := []struct {
		in      string
		want    HSTSPolicy
		wantErr string
	}{
		{"max-age=31536000", HSTSPolicy{MaxAge: 31536000}, ""},
		{"max-age=63072000; includeSubDomains; preload", HSTSPolicy{MaxAge: 63072000, IncludeSubDomains: true, Preload: true}, ""},
		{"  MAX-AGE = 10 ;INCLUDESUBDOMAINS ; ", HSTSPolicy{MaxAge: 10, IncludeSubDomains: true}, ""},
		{`max-age="31536000"`, HSTSPolicy{MaxAge: 31536000}, ""},
		{"includeSubDomains; max-age=0", HSTSPolicy{MaxAge: 0, IncludeSubDomains: true}, ""},
		{";;max-age=5;;", HSTSPolicy{MaxAge: 5}, ""},
		{"max-age=5; unknown=\"x y\"; other", HSTSPolicy{MaxAge: 5}, ""},
		{"max-age=99999999999999999999999", HSTSPolicy{MaxAge: 1<<63 - 1}, ""},
		{"max-age=5; preload=yes", HSTSPolicy{MaxAge: 5, Preload: true}, ""},
		{"", HSTSPolicy{}, "no max-age directive"},
		{"includeSubDomains", HSTSPolicy{}, "no max-age directive"},
		{"max-age", HSTSPolicy{}, "max-age has no value"},
		{"max-age=", HSTSPolicy{}, "directive max-age: empty value"},
		{"max-age=-1", HSTSPolicy{}, `max-age "-1" is not a number of seconds`},
		{"max-age=1y", HSTSPolicy{}, `max-age "1y" is not a number of seconds`},
		{"max-age=1, max-age=2", HSTSPolicy{}, `directive max-age: value "1, max-age=2" is not a token`},
		{"max-age=1; max-age=2", HSTSPolicy{}, "directive max-age appears more than once"},
		{"max-age=1; includeSubDomains; includesubdomains", HSTSPolicy{}, "directive includesubdomains appears more than once"},
		{"max-age=1; includeSubDomains=true", HSTSPolicy{}, `includeSubDomains takes no value, got "true"`},
		{"max age=1", HSTSPolicy{}, `directive name "max age" is not a token`},
		{`max-age="1`, HSTSPolicy{}, `directive max-age: unterminated quoted string "1`},
		{`max-age="1"x`, HSTSPolicy{}, `directive max-age: text after quoted string "1"x`},
	}
	for _, tt := range tests {
		got, err := ParseHSTS(tt.in)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if gotErr != tt.wantErr {
			t.Errorf("ParseHSTS(%q) error = %q, want %q", tt.in, gotErr, tt.wantErr)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseHSTS(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func FuzzParseHSTS(f *testing.F) {
	f.Add("max-age=31536000; includeSubDomains; preload")
	f.Add(`max-age="1\"2"; x=y`)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseHSTS(s)
		if err != nil && p != (HSTSPolicy{}) {
			t.Errorf("ParseHSTS(%q) = %+v with error %v", s, p, err)
		}
		if p.MaxAge < 0 {
			t.Errorf("ParseHSTS(%q): negative max-age %d", s, p.MaxAge)
		}
	})
}
