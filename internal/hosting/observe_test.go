package hosting

import (
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/golden"
	"vigie.eu/vigie/internal/ipdata"
	"vigie.eu/vigie/internal/providers"
)

// TestObserve describes the observations of testdata/observe/*.observations.json
// with the IP data of testdata/ip-data and the embedded providers table,
// against the golden NAME.hosting.json.
func TestObserve(t *testing.T) {
	data, err := ipdata.LoadDir("testdata/ip-data")
	if err != nil {
		t.Fatal(err)
	}
	tab, err := providers.Load()
	if err != nil {
		t.Fatal(err)
	}
	d := Describer{Data: data, Table: tab}
	files, _ := filepath.Glob("testdata/observe/*.observations.json")
	if len(files) == 0 {
		t.Fatal("no fixture")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var o audit.Observations
			if err := json.Unmarshal(b, &o); err != nil {
				t.Fatal(err)
			}
			// Sources name the directory: keep the golden file free
			// of the checkout's path.
			h := d.Observe(&o, func(a netip.Addr) string {
				if a.IsLoopback() {
					return "loopback"
				}
				return ""
			})
			for i := range h.Sources {
				h.Sources[i].Name = filepath.Base(h.Sources[i].Name)
			}
			got, err := json.MarshalIndent(h, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.File(t, strings.TrimSuffix(f, ".observations.json")+".hosting.json", append(got, '\n'))
		})
	}
}

func TestIssuerOrganisation(t *testing.T) {
	for _, c := range []struct{ dn, want string }{
		{"CN=R3,O=Let's Encrypt,C=US", "Let's Encrypt"},
		{`CN=x,O=Exemple\, SA,C=FR`, "Exemple, SA"},
		{"CN=self", ""},
		{"", ""},
		{"O=" + strings.Repeat("a", 300), strings.Repeat("a", 128)},
	} {
		if got := IssuerOrganisation(c.dn); got != c.want {
			t.Errorf("IssuerOrganisation(%q) = %q, want %q", c.dn, got, c.want)
		}
	}
}

// An observation without DNS, mail, TLS nor HTTP describes nothing, and
// a nil one is nil.
func TestObserveEmpty(t *testing.T) {
	d := Describer{}
	if h := d.Observe(nil, nil); h != nil {
		t.Errorf("Observe(nil) = %+v", h)
	}
	h := d.Observe(&audit.Observations{Domain: "x.test"}, nil)
	if h == nil || len(h.Hosts) != 0 {
		t.Errorf("Observe(empty) = %+v", h)
	}
}
