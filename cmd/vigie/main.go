// Command vigie audits the internet-facing security of organisations: the
// DNS, TLS, web and mail configuration of their domains, graded by the
// CyberScore.
//
//	vigie audit DOMAIN...
//	vigie campaign run|resume|status [options]
//	vigie rescore FILE
//	vigie export --db DB --out DIR
//	vigie lab --orgs N
//	vigie methodology
//	vigie version
//	vigie help [COMMAND]
//
// Run "vigie help audit" for the options and exit codes. Messages are in
// French by default, in English with --lang en.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
)

// Exit codes, documented in the help text.
const (
	exitOK        = 0   // every audit ran
	exitFailed    = 1   // at least one audit could not run
	exitUsage     = 2   // the command line is wrong
	exitFindings  = 3   // a finding at or above --fail-on
	exitInterrupt = 130 // interrupted (Ctrl-C), as shells report SIGINT
)

// version is the version of vigie, set at build time with
// -ldflags "-X main.version=1.2.3"; by default the module version, or
// "dev".
var version = ""

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
	return run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
}

// command is one subcommand.
type command struct {
	name    string
	summary text
	run     func(ctx context.Context, e *env, args []string) int
}

// env is what a subcommand works with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	lang           string // "fr" or "en"
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

// commands is the table of subcommands, in help order.
var commands []command

func init() {
	commands = []command{
		{"audit", text{"audite des domaines : DNS, TLS, web et messagerie", "audit domains: DNS, TLS, web and mail"}, runAudit},
		{"campaign", text{"audite une liste d'organisations et enregistre les résultats", "audit a list of organisations and store the results"}, runCampaign},
		{"rescore", text{"renote un résultat enregistré avec la méthodologie du jour", "grade a saved result again with today's methodology"}, runRescore},
		{"export", text{"exporte les derniers résultats en données ouvertes (CSV, JSON, Parquet)", "export the latest results as open data (CSV, JSON, Parquet)"}, runExport},
		{"lab", text{"démarre un parc simulé d'organisations sur l'interface locale", "start a simulated estate of organisations on loopback"}, runLab},
		{"methodology", text{"affiche la méthodologie du CyberScore", "print the CyberScore methodology"}, runMethodology},
		{"version", text{"affiche la version de vigie", "print vigie's version"}, runVersion},
		{"help", text{"affiche l'aide d'une commande", "show the help of a command"}, runHelp},
	}
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
		fmt.Fprint(stderr, usage(e))
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help":
		fmt.Fprint(stdout, usage(e))
		return exitOK
	case "-version", "--version":
		name = "version"
	case "--lang", "-lang":
		// "vigie --lang en help": the language applies to what follows.
		if len(args) < 3 {
			fmt.Fprint(stderr, usage(e))
			return exitUsage
		}
		return run(ctx, append(args[2:], args[:2]...), stdin, stdout, stderr)
	}
	if strings.HasPrefix(name, "--lang=") || strings.HasPrefix(name, "-lang=") {
		if len(args) < 2 {
			fmt.Fprint(stderr, usage(e))
			return exitUsage
		}
		return run(ctx, append(args[1:], args[0]), stdin, stdout, stderr)
	}
	for _, c := range commands {
		if c.name == name {
			return c.run(ctx, e, args[1:])
		}
	}
	e.errorf(e.t(text{"commande inconnue « %s » ; essayez « vigie help »", "unknown command %q; try \"vigie help\""}), name)
	return exitUsage
}

// langOf finds --lang in args, wherever it is, so that even the help and
// the errors of flag parsing speak the asked language. French is the
// default.
func langOf(args []string) (string, error) {
	lang := "fr"
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

// vigieVersion returns the version to print and record in results.
func vigieVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func runVersion(ctx context.Context, e *env, args []string) int {
	if len(args) > 0 {
		e.errorf(e.t(text{"« version » ne prend pas d'argument", "\"version\" takes no argument"}))
		return exitUsage
	}
	fmt.Fprintf(e.stdout, "vigie %s\n", vigieVersion())
	return exitOK
}

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
	switch {
	case len(rest) == 0:
		fmt.Fprint(e.stdout, usage(e))
		return exitOK
	case len(rest) == 1 && rest[0] == "audit":
		fmt.Fprint(e.stdout, auditUsage(e))
		return exitOK
	case len(rest) == 1 && rest[0] == "campaign":
		fmt.Fprint(e.stdout, campaignUsage(e))
		return exitOK
	case len(rest) == 1 && rest[0] == "methodology":
		fmt.Fprint(e.stdout, methodologyUsage(e))
		return exitOK
	case len(rest) == 1 && rest[0] == "export":
		fmt.Fprint(e.stdout, exportUsage(e))
		return exitOK
	case len(rest) == 1 && rest[0] == "lab":
		fmt.Fprint(e.stdout, labUsage(e))
		return exitOK
	case len(rest) == 1 && rest[0] == "rescore":
		fmt.Fprint(e.stdout, rescoreUsage(e))
		return exitOK
	case len(rest) == 1 && (rest[0] == "version" || rest[0] == "help"):
		fmt.Fprint(e.stdout, usage(e))
		return exitOK
	}
	e.errorf(e.t(text{"pas d'aide pour « %s »", "no help for %q"}), strings.Join(rest, " "))
	return exitUsage
}

// usage is the general help.
func usage(e *env) string {
	var b strings.Builder
	b.WriteString(e.t(text{
		"vigie — observatoire public de cybersécurité\n\nUsage :\n",
		"vigie — public cybersecurity observatory\n\nUsage:\n",
	}))
	for _, c := range commands {
		syntax := "vigie " + c.name
		switch c.name {
		case "audit":
			syntax += e.t(text{" [options] DOMAINE...", " [options] DOMAIN..."})
		case "campaign":
			syntax += " run|resume|status [options]"
		case "rescore":
			syntax += e.t(text{" [options] FICHIER|-", " [options] FILE|-"})
		case "export":
			syntax += e.t(text{" --db BASE --out DOSSIER", " --db DB --out DIR"})
		case "lab":
			syntax += " --orgs N [options]"
		case "methodology":
			syntax += " [options]"
		case "help":
			syntax += e.t(text{" [COMMANDE]", " [COMMAND]"})
		}
		fmt.Fprintf(&b, "  %-36s %s\n", syntax, e.t(c.summary))
	}
	b.WriteString(e.t(text{
		"\n« vigie help COMMANDE » donne les options et les codes de sortie\n(audit, campaign, rescore, export, lab, methodology).\nFor English: vigie --lang en help\n",
		"\n\"vigie --lang en help COMMAND\" lists the options and exit codes\n(audit, campaign, rescore, export, lab, methodology).\nEn français : vigie help\n",
	}))
	return b.String()
}
