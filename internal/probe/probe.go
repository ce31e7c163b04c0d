// Package probe holds what the network probes (dnsprobe, tlsprobe,
// httpprobe) share: how a host name becomes addresses and a connection.
//
// Probes record what they see and never judge it; see internal/audit for
// the observations they fill.
package probe

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"vigie.eu/vigie/internal/guard"
)

// LookupFunc resolves a host name to its IP addresses. The engine passes
// one backed by the DNS probe's resolver, so that every probe of an audit
// sees the same DNS (the one given with --resolver).
type LookupFunc func(ctx context.Context, host string) ([]netip.Addr, error)

// SystemLookup resolves with the system's resolver.
func SystemLookup(ctx context.Context, host string) ([]netip.Addr, error) {
	return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
}

// Dialer opens TCP connections to host:port addresses, resolving host
// names with Lookup rather than with the system resolver. Every address
// it dials goes through Guard.
type Dialer struct {
	// Lookup resolves host names; nil means SystemLookup.
	Lookup LookupFunc
	// Guard checks each address dialled; nil refuses every address
	// that is not on the public internet (see package guard).
	Guard *guard.Guard
}

// DialContext connects to addr ("host:port"), trying each address of host
// in turn until one answers or ctx is done. IP literals are dialled as
// they are.
//
// DialContext is called by net/http in goroutines of its own, where no
// probe can recover a panic: a panic of Lookup is returned as an error.
func (d *Dialer) DialContext(ctx context.Context, network, addr string) (conn net.Conn, err error) {
	defer func() {
		if r := recover(); r != nil {
			conn, err = nil, fmt.Errorf("probe: dial %s: panic: %v", addr, r)
		}
	}()
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	addrs, err := d.Resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	nd := d.Guard.Dialer()
	var errs []error
	for _, a := range addrs {
		c, err := nd.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return c, nil
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// Resolve returns the addresses of host, IPv4 first, or host itself when
// it is an IP literal.
func (d *Dialer) Resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	lookup := d.Lookup
	if lookup == nil {
		lookup = SystemLookup
	}
	addrs, err := lookup(ctx, host)
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("no address for %s", host)
	}
	v4 := make([]netip.Addr, 0, len(addrs))
	var v6 []netip.Addr
	for _, a := range addrs {
		if a.Unmap().Is4() {
			v4 = append(v4, a.Unmap())
		} else {
			v6 = append(v6, a)
		}
	}
	return append(v4, v6...), nil
}

// HostPort joins a host and a port number.
func HostPort(host string, port int) string {
	return net.JoinHostPort(host, strconv.Itoa(port))
}
