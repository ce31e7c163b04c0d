package export

import "testing"

func TestCheckMetadata(t *testing.T) {
	for _, tc := range []struct {
		m  Metadata
		ok bool
	}{
		{Metadata{}, true},
		{Metadata{ContactPoint: "mailto:csirt@example.test", Periodicity: "weekly", LandingPage: "https://data.example.test/"}, true},
		{Metadata{ContactPoint: "https://csirt.example.test/contact", Periodicity: "MONTHLY"}, true},
		{Metadata{ContactPoint: "csirt@example.test"}, false},
		{Metadata{ContactPoint: "mailto:"}, false},
		{Metadata{ContactPoint: "mailto:not an address"}, false},
		{Metadata{ContactPoint: "https:///contact"}, false},
		{Metadata{ContactPoint: "javascript:alert(1)"}, false},
		{Metadata{Periodicity: "SOMETIMES"}, false},
		{Metadata{LandingPage: "mailto:csirt@example.test"}, false},
		{Metadata{LandingPage: "data.example.test"}, false},
	} {
		if err := CheckMetadata(tc.m); (err == nil) != tc.ok {
			t.Errorf("CheckMetadata(%+v) = %v, want ok %v", tc.m, err, tc.ok)
		}
	}
}
