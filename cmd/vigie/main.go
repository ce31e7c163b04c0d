// Command vigie audits the internet-facing security of organisations: the
// DNS, TLS, web and mail configuration of their domains, graded by the
// CyberScore.
//
//	vigie audit DOMAIN...
//	vigie campaign run|resume|status|compare [options]
//	vigie rescore FILE
//	vigie export --db DB --out DIR
//	vigie lab --orgs N
//	vigie methodology
//	vigie version
//	vigie help [COMMAND]
//
// Run "vigie help audit" for the options and exit codes. Messages are in
// French by default, in English with --lang en. The help is made from the
// table of commands (commands) and from each command's flag set: see
// help.go.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"vigie.eu/vigie/internal/version"
)

// Exit codes, documented in the help text.
const (
	exitOK        = 0   // every audit ran
	exitFailed    = 1   // at least one audit could not run
	exitUsage     = 2   // the command line is wrong
	exitFindings  = 3   // a finding at or above --fail-on
	exitInterrupt = 130 // interrupted (Ctrl-C), as shells report SIGINT
)

func main() {
	os.Exit(mainCode())
}

// mainCode runs vigie with the process's arguments and streams. The first
// Ctrl-C (or SIGTERM) cancels the audits, which end cleanly; a second one
// kills the process as usual.
func mainCode() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	context.AfterFunc(ctx, stop)
	defaultLang = langFromEnv(os.Getenv)
	return run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// defaultLang is the language when no --lang is given: French, or what
// the environment of the process says (langFromEnv), set by mainCode
// only, so that tests that call run see French whatever their
// environment.
var defaultLang = "fr"

// langFromEnv returns the language of the locale, as the C library
// chooses the messages' one: LC_ALL, else LC_MESSAGES, else LANG, the
// first that is set, not empty and not the C or POSIX locale (which name
// no language: the default locale of containers and CI machines); "fr"
// for a French locale ("fr", "fr_FR.UTF-8", "fr_BE"...) or when none
// names a language, "en" for any other ("en_GB.UTF-8", "de_DE").
func langFromEnv(getenv func(string) string) string {
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		l := getenv(v)
		if base, _, _ := strings.Cut(l, "."); l == "" || base == "C" || base == "POSIX" {
			continue
		}
		if l == "fr" || strings.HasPrefix(l, "fr_") || strings.HasPrefix(l, "fr.") || strings.HasPrefix(l, "fr@") {
			return "fr"
		}
		return "en"
	}
	return "fr"
}

// command is one command of vigie, or one subcommand (campaign run). Its
// help is made from this entry and from the flags of the flag.FlagSet
// that run parses (see help.go): a new flag is one line, in run, with its
// usage in French and English.
type command struct {
	name string
	// path is how the command is called after "vigie" ("campaign run"),
	// set from the table.
	path string
	// args is the synopsis after the path ("[options] DOMAINE...").
	args    text
	summary text
	// about is the help's text before the options, notes after them (the
	// environment, the exit codes); each ends with a newline, or is empty.
	about, notes text
	// run runs the command; with --help, it calls e.usage with its flags.
	// A command with subcommands has none: vigie runs the subcommand.
	run  func(ctx context.Context, e *env, args []string) int
	subs []*command
	// parent is the command of a subcommand, whose about and notes it
	// shows when it has none of its own.
	parent *command
}

// env is what a subcommand works with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	lang           string // "fr" or "en"
	// cmd is the command being run, for its help.
	cmd *command
	// flagSets, when set, receives the flag set of a command run with
	// --help instead of its help being printed (see helpOf).
	flagSets func(*flag.FlagSet)
}

// text is a message in French and English.
type text struct{ fr, en string }

func (e *env) t(t text) string {
	if e.lang == "en" {
		return t.en
	}
	return t.fr
}

// errorf prints a message prefixed with "vigie: " on stderr.
func (e *env) errorf(format string, args ...any) {
	fmt.Fprintf(e.stderr, "vigie: "+format+"\n", args...)
}

// commands is the table of commands, in help order.
var commands []*command

func init() {
	commands = []*command{
		{name: "audit", args: text{"[options] DOMAINE...", "[options] DOMAIN..."},
			summary: text{"audite des domaines : DNS, TLS, web et messagerie", "audit domains: DNS, TLS, web and mail"},
			about:   auditAbout, notes: auditNotes, run: runAudit},
		{name: "campaign",
			summary: text{"audite une liste d'organisations et enregistre les résultats", "audit a list of organisations and store the results"},
			about:   campaignAbout, notes: campaignNotes, subs: []*command{
				{name: "run", args: text{"--targets FICHIER --db BASE [options]", "--targets FILE --db DB [options]"},
					summary: text{"audite chaque organisation d'une liste et enregistre les résultats", "audit every organisation of a list and store the results"},
					run:     campaignRun},
				{name: "submit", args: text{"--targets FICHIER --db URL [options]", "--targets FILE --db URL [options]"},
					summary: text{"crée une campagne et met ses tâches dans la file des travailleurs (vigie worker), affiche son numéro", "create a campaign and queue its jobs for the workers (vigie worker), print its id"},
					run:     campaignSubmit},
				{name: "resume", args: text{"--db BASE [--campaign ID] [options]", "--db DB [--campaign ID] [options]"},
					summary: text{"reprend une campagne interrompue", "resume an interrupted campaign"},
					run:     campaignResume},
				{name: "status", args: text{"--db BASE [--campaign ID] [--json]", "--db DB [--campaign ID] [--json]"},
					summary: text{"montre l'avancement des dernières campagnes", "show the progress of the latest campaigns"},
					run:     campaignStatus},
				{name: "compare", args: text{"--db BASE [--from ID] [--to ID] [--format text|csv | --json] [--include-unfinished]", "--db DB [--from ID] [--to ID] [--format text|csv | --json] [--include-unfinished]"},
					summary: text{"dit qui a reculé ou progressé d'une campagne à la suivante", "say who got worse or better from one campaign to the next"},
					run:     campaignCompare},
				{name: "retry", args: text{"--db BASE [ID]", "--db DB [ID]"},
					summary: text{"refait les audits d'une campagne terminée en erreur passagère", "audit again a finished campaign's transient errors"},
					run:     campaignRetry},
				{name: "abandon", args: text{"--db BASE ID", "--db DB ID"},
					summary: text{"abandonne une campagne : ni reprise ni comparée, ses audits gardés", "abandon a campaign: neither resumed nor compared, its audits kept"},
					run:     campaignAbandon},
				{name: "delete", args: text{"--db BASE ID --yes", "--db DB ID --yes"},
					summary: text{"supprime une campagne et ses audits", "delete a campaign and its audits"},
					run:     campaignDelete},
			}},
		{name: "worker", args: text{"--db URL [--parallel N] [options]", "--db URL [--parallel N] [options]"},
			summary: text{"audite les tâches des campagnes soumises, sur cette machine, jusqu'à son arrêt", "audit the jobs of the submitted campaigns, on this machine, until stopped"},
			about:   workerAbout, notes: workerNotes, run: runWorker},
		{name: "rescore", args: text{"[options] FICHIER|-", "[options] FILE|-"},
			summary: text{"renote un résultat enregistré avec la méthodologie du jour", "grade a saved result again with today's methodology"},
			about:   rescoreAbout, notes: rescoreNotes, run: runRescore},
		{name: "export", args: text{"--db BASE --out DOSSIER [options]", "--db DB --out DIR [options]"},
			summary: text{"exporte les derniers résultats en données ouvertes (CSV, JSON, Parquet)", "export the latest results as open data (CSV, JSON, Parquet)"},
			about:   exportAbout, notes: exportNotes, run: runExport},
		{name: "lab", args: text{"--orgs N [options]", "--orgs N [options]"},
			summary: text{"démarre un parc simulé d'organisations sur l'interface locale", "start a simulated estate of organisations on loopback"},
			about:   labAbout, notes: labNotes, run: runLab},
		{name: "serve", args: text{"--db BASE [--listen ADRESSE] [--tls-cert FICHIER --tls-key FICHIER] [options]", "--db DB [--listen ADDR] [--tls-cert FILE --tls-key FILE] [options]"},
			summary: text{"sert l'observatoire public : pages, API JSON, badges", "serve the public observatory: pages, JSON API, badges"},
			about:   serveAbout, notes: serveNotes, run: runServe},
		{name: "demo", args: text{"[--orgs N] [--dir DOSSIER] [--listen ADRESSE]", "[--orgs N] [--dir DIR] [--listen ADDR]"},
			summary: text{"démonstration sans internet : labo, deux campagnes, observatoire", "offline demo: lab, two campaigns, observatory"},
			about:   demoAbout, notes: demoNotes, run: runDemo},
		{name: "methodology", args: text{"[options]", "[options]"},
			summary: text{"affiche la méthodologie du CyberScore", "print the CyberScore methodology"},
			about:   methodologyAbout, run: runMethodology},
		{name: "data", args: text{"[--ip-data DOSSIER] [--json]", "[--ip-data DIR] [--json]"},
			summary: text{"dit quelles données d'adresses IP (AS, pays) sont utilisées, leur version et leur date", "say which IP address data (AS, country) are in use, their version and date"},
			about:   dataAbout, run: runData},
		{name: "hosting", args: text{"[options] ADRESSE|DOMAINE...", "[options] ADDRESS|DOMAIN..."},
			summary: text{"dit qui héberge une adresse, ou le web, la messagerie et le DNS d'un domaine, et sous quel droit", "say who hosts an address, or a domain's web, mail and DNS, and under which law"},
			about:   hostingAbout, notes: hostingNotes, run: runHosting},
		{name: "version", args: text{"[--json]", "[--json]"},
			summary: text{"affiche la version de vigie et le commit dont il est construit", "print vigie's version and the commit it was built from"},
			about:   versionAbout, run: runVersion},
		{name: "report", args: text{"--db BASE --domain DOMAINE [--campaign ID] [--format text|html|pdf]", "--db DB --domain DOMAIN [--campaign ID] [--format text|html|pdf]"},
			summary: text{"rend le rapport d'un audit enregistré (texte, HTML ou PDF)", "render the report of a stored audit (text, HTML or PDF)"},
			about:   reportAbout, notes: reportNotes, run: runReport},
		{name: "admin", summary: text{"gère les comptes des opérateurs", "manage the operators' accounts"},
			subs: []*command{
				{name: "create", args: text{"--db BASE --name NOM < MOT_DE_PASSE", "--db DB --name NAME < PASSWORD"},
					summary: text{"crée un compte d'opérateur (argon2id, TOTP obligatoire)", "create an operator account (argon2id, mandatory TOTP)"},
					about:   adminAbout, run: adminCreate},
			}},
		{name: "help", args: text{"[COMMANDE]", "[COMMAND]"},
			summary: text{"affiche l'aide d'une commande", "show the help of a command"},
			run:     runHelp},
	}
	for _, c := range commands {
		c.path = c.name
		for _, s := range c.subs {
			s.path = c.name + " " + s.name
			s.parent = c
		}
	}
}

// lookup finds the command called name in cmds.
func lookup(cmds []*command, name string) *command {
	for _, c := range cmds {
		if c.name == name {
			return c
		}
	}
	return nil
}

// run is vigie: it parses args and runs the subcommand, and returns the
// exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	lang, err := langOf(args)
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, lang: lang}
	if err != nil {
		e.errorf("%s", err)
		return exitUsage
	}
	if len(args) == 0 {
		fmt.Fprint(stderr, generalUsage(e))
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, generalUsage(e))
		return exitOK
	case "-version", "--version":
		name = "version"
	case "--lang", "-lang":
		// "vigie --lang en help": the language applies to what follows.
		if len(args) < 3 {
			fmt.Fprint(stderr, generalUsage(e))
			return exitUsage
		}
		return run(ctx, append(args[2:], args[:2]...), stdin, stdout, stderr)
	}
	if strings.HasPrefix(name, "--lang=") || strings.HasPrefix(name, "-lang=") {
		if len(args) < 2 {
			fmt.Fprint(stderr, generalUsage(e))
			return exitUsage
		}
		return run(ctx, append(args[1:], args[0]), stdin, stdout, stderr)
	}
	if c := lookup(commands, name); c != nil {
		e.cmd = c
		if c.subs != nil {
			return runSubcommand(ctx, e, c, args[1:])
		}
		return c.run(ctx, e, args[1:])
	}
	e.errorf(e.t(text{"commande inconnue « %s » ; essayez « vigie help »", "unknown command %q; try \"vigie help\""}), name)
	return exitUsage
}

// langOf finds --lang in args, wherever it is, so that even the help and
// the errors of flag parsing speak the asked language. French is the
// default.
func langOf(args []string) (string, error) {
	lang := defaultLang
	for i, a := range args {
		if a == "--" {
			break
		}
		var v string
		switch {
		case a == "--lang" || a == "-lang":
			if i+1 >= len(args) {
				return lang, nil // the flag parser reports it
			}
			v = args[i+1]
		case strings.HasPrefix(a, "--lang="):
			v = strings.TrimPrefix(a, "--lang=")
		case strings.HasPrefix(a, "-lang="):
			v = strings.TrimPrefix(a, "-lang=")
		default:
			continue
		}
		switch v {
		case "fr", "en":
			lang = v
		default:
			return lang, fmt.Errorf("--lang %q: want fr or en (langue : fr ou en)", v)
		}
	}
	return lang, nil
}

// vigieVersion returns the version to print and record in results (see
// internal/version).
func vigieVersion() string { return version.String() }

func runHelp(ctx context.Context, e *env, args []string) int {
	var rest []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--lang" || a == "-lang":
			i++
		case strings.HasPrefix(a, "--lang=") || strings.HasPrefix(a, "-lang="):
		default:
			rest = append(rest, a)
		}
	}
	if len(rest) == 0 || len(rest) == 1 && rest[0] == "help" {
		fmt.Fprint(e.stdout, generalUsage(e))
		return exitOK
	}
	if c := lookup(commands, rest[0]); c != nil {
		switch {
		case len(rest) == 1:
			return helpOf(e, c)
		case len(rest) == 2 && c.subs != nil:
			if s := lookup(c.subs, rest[1]); s != nil {
				return helpOf(e, s)
			}
		}
	}
	e.errorf(e.t(text{"pas d'aide pour « %s »", "no help for %q"}), strings.Join(rest, " "))
	return exitUsage
}

// runSubcommand runs the subcommand of c that args name.
func runSubcommand(ctx context.Context, e *env, c *command, args []string) int {
	var names []string
	for _, s := range c.subs {
		names = append(names, s.name)
	}
	list := text{strings.Join(names[:len(names)-1], ", ") + " ou " + names[len(names)-1],
		strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]}
	if len(args) == 0 {
		e.errorf(e.t(text{"%s : sous-commande attendue : %s ; « vigie help %s » donne les options",
			"%s: want a subcommand: %s; \"vigie --lang en help %s\" lists the options"}), c.name, e.t(list), c.name)
		return exitUsage
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		return helpOf(e, c)
	}
	s := lookup(c.subs, args[0])
	if s == nil {
		e.errorf(e.t(text{"%s : sous-commande inconnue « %s » : %s", "%s: unknown subcommand %q: %s"}), c.name, args[0], e.t(list))
		return exitUsage
	}
	e.cmd = s
	return s.run(ctx, e, args[1:])
}
