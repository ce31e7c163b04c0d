package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/miekg/dns"

	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/hosting"
	"vigie.eu/vigie/internal/probe/dnsprobe"
	"vigie.eu/vigie/internal/providers"
)

// hostingAbout is the help of "vigie hosting" before its options.
var hostingAbout = text{`Dit ce que les données IP et la table des fournisseurs disent d'une ADRESSE,
ou des hôtes d'un DOMAINE : son site web (le domaine et www, avec leurs
CNAME), sa messagerie (chaque MX) et son DNS (chaque serveur de noms) :
pour chaque adresse, l'AS qui l'annonce et son organisation, le pays où
elle est enregistrée, le fournisseur, son siège et les droits qui le lient
(UE, droit américain : CLOUD Act, FISA). Les noms sont résolus par le
serveur DNS de --resolver, comme pour un audit ; rien n'est connecté aux
hôtes. Une adresse hors de l'internet public n'est décrite qu'avec
--allow-private. Données IP : RouteViews et DB-IP (https://db-ip.com),
CC BY 4.0 ; voir « vigie data ».
`, `Says what the IP data and the providers table say of an ADDRESS, or of a
DOMAIN's hosts: its web site (the domain and www, with their CNAMEs), its
mail (each MX) and its DNS (each name server): for each address, the AS
announcing it and its organisation, the country it is registered in, the
provider, its headquarters and the laws that bind it (EU, US law: CLOUD
Act, FISA). Names are resolved by the --resolver DNS server, as for an
audit; nothing connects to the hosts. An address outside the public
internet is described only with --allow-private. IP data: RouteViews and
DB-IP (https://db-ip.com), CC BY 4.0; see "vigie data".
`}

// hostingNotes are the exit codes of "vigie hosting".
var hostingNotes = text{`Codes de sortie : 0 tout est décrit, 1 une résolution a échoué, 2 ligne de
commande ou données IP invalides.
`, `Exit codes: 0 all described, 1 a lookup failed, 2 bad command line or IP
data.
`}

// Bounds on what one domain's description asks.
const (
	maxHostingHosts = 10 // MX hosts, name servers
	maxHostingArgs  = 100
)

// hostingHost is one host of a domain. JSON field names are published:
// append only.
type hostingHost struct {
	// Role is "web", "mail" or "dns".
	Role string `json:"role"`
	Name string `json:"name"`
	// CNAMEs are where the name's CNAME chain ends (its last target).
	CNAMEs []string `json:"cnames,omitempty"`
	// NameProvider is the provider the name (MX, NS) or a CNAME target
	// belongs to, by the table's patterns.
	NameProvider *hosting.Provider `json:"name_provider,omitempty"`
	Addresses    []hosting.Address `json:"addresses,omitempty"`
	Error        string            `json:"error,omitempty"`
}

// hostingResult is the description of one argument.
type hostingResult struct {
	Query   string           `json:"query"`
	Address *hosting.Address `json:"address,omitempty"`
	Hosts   []hostingHost    `json:"hosts,omitempty"`
	Error   string           `json:"error,omitempty"`
}

func runHosting(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("hosting", flag.ContinueOnError)
	var f auditFlags
	var asJSON bool
	var dir string
	var timeout time.Duration
	fs.BoolVar(&asJSON, "json", false, bi("un objet JSON par argument, un par ligne (champs query, address, hosts, error)", "one JSON object per argument, one per line (fields query, address, hosts, error)"))
	fs.StringVar(&dir, "ip-data", "", ipDataUsage)
	fs.StringVar(&f.resolver, "resolver", "", bi("`HÔTE:PORT` serveur DNS de toutes les résolutions (par défaut, celui du système)",
		"`HOST:PORT` DNS server for every lookup (default: the system's)"))
	fs.DurationVar(&timeout, "timeout", 10*time.Second, bi("`DURÉE` délai pour chaque argument", "`DURATION` deadline for each argument"))
	fs.Func("allow-private", bi("`CIDR` décrire aussi les adresses de cette plage hors de l'internet public (répétable ; pour les labos : 127.0.0.0/8)",
		"`CIDR` also describe the addresses of this range outside the public internet (repeatable; for labs: 127.0.0.0/8)"), func(v string) error {
		f.allowPrivate = append(f.allowPrivate, v)
		return nil
	})
	fs.StringVar(&f.lang, "lang", "fr", langUsage)
	fs.SetOutput(io.Discard)
	switch err := fs.Parse(args); {
	case errors.Is(err, flag.ErrHelp):
		return e.usage(fs)
	case err != nil:
		e.errorf("hosting: %v", err)
		return exitUsage
	case fs.NArg() == 0:
		e.errorf(e.t(text{"« hosting » attend au moins une ADRESSE ou un DOMAINE", "\"hosting\" wants at least one ADDRESS or DOMAIN"}))
		return exitUsage
	case fs.NArg() > maxHostingArgs:
		e.errorf(e.t(text{"« hosting » : au plus %d arguments", "\"hosting\": at most %d arguments"}), maxHostingArgs)
		return exitUsage
	case timeout <= 0:
		e.errorf(e.t(text{"--timeout %s : une durée positive est attendue", "--timeout %s: want a positive duration"}), timeout)
		return exitUsage
	}
	allow, err := parseAllowPrivate(e, f.allowPrivate)
	if err != nil {
		e.errorf("%v", err)
		return exitUsage
	}
	policy := guard.NewPolicy(allow...)
	server := ""
	if f.resolver != "" {
		if server, err = resolverAddr(f.resolver); err != nil {
			e.errorf(e.t(text{"--resolver « %s » : HÔTE:PORT attendu (127.0.0.1:53)", "--resolver %q: want HOST:PORT (127.0.0.1:53)"}), f.resolver)
			return exitUsage
		}
	}
	d, err := hosting.Load(dir)
	if err != nil {
		e.errorf(e.t(text{"données IP illisibles, rien n'est décrit : %v", "unreadable IP data, nothing described: %v"}), err)
		return exitUsage
	}
	code := exitOK
	for _, arg := range fs.Args() {
		res := describeArg(ctx, *d, policy, server, timeout, arg)
		if res.Error != "" || slices.ContainsFunc(res.Hosts, func(h hostingHost) bool { return h.Error != "" }) {
			code = exitFailed
		}
		if asJSON {
			b, err := json.Marshal(res)
			if err != nil {
				e.errorf("hosting: %v", err)
				return exitFailed
			}
			fmt.Fprintf(e.stdout, "%s\n", b)
			continue
		}
		writeHosting(e, res)
	}
	if !asJSON {
		// The credit that the AS data's licence (CC BY 4.0) requires.
		credit := d.Data.Sources[0].Name
		if s := d.Data.Sources[0]; s.Attribution != "" {
			credit = s.Attribution + ", " + s.License
		}
		fmt.Fprintf(e.stdout, e.t(text{"Données IP : %s ; table des fournisseurs %s.\n", "IP data: %s; providers table %s.\n"}), credit, d.Table.Version)
	}
	if ctx.Err() != nil {
		return exitInterrupt
	}
	return code
}

// describeArg describes one address or domain.
func describeArg(ctx context.Context, d hosting.Describer, policy *guard.Policy, server string, timeout time.Duration, arg string) hostingResult {
	res := hostingResult{Query: arg}
	if a, err := netip.ParseAddr(arg); err == nil {
		addr := d.Address(a, string(policy.Check(a)))
		res.Address = &addr
		return res
	}
	domain := strings.TrimSuffix(strings.ToLower(strings.TrimSpace(arg)), ".")
	if _, err := dns.IsDomainName(domain); !err || domain == "" || strings.ContainsAny(domain, " /\\@:") {
		res.Error = "not an address nor a domain name"
		return res
	}
	if err := policy.CheckName(domain); err != nil {
		res.Error = err.Error()
		return res
	}
	prober, err := dnsprobe.New(dnsprobe.Config{Server: server})
	if err != nil {
		res.Error = err.Error()
		return res
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	host := func(role, name, kind string) hostingHost {
		h := hostingHost{Role: role, Name: name}
		if kind != "" {
			h.NameProvider = d.Name(kind, name)
		}
		for _, qt := range []uint16{dns.TypeA, dns.TypeAAAA} {
			rrs, _, err := prober.Query(ctx, name, qt)
			if err != nil {
				h.Error = err.Error()
				continue
			}
			for _, rr := range rrs {
				// The probe follows the CNAME chain and returns
				// the records of its end: their owner is the
				// chain's last target.
				if t := strings.TrimSuffix(strings.ToLower(rr.Header().Name), "."); t != name && !slices.Contains(h.CNAMEs, t) {
					h.CNAMEs = append(h.CNAMEs, t)
					if h.NameProvider == nil {
						h.NameProvider = d.Name(providers.KindCNAME, t)
					}
				}
				switch rr := rr.(type) {
				case *dns.A:
					a, _ := netip.AddrFromSlice(rr.A.To4())
					h.Addresses = append(h.Addresses, d.Address(a, string(policy.Check(a))))
				case *dns.AAAA:
					a, _ := netip.AddrFromSlice(rr.AAAA)
					h.Addresses = append(h.Addresses, d.Address(a, string(policy.Check(a))))
				}
			}
		}
		return h
	}
	res.Hosts = append(res.Hosts, host("web", domain, ""), host("web", "www."+domain, ""))
	for _, q := range []struct {
		role, kind string
		qtype      uint16
	}{{"mail", providers.KindMX, dns.TypeMX}, {"dns", providers.KindNS, dns.TypeNS}} {
		rrs, _, err := prober.Query(ctx, domain, q.qtype)
		if err != nil {
			res.Hosts = append(res.Hosts, hostingHost{Role: q.role, Name: domain, Error: err.Error()})
			continue
		}
		var names []string
		for _, rr := range rrs {
			switch rr := rr.(type) {
			case *dns.MX:
				names = append(names, rr.Mx)
			case *dns.NS:
				names = append(names, rr.Ns)
			}
		}
		slices.Sort(names)
		for i, n := range slices.Compact(names) {
			n = strings.TrimSuffix(strings.ToLower(n), ".")
			if i == maxHostingHosts || n == "" {
				break
			}
			res.Hosts = append(res.Hosts, host(q.role, n, q.kind))
		}
	}
	return res
}

// writeHosting writes one description as text.
func writeHosting(e *env, res hostingResult) {
	fmt.Fprintln(e.stdout, res.Query)
	if res.Error != "" {
		fmt.Fprintf(e.stdout, e.t(text{"  erreur : %s\n", "  error: %s\n"}), res.Error)
	}
	if res.Address != nil {
		writeAddress(e, "  ", *res.Address)
	}
	roles := map[string]text{"web": {"web", "web"}, "mail": {"messagerie", "mail"}, "dns": {"DNS", "DNS"}}
	for _, h := range res.Hosts {
		fmt.Fprintf(e.stdout, "  %s %s", e.t(roles[h.Role]), h.Name)
		if len(h.CNAMEs) > 0 {
			fmt.Fprintf(e.stdout, " → %s", strings.Join(h.CNAMEs, " → "))
		}
		if p := h.NameProvider; p != nil {
			fmt.Fprintf(e.stdout, " [%s]", providerLine(e, p))
		}
		fmt.Fprintln(e.stdout)
		if h.Error != "" {
			fmt.Fprintf(e.stdout, e.t(text{"    erreur : %s\n", "    error: %s\n"}), h.Error)
		}
		for _, a := range h.Addresses {
			writeAddress(e, "    ", a)
		}
	}
}

func writeAddress(e *env, indent string, a hosting.Address) {
	fmt.Fprintf(e.stdout, "%s%s", indent, a.IP)
	switch {
	case a.Refused != "":
		fmt.Fprintf(e.stdout, e.t(text{" : hors de l'internet public (%s), non décrite sans --allow-private\n", ": outside the public internet (%s), not described without --allow-private\n"}), a.Refused)
		return
	case a.ASN == 0 && a.Country == "":
		fmt.Fprintln(e.stdout, e.t(text{" : inconnue des données IP", ": unknown to the IP data"}))
		return
	}
	if a.ASN != 0 {
		fmt.Fprintf(e.stdout, "  AS%d %s", a.ASN, a.ASOrg)
	}
	if a.Country != "" {
		fmt.Fprintf(e.stdout, e.t(text{", pays %s", ", country %s"}), a.Country)
	}
	if a.Provider != nil {
		fmt.Fprintf(e.stdout, " [%s]", providerLine(e, a.Provider))
	}
	fmt.Fprintln(e.stdout)
}

func providerLine(e *env, p *hosting.Provider) string {
	s := fmt.Sprintf(e.t(text{"%s, siège %s, droits %s", "%s, headquarters %s, laws %s"}), p.Name, p.Country, strings.Join(p.Jurisdictions, "+"))
	if p.Extraterritorial {
		s += e.t(text{", soumis à un droit extra-européen", ", bound by extra-European law"})
	}
	if len(p.Qualifications) > 0 {
		s += ", " + strings.Join(p.Qualifications, ", ")
	}
	return s
}
