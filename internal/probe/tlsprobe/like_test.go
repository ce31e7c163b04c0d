package tlsprobe

import (
	"reflect"
	"testing"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/tlstest"
)

// TestProbeLike: a second name on the same server takes the first
// name's enumeration, with its own handshake and verification, and
// costs six connections; an observation that the server's answers
// contradict, or of another address, is not taken, and the name is
// probed whole.
func TestProbeLike(t *testing.T) {
	srv := tlstest.NewServer(t, tlstest.Options{})
	g := guard.ForLab()
	cfg := Config{Lookup: loopback, Guard: g, Timeout: 5 * time.Second, Roots: srv.CA.Pool(), RootsName: "test CA"}
	first := Probe(t.Context(), cfg, "localhost", srv.Port)
	if first.Error != "" || len(first.Protocols) != len(versions) {
		t.Fatalf("first probe: %+v", first)
	}
	whole := total(g.Connections())

	g2 := guard.ForLab()
	cfg.Guard = g2
	same := ProbeLike(t.Context(), cfg, "localhost", srv.Port, func() *audit.TLSObservation { return first })
	if same.EnumeratedFrom != "localhost" || !reflect.DeepEqual(same.Protocols, first.Protocols) || !reflect.DeepEqual(same.Groups, first.Groups) {
		t.Errorf("same server: enumerated from %q, protocols equal %v", same.EnumeratedFrom, reflect.DeepEqual(same.Protocols, first.Protocols))
	}
	if same.Handshake == nil || same.Verification == nil || len(same.Certificates) == 0 {
		t.Errorf("same server: no handshake, chain or verification of its own: %+v", same)
	}
	if n := total(g2.Connections()); n != len(versions)+1 || n >= whole {
		t.Errorf("same server: %d connections, want %d (a hello per version and the handshake), against %d for the whole probe", n, len(versions)+1, whole)
	}

	for name, change := range map[string]func(o *audit.TLSObservation){
		"a version the server refuses": func(o *audit.TLSObservation) { o.Protocols[0].Accepted = true },
		"another certificate":          func(o *audit.TLSObservation) { o.Certificates[0].SHA256 = "00" },
		"another address":              func(o *audit.TLSObservation) { o.Address = "127.0.0.2:443" },
		"another first suite": func(o *audit.TLSObservation) {
			for i := range o.Protocols {
				if len(o.Protocols[i].Suites) > 1 {
					s := o.Protocols[i].Suites
					s[0], s[1] = s[1], s[0]
					yes := true
					o.Protocols[i].ServerOrder = &yes
				}
			}
		},
		"itself borrowed": func(o *audit.TLSObservation) { o.EnumeratedFrom = "elsewhere.test" },
	} {
		other := *first
		other.Protocols = append([]audit.TLSProtocol(nil), first.Protocols...)
		for i := range other.Protocols {
			other.Protocols[i].Suites = append([]audit.CipherSuite(nil), first.Protocols[i].Suites...)
		}
		other.Certificates = append([]audit.Certificate(nil), first.Certificates...)
		change(&other)
		got := ProbeLike(t.Context(), cfg, "localhost", srv.Port, func() *audit.TLSObservation { return &other })
		if got.EnumeratedFrom != "" || !reflect.DeepEqual(acceptedVersions(got), acceptedVersions(first)) {
			t.Errorf("%s: enumerated from %q, versions %v; want a whole probe (%v)", name, got.EnumeratedFrom, acceptedVersions(got), acceptedVersions(first))
		}
	}
	if got := ProbeLike(t.Context(), cfg, "localhost", srv.Port, func() *audit.TLSObservation { return nil }); got.EnumeratedFrom != "" || got.Error != "" {
		t.Errorf("no other observation: %+v, want a whole probe", got)
	}
}

func total(cs []audit.Connections) int {
	n := 0
	for _, c := range cs {
		n += c.Count
	}
	return n
}
