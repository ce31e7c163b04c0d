package engine

import (
	"bufio"
	"context"
	"io"
	"net"
	"slices"
	"testing"

	"vigie.eu/vigie/internal/engine/enginetest"
	"vigie.eu/vigie/internal/probe/servicesprobe"
	"vigie.eu/vigie/internal/tcptest"
)

// TestAuditServices audits the lab's good site with the services probe
// on, against a Redis without a password on loopback, and without it.
func TestAuditServices(t *testing.T) {
	lab := enginetest.NewLab(t)
	redis := tcptest.Serve(t, "", func(_ context.Context, c net.Conn) {
		if line, _ := bufio.NewReader(c).ReadString('\n'); line != "INFO server\r\n" {
			return
		}
		io.WriteString(c, "$22\r\nredis_version:7.2.4\r\n\r\n")
	})
	cfg := labConfig(lab)
	cfg.Services = true
	cfg.ServicesPorts = []servicesprobe.Port{{Number: redis.(*net.TCPAddr).Port, Service: "redis"}}
	res := Audit(t.Context(), cfg, mustParse(t, "good.test"))
	if res.Error != "" {
		t.Fatalf("Error = %q", res.Error)
	}
	s := res.Observations.Services
	// 127.0.0.1 and ::1 (good.test has an AAAA), sorted; the fake
	// listens on the first only.
	if s == nil || s.Error != "" || len(s.Addresses) != 2 || len(s.Addresses[1].Open) != 0 {
		t.Fatalf("services observation = %+v", s)
	}
	a := s.Addresses[0]
	if a.Address != "127.0.0.1" || !slices.Contains(a.Names, "mx.good.test") || !slices.Contains(a.Names, "www.good.test") {
		t.Errorf("address %s, names %v: want 127.0.0.1 for the domain, www and the MX", a.Address, a.Names)
	}
	if len(a.Open) != 1 || !a.Open[0].NoAuth || a.Open[0].Version != "7.2.4" {
		t.Fatalf("open = %+v, want the Redis without a password", a.Open)
	}
	if !ids(res.Findings)["services.no_auth"] {
		t.Errorf("no services.no_auth finding: %v", ids(res.Findings))
	}
	var areas []string
	for _, ar := range res.Score.Areas {
		areas = append(areas, ar.Area)
	}
	if !slices.Contains(areas, "attack_surface") || res.Score.Grade != "F" {
		t.Errorf("score areas %v, grade %s: want the attack surface scored and the grade capped at F", areas, res.Score.Grade)
	}

	cfg.Services = false
	res = Audit(t.Context(), cfg, mustParse(t, "good.test"))
	if res.Observations.Services != nil || slices.Contains(res.Score.Unobserved, "attack_surface") {
		t.Errorf("without --services: services %+v, unobserved %v", res.Observations.Services, res.Score.Unobserved)
	}
}
