// Command spfeval is the vigie side of e2e/spf-diff.sh: it evaluates SPF
// policies with mailprobe.CheckHost, as a receiver would for a given
// sender address, asking one DNS server. It reads cases from its standard
// input, one a line:
//
//	CASE IP DOMAIN [SENDER]
//
// and writes "CASE RESULT LOOKUPS VOID REASON" for each, tab-separated.
// It is a test tool for developers, not a vigie command.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"strings"
	"time"

	"vigie.eu/vigie/internal/probe/dnsprobe"
	"vigie.eu/vigie/internal/probe/mailprobe"
)

func main() {
	server := flag.String("server", "", "host:port of the DNS server to ask (loopback only)")
	flag.Parse()
	if err := run(*server); err != nil {
		fmt.Fprintln(os.Stderr, "spfeval:", err)
		os.Exit(1)
	}
}

func run(server string) error {
	host := server
	if i := strings.LastIndexByte(server, ':'); i >= 0 {
		host = server[:i]
	}
	if a, err := netip.ParseAddr(host); err != nil || !a.IsLoopback() {
		return fmt.Errorf("-server %q: want a loopback host:port", server)
	}
	sc := bufio.NewScanner(os.Stdin)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Fields(sc.Text())
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(f) < 3 || len(f) > 4 {
			return fmt.Errorf("line %d: want CASE IP DOMAIN [SENDER], got %d fields", line, len(f))
		}
		ip, err := netip.ParseAddr(f[1])
		if err != nil {
			return fmt.Errorf("line %d: %v", line, err)
		}
		sender := ""
		if len(f) == 4 {
			sender = f[3]
		}
		// One prober per case: its cache must not carry answers over.
		p, err := dnsprobe.New(dnsprobe.Config{Server: server, Timeout: 2 * time.Second})
		if err != nil {
			return err
		}
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		v := mailprobe.CheckHost(ctx, p, ip, f[2], sender, "helo.spf.test")
		cancel()
		fmt.Printf("%s\t%s\t%d\t%d\t%s\n", f[0], v.Result, v.Lookups, v.VoidLookups, v.Reason)
	}
	return sc.Err()
}
