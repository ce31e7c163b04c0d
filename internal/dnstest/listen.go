package dnstest

import (
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// udpReadBuffer is the receive buffer asked for the UDP socket: a lab's
// thousands of audits query one socket, and a larger buffer (up to
// net.core.rmem_max) loses fewer datagrams when the server falls behind.
const udpReadBuffer = 4 << 20

// Listen serves h over UDP and TCP on addr, a loopback "ip:port" (port 0
// picks a port free for both), and returns the address and a function
// that stops both servers and waits for them. Any address off loopback is
// refused.
func Listen(addr string, h dns.Handler) (string, func(), error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().IsLoopback() {
		return "", nil, fmt.Errorf("dnstest: %q is not a loopback address and port", addr)
	}
	var (
		pc net.PacketConn
		l  net.Listener
	)
	for range 20 {
		pc, err = net.ListenPacket("udp", addr)
		if err != nil {
			return "", nil, fmt.Errorf("dnstest: %w", err)
		}
		pc.(*net.UDPConn).SetReadBuffer(udpReadBuffer)
		l, err = net.Listen("tcp", pc.LocalAddr().String())
		if err == nil {
			break
		}
		pc.Close()
		if ap.Port() != 0 {
			return "", nil, fmt.Errorf("dnstest: %w", err)
		}
	}
	if err != nil {
		return "", nil, fmt.Errorf("dnstest: no free port for UDP and TCP: %w", err)
	}
	var started sync.WaitGroup
	started.Add(2)
	udp := &dns.Server{PacketConn: pc, Handler: h, NotifyStartedFunc: started.Done}
	tcp := &dns.Server{Listener: l, Handler: h, NotifyStartedFunc: started.Done,
		ReadTimeout: 10 * time.Second, IdleTimeout: func() time.Duration { return 10 * time.Second }}
	var wg sync.WaitGroup
	wg.Go(func() { udp.ActivateAndServe() })
	wg.Go(func() { tcp.ActivateAndServe() })
	started.Wait()
	stop := func() {
		udp.Shutdown()
		tcp.Shutdown()
		wg.Wait()
	}
	return pc.LocalAddr().String(), stop, nil
}
