// Command status prints the DNSSEC status of one answer as vigie's
// validator sees it, for e2e/dnssec-diff.sh to compare with delv and
// unbound-host: "STATUS<TAB>REASON".
//
//	status -server 127.0.55.1:53 -anchors root.ds NAME TYPE
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/probe/dnsprobe"
)

func main() {
	server := flag.String("server", "", "host:port of the DNS server")
	anchors := flag.String("anchors", "", "file of DS or DNSKEY trust anchors")
	flag.Parse()
	if flag.NArg() != 2 {
		fmt.Fprintln(os.Stderr, "usage: status -server HOST:PORT -anchors FILE NAME TYPE")
		os.Exit(2)
	}
	text, err := os.ReadFile(*anchors)
	if err != nil {
		fmt.Fprintln(os.Stderr, "status:", err)
		os.Exit(1)
	}
	a, err := dnsprobe.ParseAnchors(string(text))
	if err != nil {
		fmt.Fprintln(os.Stderr, "status:", err)
		os.Exit(1)
	}
	qtype, ok := dns.StringToType[strings.ToUpper(flag.Arg(1))]
	if !ok {
		fmt.Fprintf(os.Stderr, "status: unknown type %q\n", flag.Arg(1))
		os.Exit(2)
	}
	p, err := dnsprobe.New(dnsprobe.Config{Server: *server, Anchors: a, AnchorName: *anchors, Timeout: time.Second})
	if err != nil {
		fmt.Fprintln(os.Stderr, "status:", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	obs := p.Validate(ctx, flag.Arg(0), qtype)
	fmt.Printf("%s\t%s\n", obs.Status, obs.Reason)
}
