package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	iofs "io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/engine"
	"vigie.eu/vigie/internal/ondemand"
	"vigie.eu/vigie/internal/store"
	"vigie.eu/vigie/internal/target"
	"vigie.eu/vigie/internal/web"
)

// serveAbout is the help of "vigie serve" before its options.
var serveAbout = text{`Sert l'observatoire public : des pages lisibles sans JavaScript (en français,
en anglais par Accept-Language ou sous /en/), une API JSON sous /api/v1/
(décrite par /api/v1/openapi.json), des badges /badge/DOMAINE.svg et
/healthz. La base est ouverte en lecture seule (SQLite ou PostgreSQL) : une
campagne peut l'écrire pendant ce temps. Rien n'est chargé d'un autre site.
Ctrl-C ou SIGTERM arrête le serveur proprement.

Avec --on-demand, les visiteurs peuvent aussi faire auditer un domaine :
formulaire de l'accueil (POST /ondemand) ou POST /api/v1/audits. Les audits
passent par une file (--on-demand-parallel à la fois, --on-demand-queue en
attente au plus, puis « occupé, réessayez », 503 avec Retry-After), limitée
par client (--on-demand-rate par heure, par adresse IPv4 ou par /64 IPv6)
et par domaine (un domaine audité il y a moins de --on-demand-cooldown
renvoie cet audit). Chaque audit passe par le garde d'adresses : rien hors
de l'internet public, sauf --on-demand-allow-private (labos seulement). Le
résolveur, les ports, l'ancre de confiance et les plages autorisées de
l'opérateur ne paraissent jamais dans les résultats publics. La base est
alors ouverte en écriture (elle reçoit les audits à la demande).
`, `Serves the public observatory: pages that read without JavaScript (in
French, in English by Accept-Language or under /en/), a JSON API under
/api/v1/ (described by /api/v1/openapi.json), badges /badge/DOMAIN.svg and
/healthz. The database is opened read-only (SQLite or PostgreSQL): a
campaign may write it meanwhile. Nothing is loaded from another site.
Ctrl-C or SIGTERM stops the server cleanly.

With --on-demand, visitors may also have a domain audited: the home
page's form (POST /ondemand) or POST /api/v1/audits. Audits go through a
queue (--on-demand-parallel at once, at most --on-demand-queue waiting,
then "busy, retry later", 503 with Retry-After), limited per client
(--on-demand-rate per hour, per IPv4 address or IPv6 /64) and per domain
(a domain audited less than --on-demand-cooldown ago returns that audit).
Every audit goes through the address guard: nothing outside the public
internet, except --on-demand-allow-private (labs only). The operator's
resolver, ports, trust anchor and allowed ranges never appear in public
results. The database is then opened for writing (it receives the
on-demand audits).
`}

// serveNotes is the help of "vigie serve" after its options.
var serveNotes = text{`Codes de sortie :
  0  arrêté par Ctrl-C ou SIGTERM
  1  la base ne s'ouvre pas, l'adresse d'écoute est prise, le certificat
     ne se charge pas
  2  ligne de commande incorrecte
`, `Exit codes:
  0  stopped by Ctrl-C or SIGTERM
  1  the database does not open, the listen address is taken, the
     certificate does not load
  2  wrong command line
`}

// serveFlags are the options of "vigie serve" (and of "vigie demo").
type serveFlags struct {
	db, listen, cert, key, baseURL, contact, openData string
	// od are the on-demand options, of "vigie serve" only.
	od onDemandFlags
	// admin serves the operators' sign-in (vigie serve --admin).
	admin bool
}

// onDemandFlags are the options of on-demand audits.
type onDemandFlags struct {
	enabled                       bool
	parallel, queue, rate         int
	cooldown, timeout             time.Duration
	trustProxy                    bool
	allowPrivate                  []string
	resolver, trustAnchor         string
	httpPort, httpsPort, smtpPort int
}

func (f *onDemandFlags) register(fs *flag.FlagSet) {
	fs.BoolVar(&f.enabled, "on-demand", false, bi("laisse les visiteurs faire auditer un domaine (formulaire de l'accueil, POST /api/v1/audits) ; ouvre la base en écriture",
		"let visitors have a domain audited (the home page's form, POST /api/v1/audits); opens the database for writing"))
	fs.IntVar(&f.parallel, "on-demand-parallel", ondemand.DefaultParallel, bi("`N` audits à la demande menés à la fois", "`N` on-demand audits run at once"))
	fs.IntVar(&f.queue, "on-demand-queue", ondemand.DefaultQueue, bi("`N` demandes en attente au plus ; au-delà : « occupé, réessayez » (503)", "`N` requests waiting at most; beyond: \"busy, retry later\" (503)"))
	fs.DurationVar(&f.cooldown, "on-demand-cooldown", ondemand.DefaultCooldown, bi("`DURÉE` un domaine audité depuis moins longtemps renvoie cet audit au lieu d'un nouveau (0 : jamais)",
		"`DURATION` a domain audited less long ago returns that audit instead of a new one (0: never)"))
	fs.IntVar(&f.rate, "on-demand-rate", ondemand.DefaultRate, bi("`N` demandes par heure et par client (adresse IPv4, ou /64 IPv6) ; au-delà : 429",
		"`N` requests per hour and per client (IPv4 address, or IPv6 /64); beyond: 429"))
	fs.DurationVar(&f.timeout, "on-demand-timeout", ondemand.DefaultTimeout, bi("`DURÉE` délai d'un audit à la demande", "`DURATION` deadline of an on-demand audit"))
	fs.BoolVar(&f.trustProxy, "trust-proxy", false, bi("derrière un proxy inverse qui ajoute l'adresse du client à X-Forwarded-For : la limite par client compte cette adresse (la dernière de l'en-tête) ; sans proxy, laissez-le désactivé, car un client peut envoyer cet en-tête",
		"behind a reverse proxy that appends the client's address to X-Forwarded-For: the per-client limit counts that address (the header's last); without a proxy leave it off, as a client may send that header"))
	fs.Func("on-demand-allow-private", bi("`CIDR` les audits à la demande peuvent aussi joindre cette plage hors de l'internet public (répétable ; pour les labos seulement)",
		"`CIDR` on-demand audits may also reach this range outside the public internet (repeatable; for labs only)"), func(v string) error {
		f.allowPrivate = append(f.allowPrivate, v)
		return nil
	})
	fs.StringVar(&f.resolver, "resolver", "", bi("`HÔTE:PORT` serveur DNS des audits à la demande (par défaut, celui du système)", "`HOST:PORT` DNS server of the on-demand audits (default: the system's)"))
	fs.StringVar(&f.trustAnchor, "trust-anchor", "", bi("`FICHIER` ancre de confiance DNSSEC des audits à la demande (par défaut, les clés de la racine IANA)",
		"`FILE` DNSSEC trust anchor of the on-demand audits (default: the IANA root keys)"))
	fs.IntVar(&f.httpPort, "http-port", 80, bi("`N` port http:// des audits à la demande, pour les labos", "`N` http:// port of the on-demand audits, for labs"))
	fs.IntVar(&f.httpsPort, "https-port", 443, bi("`N` port https:// des audits à la demande, pour les labos", "`N` https:// port of the on-demand audits, for labs"))
	fs.IntVar(&f.smtpPort, "smtp-port", 25, bi("`N` port SMTP des audits à la demande, pour les labos", "`N` SMTP port of the on-demand audits, for labs"))
}

// check checks the on-demand options that need no I/O.
func (f *onDemandFlags) check(e *env) string {
	for _, n := range []struct {
		name string
		v    int
	}{{"--on-demand-parallel", f.parallel}, {"--on-demand-queue", f.queue}, {"--on-demand-rate", f.rate}} {
		if n.v < 1 {
			return fmt.Sprintf(e.t(text{"%s %d : au moins 1", "%s %d: want at least 1"}), n.name, n.v)
		}
	}
	if f.cooldown < 0 {
		return fmt.Sprintf(e.t(text{"--on-demand-cooldown %v : une durée positive ou nulle est attendue (10m)", "--on-demand-cooldown %v: want a duration of zero or more (10m)"}), f.cooldown)
	}
	if f.timeout <= 0 {
		return fmt.Sprintf(e.t(text{"--on-demand-timeout %v : une durée positive est attendue (30s)", "--on-demand-timeout %v: want a positive duration (30s)"}), f.timeout)
	}
	return ""
}

// queue makes the queue of on-demand audits, auditing with the engine
// as "vigie audit" does, through the address guard.
func (f *onDemandFlags) newQueue(e *env, st ondemand.Store, log *slog.Logger) (*ondemand.Queue, error) {
	af := &auditFlags{lang: "fr", timeout: f.timeout, httpPort: f.httpPort, httpsPort: f.httpsPort, smtpPort: f.smtpPort,
		parallel: 1, browserParallel: 1, allowPrivate: f.allowPrivate, resolver: f.resolver, trustAnchor: f.trustAnchor}
	cfg, err := auditConfig(e, af)
	if err != nil {
		// The flag of "vigie audit" is --on-demand-allow-private here.
		return nil, errors.New(strings.Replace(err.Error(), "--allow-private", "--on-demand-allow-private", 1))
	}
	roots, rootsName, err := engine.Roots()
	if err != nil {
		return nil, err
	}
	cfg.Roots, cfg.RootsName = roots, rootsName
	cooldown := f.cooldown
	if cooldown == 0 {
		cooldown = -1 // none
	}
	run := func(ctx context.Context, t target.Target) *audit.Result { return engine.Audit(ctx, cfg, t) }
	return ondemand.New(ondemand.Config{Parallel: f.parallel, Queue: f.queue, Cooldown: cooldown, Rate: f.rate,
		// The engine ends its probes at its deadline and judges what
		// they saw; the queue's budget leaves it time to.
		Timeout: f.timeout + 10*time.Second, Policy: cfg.AddressPolicy, Log: log}, st, run), nil
}

func (f *serveFlags) register(fs *flag.FlagSet, withDB bool) {
	if withDB {
		fs.StringVar(&f.db, "db", "", bi("`BASE` fichier SQLite ou URL postgres:// à servir (lue seulement, sauf avec --on-demand)", "`DB` SQLite file or postgres:// URL to serve (read only, unless --on-demand)"))
	}
	fs.StringVar(&f.listen, "listen", "127.0.0.1:8080", bi("`ADRESSE` où écouter (hôte:port)", "`ADDR` to listen on (host:port)"))
	fs.StringVar(&f.cert, "tls-cert", "", bi("`FICHIER` certificat TLS (PEM, chaîne comprise) : sert en HTTPS, avec HSTS", "`FILE` TLS certificate (PEM, with its chain): serves HTTPS, with HSTS"))
	fs.StringVar(&f.key, "tls-key", "", bi("`FICHIER` clé privée du certificat (PEM)", "`FILE` private key of the certificate (PEM)"))
	fs.StringVar(&f.baseURL, "base-url", "", bi("`URL` adresse publique du site (https://observatoire.example), pour les liens absolus", "`URL` public address of the site (https://observatory.example), for absolute links"))
	fs.StringVar(&f.contact, "security-contact", "", bi("`URL` contact de l'opérateur pour /.well-known/security.txt (mailto: ou https:)", "`URL` operator's contact for /.well-known/security.txt (mailto: or https:)"))
	fs.StringVar(&f.openData, "opendata", "", bi("`DOSSIER` fichiers écrits par « vigie export », servis sous /opendata/", "`DIR` files written by \"vigie export\", served under /opendata/"))
}

// check checks the options that need no I/O; it returns the message of
// the first wrong one.
func (f *serveFlags) check(e *env) string {
	if _, _, err := net.SplitHostPort(f.listen); err != nil {
		return fmt.Sprintf(e.t(text{"--listen « %s » : hôte:port attendu (127.0.0.1:8080, [::1]:8443)", "--listen %q: want host:port (127.0.0.1:8080, [::1]:8443)"}), f.listen)
	}
	if (f.cert == "") != (f.key == "") {
		return e.t(text{"--tls-cert et --tls-key vont ensemble", "--tls-cert and --tls-key go together"})
	}
	if f.baseURL != "" {
		u, err := url.Parse(f.baseURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Sprintf(e.t(text{"--base-url « %s » : une URL https:// (ou http://) sans requête attendue", "--base-url %q: want an https:// (or http://) URL without a query"}), f.baseURL)
		}
	}
	if c := f.contact; c != "" && (!strings.HasPrefix(c, "mailto:") && !strings.HasPrefix(c, "https://") || strings.ContainsAny(c, "\r\n")) {
		return fmt.Sprintf(e.t(text{"--security-contact « %s » : une adresse mailto: ou https:// attendue", "--security-contact %q: want a mailto: or https:// address"}), c)
	}
	if f.openData != "" {
		if fi, err := os.Stat(f.openData); err != nil || !fi.IsDir() {
			return fmt.Sprintf(e.t(text{"--opendata %s : pas un dossier", "--opendata %s: not a directory"}), f.openData)
		}
	}
	return ""
}

// runServe is "vigie serve".
func runServe(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f serveFlags
	f.register(fs, true)
	f.od.register(fs)
	fs.BoolVar(&f.admin, "admin", false, bi("sert la connexion des opérateurs (mot de passe et code à usage unique, « vigie admin create ») et leur journal sous /admin ; ouvre la base en écriture ; en HTTPS (--tls-cert), ou sur une adresse de bouclage",
		"serve the operators' sign-in (password and one-time code, \"vigie admin create\") and their log under /admin; opens the database for writing; over HTTPS (--tls-cert), or on a loopback address"))
	fs.String("lang", "fr", bi("`fr|en` langue des messages", "`fr|en` language of the messages"))
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return e.usage(fs)
		}
		e.errorf("%s", err)
		return exitUsage
	}
	if fs.NArg() > 0 {
		e.errorf(e.t(text{"« serve » ne prend pas d'argument : %s", "\"serve\" takes no argument: %s"}), strings.Join(fs.Args(), " "))
		return exitUsage
	}
	if f.db == "" {
		e.errorf(e.t(text{"--db est requis : le fichier SQLite ou l'URL postgres:// à servir", "--db is required: the SQLite file or postgres:// URL to serve"}))
		return exitUsage
	}
	if msg := f.check(e); msg != "" {
		e.errorf("%s", msg)
		return exitUsage
	}
	if msg := f.od.check(e); msg != "" {
		e.errorf("%s", msg)
		return exitUsage
	}
	if f.admin && f.cert == "" {
		// The session's __Host- cookie is Secure: a browser keeps it
		// over HTTPS, or from a loopback address.
		host, _, _ := net.SplitHostPort(f.listen)
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			e.errorf(e.t(text{"--admin sans --tls-cert : seulement sur une adresse de bouclage (127.0.0.1) ; les mots de passe ne passent pas en clair",
				"--admin without --tls-cert: only on a loopback address (127.0.0.1); passwords do not travel in clear"}))
			return exitUsage
		}
	}
	return serve(ctx, e, &f, nil)
}

// serve opens the store read-only and serves it until ctx ends. ready,
// when set, is called with the URL once the server listens.
func serve(ctx context.Context, e *env, f *serveFlags, ready func(url string)) int {
	start := time.Now()
	var st store.Store
	var err error
	if f.od.enabled || f.admin {
		// On-demand audits and the admin log are written to the store.
		st, err = store.Open(ctx, f.db)
	} else {
		st, err = openReadOnlyStore(ctx, e, f.db)
	}
	switch {
	case errors.Is(err, iofs.ErrNotExist):
		e.errorf(e.t(text{"pas de base %s : %s", "no database %s: %s"}), f.db, err)
		return exitFailed
	case err != nil:
		e.errorf("%s", err)
		return exitFailed
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	opt := web.Options{BaseURL: f.baseURL, TLS: f.cert != "", SecurityContact: f.contact, OpenDataDir: f.openData, Log: log, TrustProxy: f.od.trustProxy}
	if f.od.enabled {
		q, err := f.od.newQueue(e, st, log)
		if err != nil {
			e.errorf("serve: %v", err)
			return exitUsage
		}
		if len(f.od.allowPrivate) > 0 {
			e.errorf(e.t(text{"attention : les audits à la demande peuvent joindre %s, hors de l'internet public (--on-demand-allow-private, pour les labos seulement)",
				"warning: on-demand audits may reach %s, outside the public internet (--on-demand-allow-private, for labs only)"}), strings.Join(f.od.allowPrivate, ", "))
		}
		qctx, cancel := context.WithCancel(ctx)
		wait := q.Start(qctx)
		defer wait()
		defer cancel()
		opt.OnDemand = q
	}
	if f.admin {
		ops, ok := st.(store.Operators)
		if !ok {
			e.errorf(e.t(text{"--admin : cette base ne garde pas de comptes", "--admin: this store keeps no accounts"}))
			return exitFailed
		}
		opt.Operators = ops
	}
	srv, err := web.New(st, opt)
	if err != nil {
		e.errorf("%s", err)
		return exitFailed
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if f.cert != "" {
		cert, err := tls.LoadX509KeyPair(f.cert, f.key)
		if err != nil {
			e.errorf(e.t(text{"--tls-cert %s / --tls-key %s : %s", "--tls-cert %s / --tls-key %s: %s"}), f.cert, f.key, err)
			return exitFailed
		}
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		scheme = "https"
	}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		e.errorf(e.t(text{"--listen %s : impossible d'écouter : %s", "--listen %s: cannot listen: %s"}), f.listen, err)
		return exitFailed
	}
	u := scheme + "://" + ln.Addr().String() + "/"
	fmt.Fprintf(e.stdout, e.t(text{"vigie serve : %s (prêt en %d ms ; Ctrl-C pour arrêter)\n", "vigie serve: %s (ready in %d ms; Ctrl-C to stop)\n"}), u, time.Since(start).Milliseconds())
	if ready != nil {
		ready(u)
	}
	// The newest campaign's statistics, comparison and the search
	// index are computed while the site already answers.
	go func() {
		took, err := srv.Warm(ctx)
		if err != nil {
			if ctx.Err() == nil {
				log.Warn("warm-up failed: pages compute at first request", "error", err)
			}
			return
		}
		log.Info("warm-up done", "took", took.Round(time.Millisecond))
	}()
	errc := make(chan error, 1)
	go func() {
		if hs.TLSConfig != nil {
			errc <- hs.ServeTLS(ln, "", "")
		} else {
			errc <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-errc:
		e.errorf("%s", err)
		return exitFailed
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		hs.Close()
	}
	<-errc
	fmt.Fprintln(e.stdout, e.t(text{"vigie serve : arrêté", "vigie serve: stopped"}))
	return exitOK
}
