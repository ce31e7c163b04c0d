// Package dnstest provides an authoritative DNS server for tests, in the
// spirit of net/http/httptest: the test writes zones as an operator writes
// them, and the server answers for them on 127.0.0.1, over UDP and TCP.
//
//	srv := dnstest.NewServer(t, `
//		example.test.        300 IN SOA ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 300
//		example.test.        300 IN NS  ns1.example.test.
//		example.test.        300 IN TXT "v=spf1 -all"
//	`)
//	// ask srv.Addr
//
// The server can sign its zones (see Signed) so that DNSSEC validators can
// be tested from a trust anchor the test owns (Server.Anchors), and it can
// misbehave on purpose (Silent, Garbage, Truncated, ExpiredSignatures,
// BrokenSignatures, WrongDS, Modify).
//
// The server is an Authority, which is also the name server of the lab
// (internal/lab), built from records rather than text for tens of
// thousands of zones and served with Listen. Like net/http/httptest, the
// package does not import testing, so that the vigie binary may link it;
// NewServer and Serve take a TB, which every testing.TB is.
//
// It is a fake, not a name server: no wildcard synthesis, no zone
// transfers, no NSEC3, no ANY. It only ever listens on loopback.
package dnstest

import (
	"context"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/tcptest"
)

// TB is the part of testing.TB that NewServer and Serve use; every
// testing.TB is one.
type TB = tcptest.TB

// Server is a running authoritative test server.
type Server struct {
	// Addr is the address the server listens on, "127.0.0.1:PORT", for
	// both UDP and TCP.
	Addr string
	*Authority
}

// NewServer parses zone (see ParseZones), builds an Authority for it with
// opts, and serves it on a random port of 127.0.0.1 until the test ends.
// Any error fails the test.
func NewServer(t TB, zone string, opts ...Option) *Server {
	t.Helper()
	rrs, err := ParseZones(zone)
	if err != nil {
		t.Fatalf("dnstest: %v", err)
	}
	a, err := NewAuthority(context.Background(), rrs, opts...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return &Server{Addr: Serve(t, a), Authority: a}
}

// Serve serves h over UDP and TCP on one random port of 127.0.0.1, until
// the test ends, and returns the address. Any error fails the test.
func Serve(t TB, h dns.Handler) string {
	t.Helper()
	addr, stop, err := Listen("127.0.0.1:0", h)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(stop)
	return addr
}
