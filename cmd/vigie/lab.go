package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/lab"
	"vigie.eu/vigie/internal/netdelay"
)

// labAbout and labNotes are the help of "vigie lab" around its options.
var (
	labAbout = text{`Démarre un parc simulé de N organisations sur l'interface locale, au
premier plan jusqu'à Ctrl-C : chacune a un domaine sous test., sa propre
adresse 127.x.y.z (ou une adresse partagée chez un hébergeur), une zone
dans le serveur DNS du labo (signée ou non, sous une racine signée), des
serveurs HTTPS, HTTP et SMTP et des certificats de l'autorité du labo, avec
un mélange de bonnes et de mauvaises configurations tiré de la graine. Il
écrit dans DOSSIER :

  targets.csv   les organisations, pour « vigie campaign run --targets »
  changes.csv   ce qui a changé depuis la semaine 0 (avec --week)
  resolver.txt  l'adresse du serveur DNS, pour --resolver
  ca.pem        l'autorité du labo, pour SSL_CERT_FILE
  root.ds       l'ancre de confiance DNSSEC, pour --trust-anchor
  ip-data/      les AS de fournisseurs réels des adresses du labo, pour --ip-data
  connections.tsv  à l'arrêt : les connexions TCP reçues, par adresse et port

et affiche la commande qui lance une campagne sur le labo. Rien n'écoute
hors de 127.0.0.0/8. Les ports sous 1024 et les nombreux fichiers ouverts
demandent root : sinon, donnez d'autres ports et moins d'organisations.

Avec --rtt, chaque serveur répond comme à travers un réseau : ouvrir une
connexion coûte un aller-retour, chaque octet met un demi aller-retour dans
chaque sens, chaque requête DNS un aller-retour (--jitter ajoute un écart
tiré au hasard, l'ordre des octets est gardé).
`, `Starts a simulated estate of N organisations on loopback, in the
foreground until Ctrl-C: each one has a domain under test., its own
127.x.y.z address (or one shared at a hosting provider), a zone in the
lab's DNS server (signed or not, under a signed root), HTTPS, HTTP and SMTP
servers and certificates from the lab's CA, with a mix of good and bad
configurations drawn from the seed. It writes in DIR:

  targets.csv   the organisations, for "vigie campaign run --targets"
  changes.csv   what changed since week 0 (with --week)
  resolver.txt  the DNS server's address, for --resolver
  ca.pem        the lab's CA, for SSL_CERT_FILE
  root.ds       the DNSSEC trust anchor, for --trust-anchor
  ip-data/      real providers' AS numbers for the lab's addresses, for --ip-data
  connections.tsv  when stopped: the TCP connections received, per address and port

and prints the command that runs a campaign against the lab. Nothing
listens beyond 127.0.0.0/8. Ports below 1024 and many open files need
root: otherwise give other ports and fewer organisations.

With --rtt, every server answers as across a network: opening a connection
costs a round trip, each byte takes half a round trip each way, each DNS
query a round trip (--jitter adds a random spread; bytes stay in order).
`}
	labNotes = text{`Codes de sortie :
  0    le labo a tourné et a été arrêté (Ctrl-C, SIGTERM)
  1    le labo n'a pas pu démarrer
  2    erreur d'utilisation
`, `Exit codes:
  0    the lab ran and was stopped (Ctrl-C, SIGTERM)
  1    the lab could not start
  2    usage error
`}
)

func runLab(ctx context.Context, e *env, args []string) int {
	tuneGC(labMemory)
	fs := flag.NewFlagSet("lab", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var (
		orgs, week                    int
		seed                          int64
		dir, dnsAddr, base, langFlag  string
		httpPort, httpsPort, smtpPort int
		rtt, jitter                   time.Duration
		pages                         bool
	)
	fs.IntVar(&orgs, "orgs", 0, bi("`N` nombre d'organisations (de 1 à 50000)", "`N` number of organisations (1 to 50000)"))
	fs.Int64Var(&seed, "seed", 1, bi("`S` graine du tirage : même graine, même parc", "`S` seed of the draw: the same seed, the same estate"))
	fs.IntVar(&week, "week", 0, bi("`N` le parc N semaines plus tard : chaque semaine, 8 % environ des organisations changent leurs en-têtes, leur politique DMARC, leur redirection vers HTTPS ou leur certificat, en mieux ou en pire ; mêmes organisations, pour « vigie campaign compare »",
		"`N` the estate N weeks later: each week, about 8% of the organisations change their headers, DMARC policy, redirection to HTTPS or certificate, for better or worse; the same organisations, for \"vigie campaign compare\""))
	fs.StringVar(&dir, "dir", "vigie-lab", bi("`DOSSIER` où écrire les fichiers", "`DIR` where to write the files"))
	fs.StringVar(&dnsAddr, "dns", lab.DefaultDNS, bi("`HÔTE:PORT` adresse du serveur DNS", "`HOST:PORT` address of the DNS server"))
	fs.StringVar(&base, "base", lab.DefaultBase, bi("`ADRESSE` première adresse attribuée", "`ADDRESS` first address given out"))
	fs.IntVar(&httpPort, "http-port", 80, bi("`N` port des serveurs web", "`N` port of the web servers"))
	fs.IntVar(&httpsPort, "https-port", 443, bi("`N` port des serveurs HTTPS", "`N` port of the HTTPS servers"))
	fs.IntVar(&smtpPort, "smtp-port", 25, bi("`N` port des serveurs de messagerie", "`N` port of the mail servers"))
	fs.DurationVar(&rtt, "rtt", 0, bi("`DURÉE` temps d'aller-retour simulé de chaque serveur (par exemple 50ms ; 0 : aucun)", "`DURATION` simulated round-trip time of every server (for example 50ms; 0: none)"))
	fs.DurationVar(&jitter, "jitter", 0, bi("`DURÉE` écart aléatoire ajouté à chaque aller-retour (par exemple 5ms)", "`DURATION` random spread added to each round trip (for example 5ms)"))
	fs.BoolVar(&pages, "pages", false, bi("donne aux organisations en HTTPS des pages d'accueil pour « vigie audit --browser » (traceurs et cookie avant consentement, gestionnaire de consentement, page sobre, page sans fin, page qui plante, page de 50 Mo ; liste dans pages.tsv) et sert leurs tiers sous leurs vrais noms (www.googletagmanager.com…), résolus et signés par le labo",
		"give the HTTPS organisations home pages for \"vigie audit --browser\" (trackers and a cookie before consent, a consent manager, a lean page, a page that never ends, one that crashes, one of 50 MB; listed in pages.tsv) and serve their third parties under their real names (www.googletagmanager.com...), resolved and signed by the lab"))
	fs.StringVar(&langFlag, "lang", defaultLang, langUsage)
	usageErr := func(format string, a ...any) int {
		e.errorf(format, a...)
		e.errorf("%s", e.t(text{"voir « vigie help lab »", "see \"vigie help lab\""}))
		return exitUsage
	}
	if err := e.parseFlags(fs, args); err != nil {
		if err == flag.ErrHelp {
			return e.usage(fs)
		}
		return usageErr("%s", err)
	}
	if fs.NArg() > 0 {
		return usageErr(e.t(text{"argument inattendu « %s »", "unexpected argument %q"}), fs.Arg(0))
	}
	if orgs < 1 || orgs > 50000 {
		return usageErr(e.t(text{"--orgs %d : un nombre de 1 à 50000 est attendu", "--orgs %d: want a number from 1 to 50000"}), orgs)
	}
	if week < 0 {
		return usageErr(e.t(text{"--week %d : 0 ou plus est attendu", "--week %d: want 0 or more"}), week)
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--rtt", rtt}, {"--jitter", jitter}} {
		if d.v < 0 || d.v > 10*time.Second {
			return usageErr(e.t(text{"%s %v : une durée de 0 à 10s est attendue", "%s %v: want a duration from 0 to 10s"}), d.name, d.v)
		}
	}
	baseAddr, err := netip.ParseAddr(base)
	if err != nil || !baseAddr.Is4() || !baseAddr.IsLoopback() {
		return usageErr(e.t(text{"--base %q : une adresse de 127.0.0.0/8 est attendue", "--base %q: want an address in 127.0.0.0/8"}), base)
	}
	for _, p := range []struct {
		name string
		v    int
	}{{"--http-port", httpPort}, {"--https-port", httpsPort}, {"--smtp-port", smtpPort}} {
		if p.v < 1 || p.v > 65535 {
			return usageErr(e.t(text{"%s %d : un port de 1 à 65535 est attendu", "%s %d: want a port from 1 to 65535"}), p.name, p.v)
		}
	}

	fmt.Fprintf(e.stderr, e.t(text{"vigie : démarrage du labo de %d organisations (graine %d)…\n", "vigie: starting a lab of %d organisations (seed %d)…\n"}), orgs, seed)
	start := time.Now()
	l, err := lab.Start(ctx, lab.Config{N: orgs, Seed: seed, Week: week, Dir: dir, BaseAddr: baseAddr, DNSAddr: dnsAddr,
		HTTPPort: httpPort, HTTPSPort: httpsPort, SMTPPort: smtpPort, Delay: netdelay.Delay{RTT: rtt, Jitter: jitter}, Pages: pages})
	if err != nil {
		if ctx.Err() != nil {
			return exitOK
		}
		e.errorf("%v", err)
		return exitFailed
	}
	defer l.Close()
	// Building and signing the zones left garbage behind: give it
	// back before the campaign's measurements start.
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	f := func(name string) string { return filepath.Join(abs, name) }
	fmt.Fprintf(e.stdout, e.t(text{
		"Labo prêt en %s s : %d organisations sur %d adresses, %d sockets d'écoute, %d Mio de mémoire (Go).\n",
		"Lab ready in %s s: %d organisations on %d addresses, %d listening sockets, %d MiB of memory (Go).\n"}),
		audit.Decimal(time.Since(start).Seconds(), 1, e.lang), len(l.Orgs), l.Addresses, l.Listeners, (ms.HeapInuse+ms.StackInuse)>>20)
	if l.Shared {
		fmt.Fprint(e.stdout, e.t(text{
			"(une socket d'écoute par port sur l'interface lo : la limite de fichiers ouverts ne permet pas une socket par adresse)\n",
			"(one listening socket per port on the lo interface: the limit on open files does not allow one per address)\n"}))
	}
	if rtt > 0 || jitter > 0 {
		fmt.Fprintf(e.stdout, e.t(text{"Réseau simulé : aller-retour de %v, écart de %v.\n", "Simulated network: %v round trip, %v jitter.\n"}), rtt, jitter)
	}
	if week > 0 {
		changed := 0
		for _, o := range l.Orgs {
			if len(o.Changes) > 0 {
				changed++
			}
		}
		fmt.Fprintf(e.stdout, e.t(text{"Semaine %d : %d organisations ont changé depuis la semaine 0 (%s).\n", "Week %d: %d organisations changed since week 0 (%s).\n"}),
			week, changed, f(lab.ChangesFile))
	}
	fmt.Fprintf(e.stdout, "  %-13s %s\n  %-13s %s\n  %-13s %s\n  %-13s %s\n",
		lab.TargetsFile, f(lab.TargetsFile), lab.ResolverFile+":", l.Resolver, lab.CAFile, f(lab.CAFile), lab.AnchorFile, f(lab.AnchorFile))
	cmd := []string{"SSL_CERT_FILE=" + f(lab.CAFile), "vigie", "campaign", "run", "--targets", f(lab.TargetsFile), "--db", "vigie.db",
		"--resolver", l.Resolver, "--trust-anchor", f(lab.AnchorFile), "--allow-private", guard.LoopbackRange.String(), "--canary", lab.Canary}
	for _, p := range []struct {
		name   string
		v, def int
	}{{"--http-port", httpPort, 80}, {"--https-port", httpsPort, 443}, {"--smtp-port", smtpPort, 25}} {
		if p.v != p.def {
			cmd = append(cmd, p.name, strconv.Itoa(p.v))
		}
	}
	fmt.Fprintf(e.stdout, e.t(text{"\nPour auditer le labo :\n  %s\n", "\nTo audit the lab:\n  %s\n"}),
		strings.Join(cmd, " "))
	example := ""
	if len(l.Orgs) > 0 {
		example = " " + l.Orgs[0].Domain
	}
	fmt.Fprintf(e.stdout, e.t(text{"Pour voir qui héberge une organisation :\n  vigie hosting --resolver %s --allow-private %s --ip-data %s%s\n\nCtrl-C arrête le labo.\n",
		"To see who hosts an organisation:\n  vigie hosting --resolver %s --allow-private %s --ip-data %s%s\n\nCtrl-C stops the lab.\n"}),
		l.Resolver, guard.LoopbackRange.String(), f(lab.IPDataDir), example)
	// SIGHUP writes the peaks of web connections since the last one,
	// and counts again: one file per campaign of a test.
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
wait:
	for {
		select {
		case <-ctx.Done():
			break wait
		case <-hup:
			if err := writePeaks(f(lab.PeaksFile), l.WebPeaks(true)); err != nil {
				e.errorf("%v", err)
			}
		}
	}
	l.Close()
	if err := writeConnections(f(lab.ConnectionsFile), l.Connections()); err != nil {
		e.errorf("%v", err)
	}
	if err := writePeaks(f(lab.PeaksFile), l.WebPeaks(false)); err != nil {
		e.errorf("%v", err)
	}
	fmt.Fprint(e.stderr, e.t(text{"vigie : labo arrêté\n", "vigie: lab stopped\n"}))
	return exitOK
}

// writePeaks writes the most web connections open at once per address,
// most first: "address<TAB>peak". It replaces the file atomically.
func writePeaks(name string, m map[netip.Addr]int64) error {
	as := make([]netip.Addr, 0, len(m))
	for a := range m {
		as = append(as, a)
	}
	slices.SortFunc(as, func(a, b netip.Addr) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return a.Compare(b)
	})
	var b strings.Builder
	b.WriteString("address\tpeak\n")
	for _, a := range as {
		fmt.Fprintf(&b, "%s\t%d\n", a, m[a])
	}
	if err := os.WriteFile(name+".tmp", []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(name+".tmp", name)
}

// writeConnections writes the connections the lab accepted per address
// and port, most first: "address<TAB>port<TAB>connections".
func writeConnections(name string, m map[netip.AddrPort]int64) error {
	aps := make([]netip.AddrPort, 0, len(m))
	for ap := range m {
		aps = append(aps, ap)
	}
	slices.SortFunc(aps, func(a, b netip.AddrPort) int {
		if c := cmp.Compare(m[b], m[a]); c != 0 {
			return c
		}
		return a.Compare(b)
	})
	var b strings.Builder
	b.WriteString("address\tport\tconnections\n")
	for _, ap := range aps {
		fmt.Fprintf(&b, "%s\t%d\t%d\n", ap.Addr(), ap.Port(), m[ap])
	}
	return os.WriteFile(name, []byte(b.String()), 0o644)
}
