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

	"vigie.eu/vigie/internal/web"
)

// serveAbout is the help of "vigie serve" before its options.
var serveAbout = text{`Sert l'observatoire public : des pages lisibles sans JavaScript (en français,
en anglais par Accept-Language ou sous /en/), une API JSON sous /api/v1/
(décrite par /api/v1/openapi.json), des badges /badge/DOMAINE.svg et
/healthz. La base est ouverte en lecture seule (SQLite ou PostgreSQL) : une
campagne peut l'écrire pendant ce temps. Rien n'est chargé d'un autre site.
Ctrl-C ou SIGTERM arrête le serveur proprement.
`, `Serves the public observatory: pages that read without JavaScript (in
French, in English by Accept-Language or under /en/), a JSON API under
/api/v1/ (described by /api/v1/openapi.json), badges /badge/DOMAIN.svg and
/healthz. The database is opened read-only (SQLite or PostgreSQL): a
campaign may write it meanwhile. Nothing is loaded from another site.
Ctrl-C or SIGTERM stops the server cleanly.
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
}

func (f *serveFlags) register(fs *flag.FlagSet, withDB bool) {
	if withDB {
		fs.StringVar(&f.db, "db", "", bi("`BASE` fichier SQLite ou URL postgres:// à servir (lue seulement)", "`DB` SQLite file or postgres:// URL to serve (read only)"))
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
	return serve(ctx, e, &f, nil)
}

// serve opens the store read-only and serves it until ctx ends. ready,
// when set, is called with the URL once the server listens.
func serve(ctx context.Context, e *env, f *serveFlags, ready func(url string)) int {
	start := time.Now()
	st, err := openReadOnlyStore(ctx, e, f.db)
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
	srv, err := web.New(st, web.Options{BaseURL: f.baseURL, TLS: f.cert != "", SecurityContact: f.contact, OpenDataDir: f.openData, Log: log})
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
