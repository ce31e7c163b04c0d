package providers

import (
	"net/url"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/language"
)

func country(t *testing.T, where, code string) {
	t.Helper()
	r, err := language.ParseRegion(code)
	if err != nil || !r.IsCountry() || r.String() != code {
		t.Errorf("%s: %q is not an ISO 3166-1 alpha-2 country code", where, code)
	}
}

// TestTableValid checks every entry of the embedded table.
func TestTableValid(t *testing.T) {
	tab, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tab.History); n == 0 || tab.History[n-1].Version != tab.Version {
		t.Errorf("the last history entry is not the table's version %q", tab.Version)
	}
	for _, l := range tab.Laws {
		if l.Jurisdiction != "EU" {
			country(t, "law "+l.ID, l.Jurisdiction)
		}
		if !slices.Contains([]string{ClassEU, ClassAdequacy, ClassExtraterritorial}, l.Class) {
			t.Errorf("law %s: class %q", l.ID, l.Class)
		}
		if (l.Class == ClassEU) != (l.Jurisdiction == "EU") {
			t.Errorf("law %s: class %q for jurisdiction %s", l.ID, l.Class, l.Jurisdiction)
		}
		if l.Name.FR == "" || l.Name.EN == "" || !httpsURL(l.Source) {
			t.Errorf("law %s: a name in French and English and an https source are required", l.ID)
		}
	}
	ids := map[string]bool{}
	patterns := map[Name]string{}
	for _, p := range tab.Providers {
		if p.ID == "" || ids[p.ID] {
			t.Errorf("provider id %q empty or repeated", p.ID)
		}
		ids[p.ID] = true
		country(t, p.ID+" country", p.Country)
		country(t, p.ID+" parent_country", p.ParentCountry)
		if p.Name == "" || p.Parent == "" {
			t.Errorf("%s: no name or parent", p.ID)
		}
		if len(p.Sources) == 0 {
			t.Errorf("%s: no source", p.ID)
		}
		for _, s := range p.Sources {
			if !httpsURL(s) {
				t.Errorf("%s: source %q is not an https URL", p.ID, s)
			}
		}
		if len(p.Laws) == 0 {
			t.Errorf("%s: no law", p.ID)
		}
		if len(p.ASNs) == 0 && len(p.Names) == 0 {
			t.Errorf("%s: neither AS numbers nor name patterns: nothing can match it", p.ID)
		}
		for _, k := range p.Kinds {
			if !slices.Contains([]string{"hosting", "mail", "dns", "cdn", "ca"}, k) {
				t.Errorf("%s: kind %q", p.ID, k)
			}
		}
		for _, q := range p.Qualifications {
			if q != "SecNumCloud" && q != "HDS" {
				t.Errorf("%s: qualification %q", p.ID, q)
			}
		}
		// The headquarters' law binds the provider: a US company is
		// under US law, an EU one under EU law.
		if p.Country == "US" && !tab.Extraterritorial(&p) {
			t.Errorf("%s: headquartered in the US, but no US law", p.ID)
		}
		for _, n := range p.Names {
			if !slices.Contains([]string{KindMX, KindNS, KindCNAME, KindIssuer, KindHost}, n.Kind) || n.Pattern == "" {
				t.Errorf("%s: name %+v", p.ID, n)
			}
			if n.Kind != KindIssuer {
				for i, l := range strings.Split(n.Pattern, ".") {
					if l == "" || l == "*" && i > 0 {
						t.Errorf("%s: pattern %q: an empty label, or \"*\" as a whole label not first", p.ID, n.Pattern)
					}
				}
			}
			k := Name{n.Kind, strings.ToLower(n.Pattern)}
			if q, ok := patterns[k]; ok {
				t.Errorf("%s: pattern %+v already in %s", p.ID, n, q)
			}
			patterns[k] = p.ID
		}
	}
	// At least the providers the issue lists.
	for _, id := range []string{"ovhcloud", "scaleway", "outscale", "orange", "sfr", "bouygues", "free", "gandi", "o2switch", "ikoula", "hetzner", "ionos", "infomaniak", "aws", "microsoft", "google", "cloudflare", "akamai", "fastly", "oracle", "alibaba"} {
		if !ids[id] {
			t.Errorf("no provider %q", id)
		}
	}
}

func httpsURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme == "https" && u.Host != ""
}

func TestParseErrors(t *testing.T) {
	for _, c := range []struct{ name, json, want string }{
		{"duplicate AS", `{"laws":[{"id":"l"}],"providers":[{"id":"a","laws":["l"],"asns":[1]},{"id":"b","laws":["l"],"asns":[1]}]}`, "AS1 in a and b"},
		{"unknown law", `{"providers":[{"id":"a","laws":["nope"]}]}`, `a: unknown law "nope"`},
		{"syntax", `{"providers":[`, "providers: unexpected end"},
	} {
		if _, err := Parse([]byte(c.json)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func TestMatch(t *testing.T) {
	tab, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ kind, name, want string }{
		{KindMX, "example-fr.mail.protection.outlook.com.", "microsoft"},
		{KindMX, "EXAMPLE-FR.MAIL.PROTECTION.OUTLOOK.COM", "microsoft"},
		{KindMX, "aspmx.l.google.com", "google"},
		{KindHost, "fonts.googleapis.com", "google"},
		{KindHost, "www.googletagmanager.com", "google"},
		{KindMX, "alt1.aspmx.l.google.com", "google"},
		{KindMX, "mx1.mail.ovh.net", "ovhcloud"},
		{KindMX, "spool.mail.gandi.net", "gandi"},
		{KindNS, "ns-1234.awsdns-12.org", "aws"},
		{KindNS, "dns200.anycast.me", ""},
		{KindNS, "ns1.google.com", "google"},
		{KindNS, "lola.ns.cloudflare.com", "cloudflare"},
		{KindNS, "ns.cloudflare.com", ""}, // "*" is one label or more
		{KindNS, "evilovh.net", ""},
		{KindCNAME, "d1234.cloudfront.net", "aws"},
		{KindCNAME, "www.example.fr.edgekey.net", "akamai"},
		{KindIssuer, "Let's Encrypt", "letsencrypt"},
		{KindIssuer, "Google Trust Services LLC", "google"},
		{KindIssuer, "DigiCert Inc", "digicert"},
		{KindIssuer, "Example CA", ""},
		{KindMX, "", ""},
	} {
		got := ""
		if p := tab.ByName(c.kind, c.name); p != nil {
			got = p.ID
		}
		if got != c.want {
			t.Errorf("ByName(%s, %q) = %q, want %q", c.kind, c.name, got, c.want)
		}
	}
	for n, want := range map[uint32]string{16276: "ovhcloud", 15169: "google", 8075: "microsoft", 12876: "scaleway", 64500: ""} {
		got := ""
		if p := tab.ByASN(n); p != nil {
			got = p.ID
		}
		if got != want {
			t.Errorf("ByASN(%d) = %q, want %q", n, got, want)
		}
	}
	g := tab.ByASN(15169)
	if j := tab.Jurisdictions(g); !slices.Equal(j, []string{"US", "EU"}) || !tab.Extraterritorial(g) {
		t.Errorf("Google: jurisdictions %v, extraterritorial %v", j, tab.Extraterritorial(g))
	}
	o := tab.ByASN(16276)
	if j := tab.Jurisdictions(o); !slices.Equal(j, []string{"EU"}) || tab.Extraterritorial(o) {
		t.Errorf("OVHcloud: jurisdictions %v, extraterritorial %v", j, tab.Extraterritorial(o))
	}
}
