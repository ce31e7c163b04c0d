package eol

import (
	"strings"
	"testing"
)

func TestLookup(t *testing.T) {
	tab := Default()
	for _, c := range []struct {
		product, version string
		want             string // Below of the entry, "" for none
	}{
		{"OpenSSH", "7.2p2", "7.4"},
		{"OpenSSH", "7.4p1", ""},
		{"OpenSSH", "9.2p1", ""},
		{"nginx", "1.22.1", "1.26"},
		{"nginx", "1.26.0", ""},
		{"Apache", "2.2.15", "2.4"},
		{"Apache", "2.4.62", ""},
		{"Microsoft-IIS", "6.0", "7.0"},
		{"Microsoft-IIS", "7.5", "8.0"},
		{"Microsoft-IIS", "8.5", "10.0"},
		{"Microsoft-IIS", "10.0", ""},
		{"PHP", "7.4.33", "8.2"},
		{"PHP", "8.3.1", ""},
		{"Microsoft Exchange (Outlook on the web)", "15.1.2507.6", "15.2.2562"},
		{"Microsoft Exchange (Outlook on the web)", "15.2.2562.17", ""},
		{"Microsoft SQL Server", "13.0.5026", "14"},
		{"Microsoft SQL Server", "16.0.1000", ""},
		{"nginx", "", ""},
		{"nginx", "garbage", ""},
		{"unknown", "1.0", ""},
	} {
		e := tab.Lookup(c.product, c.version)
		got := ""
		if e != nil {
			got = e.Below
		}
		if got != c.want {
			t.Errorf("Lookup(%q, %q) = %q, want %q", c.product, c.version, got, c.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{`, "unexpected end"},
		{`{"version": "1", "date": "x", "entries": [{"product": "a"}]}`, "required"},
		{`{"entries": []}`, "without version"},
		{`{"version": "1", "date": "x", "entries": [{"product": "a", "below": "x", "eol": "d", "source": "s", "checked": "c", "what": {"fr": "f", "en": "e"}}]}`, "not a version"},
	} {
		_, err := Parse([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%s) = %v, want %q", c.in, err, c.want)
		}
	}
}
