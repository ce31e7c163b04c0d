package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"vigie.eu/vigie/internal/guard"
	"vigie.eu/vigie/internal/lab"
	"vigie.eu/vigie/internal/store"
)

// demoAbout is the help of "vigie demo" before its options.
var demoAbout = text{`Montre l'observatoire sans internet, en une commande : démarre « vigie lab »
(un parc simulé sur 127.0.0.0/8), y lance deux campagnes à une semaine
simulée d'écart (le parc de la semaine 0, puis celui de la semaine 1, où
quelques organisations ont changé), puis sert l'observatoire sur leurs
résultats et affiche son adresse. Tout est écrit dans DOSSIER (la base
vigie.db, les fichiers du labo) ; Ctrl-C arrête tout. Les ports du labo
sont au-dessus de 1024 : root n'est pas nécessaire.
`, `Shows the observatory without internet, in one command: starts "vigie lab"
(a simulated estate on 127.0.0.0/8), runs two campaigns a simulated week
apart on it (the estate of week 0, then that of week 1, where a few
organisations changed), then serves the observatory on their results and
prints its address. Everything is written in DIR (the vigie.db database,
the lab's files); Ctrl-C stops it all. The lab's ports are above 1024:
root is not needed.
`}

// demoNotes is the help of "vigie demo" after its options.
var demoNotes = text{`Codes de sortie :
  0  arrêté par Ctrl-C ou SIGTERM
  1  le labo, une campagne ou le serveur n'a pas pu démarrer
  2  ligne de commande incorrecte
`, `Exit codes:
  0  stopped by Ctrl-C or SIGTERM
  1  the lab, a campaign or the server could not start
  2  wrong command line
`}

// Ports of the demo's lab: unprivileged, away from the observatory's.
const (
	demoDNS       = "127.53.0.1:10053"
	demoHTTPPort  = 10080
	demoHTTPSPort = 10443
	demoSMTPPort  = 10025
)

// runDemo is "vigie demo".
func runDemo(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var f serveFlags
	f.register(fs, false)
	orgs := fs.Int("orgs", 300, bi("`N` organisations du labo (de 1 à 5000)", "`N` organisations of the lab (1 to 5000)"))
	dir := fs.String("dir", "vigie-demo", bi("`DOSSIER` où écrire la base et les fichiers du labo", "`DIR` where to write the database and the lab's files"))
	seed := fs.Int64("seed", 1, bi("`S` graine du labo", "`S` seed of the lab"))
	fs.String("lang", "fr", langUsage)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return e.usage(fs)
		}
		e.errorf("%s", err)
		return exitUsage
	}
	if fs.NArg() > 0 {
		e.errorf(e.t(text{"« demo » ne prend pas d'argument : %s", "\"demo\" takes no argument: %s"}), strings.Join(fs.Args(), " "))
		return exitUsage
	}
	if *orgs < 1 || *orgs > 5000 {
		e.errorf(e.t(text{"--orgs %d : un nombre de 1 à 5000 est attendu", "--orgs %d: want a number from 1 to 5000"}), *orgs)
		return exitUsage
	}
	if msg := f.check(e); msg != "" {
		e.errorf("%s", msg)
		return exitUsage
	}
	self, err := os.Executable()
	if err != nil {
		e.errorf("%s", err)
		return exitFailed
	}
	abs, err := filepath.Abs(*dir)
	if err != nil {
		e.errorf("%s", err)
		return exitFailed
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		e.errorf("%s", err)
		return exitFailed
	}
	f.db = filepath.Join(abs, "vigie.db")
	if _, err := os.Stat(f.db); err == nil {
		e.errorf(e.t(text{"%s existe déjà : la démonstration part d'une base neuve ; supprimez-la ou donnez un autre --dir", "%s already exists: the demo starts from a new database; remove it or give another --dir"}), f.db)
		return exitUsage
	}
	for week := range 2 {
		fmt.Fprintf(e.stdout, e.t(text{"vigie demo : semaine %d : démarrage du labo de %d organisations…\n", "vigie demo: week %d: starting the lab of %d organisations…\n"}), week, *orgs)
		labDir := filepath.Join(abs, "lab")
		stop, err := startDemoLab(ctx, e, self, labDir, *orgs, *seed, week)
		if err != nil {
			if ctx.Err() != nil {
				return exitOK
			}
			e.errorf("%s", err)
			return exitFailed
		}
		fmt.Fprintf(e.stdout, e.t(text{"vigie demo : semaine %d : campagne…\n", "vigie demo: week %d: campaign…\n"}), week)
		err = demoCampaign(ctx, e, self, labDir, f.db, week)
		stop()
		if err != nil {
			if ctx.Err() != nil {
				return exitOK
			}
			e.errorf("%s", err)
			return exitFailed
		}
	}
	// The estate of week 0 was audited a week before that of week 1:
	// date the first campaign so.
	if err := redateDemo(ctx, f.db); err != nil {
		e.errorf("%s", err)
		return exitFailed
	}
	return serve(ctx, e, &f, func(u string) {
		fmt.Fprintf(e.stdout, e.t(text{"\nL'observatoire est prêt : ouvrez %s dans un navigateur.\n", "\nThe observatory is ready: open %s in a browser.\n"}), u)
	})
}

// startDemoLab starts "vigie lab" for week, as a child process, and
// returns once it is ready, with the function that stops it.
func startDemoLab(ctx context.Context, e *env, self, dir string, orgs int, seed int64, week int) (func(), error) {
	cmd := exec.Command(self, "lab", "--lang", e.lang, "--orgs", strconv.Itoa(orgs), "--seed", strconv.FormatInt(seed, 10),
		"--week", strconv.Itoa(week), "--dir", dir, "--dns", demoDNS,
		"--http-port", strconv.Itoa(demoHTTPPort), "--https-port", strconv.Itoa(demoHTTPSPort), "--smtp-port", strconv.Itoa(demoSMTPPort))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("vigie lab: %w", err)
	}
	stop := func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		ok := false
		for sc.Scan() {
			// The lab's last line: "Ctrl-C stops the lab." (or its French).
			if l := sc.Text(); strings.HasPrefix(l, "Ctrl-C") && !ok {
				ok = true
				ready <- true
			}
		}
		if !ok {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			stop()
			return nil, fmt.Errorf("vigie lab: %s", strings.TrimSpace(stderr.String()))
		}
	case <-ctx.Done():
		stop()
		return nil, ctx.Err()
	}
	return stop, nil
}

// demoCampaign runs "vigie campaign run" against the lab in dir, storing
// in db.
func demoCampaign(ctx context.Context, e *env, self, dir, db string, week int) error {
	resolver, err := os.ReadFile(filepath.Join(dir, lab.ResolverFile))
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, self, "campaign", "run", "--lang", e.lang,
		"--targets", filepath.Join(dir, lab.TargetsFile), "--db", db, "--name", fmt.Sprintf("demo semaine %d / week %d", week, week),
		"--resolver", strings.TrimSpace(string(resolver)), "--trust-anchor", filepath.Join(dir, lab.AnchorFile),
		"--allow-private", guard.LoopbackRange.String(), "--canary", lab.Canary,
		"--http-port", strconv.Itoa(demoHTTPPort), "--https-port", strconv.Itoa(demoHTTPSPort), "--smtp-port", strconv.Itoa(demoSMTPPort))
	cmd.Env = append(os.Environ(), "SSL_CERT_FILE="+filepath.Join(dir, lab.CAFile))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	cmd.Stdout = io.Discard
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	if err := cmd.Run(); err != nil {
		var ee *exec.ExitError
		// 3 is "a finding at or above --fail-on": not a failure here.
		if errors.As(err, &ee) && ee.ExitCode() == exitFindings {
			return nil
		}
		return fmt.Errorf("vigie campaign run: %w\n%s", err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// redateDemo moves the first campaign of the demo's store a week back.
func redateDemo(ctx context.Context, db string) error {
	st, err := store.Open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	list, err := st.ListCampaigns(ctx, 0, 2)
	if err != nil {
		return err
	}
	if len(list) != 2 {
		return fmt.Errorf("%s: %d campaigns, want 2", db, len(list))
	}
	return st.ShiftCampaign(ctx, list[1].ID, -7*24*time.Hour)
}
