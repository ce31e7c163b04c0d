package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkPages measures the handlers alone (no network), on the test
// store:
//
//	go test -run '^$' -bench Pages ./internal/web
func BenchmarkPages(b *testing.B) {
	st, _ := fixture(b)
	s, err := New(st, Options{})
	if err != nil {
		b.Fatal(err)
	}
	for _, target := range []string{"/", "/?q=mairie", "/org/26690027600016", "/badge/chu-lyon.test.svg", "/api/v1/organisations/26690027600016"} {
		b.Run(target, func(b *testing.B) {
			for b.Loop() {
				w := httptest.NewRecorder()
				s.ServeHTTP(w, httptest.NewRequest(http.MethodGet, target, nil))
				if w.Code != 200 {
					b.Fatalf("%s: status %d", target, w.Code)
				}
			}
		})
	}
}
