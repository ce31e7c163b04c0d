package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"vigie.eu/vigie/internal/version"
)

// versionAbout is the help of "vigie version" before its options.
var versionAbout = text{`Affiche la version de vigie, puis le commit dont il a été construit, sa
date, et « modifié » si l'arbre de travail avait des changements non
validés, tels que Go les a inscrits dans le binaire (go build depuis un
dépôt git) ; « dev » quand Go n'en sait rien (go run, go test).
--json donne un objet : version, commit, commit_time, modified, go_version.
`, `Prints vigie's version, then the commit it was built from, its date, and
"modified" when the working tree had uncommitted changes, as Go recorded
them in the binary (go build from a git checkout); "dev" when Go knows
nothing of it (go run, go test). --json gives an object: version, commit,
commit_time, modified, go_version.
`}

func runVersion(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	var asJSON bool
	var lang string
	fs.BoolVar(&asJSON, "json", false, bi("un objet JSON (champs version, commit, commit_time, modified, go_version)", "a JSON object (fields version, commit, commit_time, modified, go_version)"))
	fs.StringVar(&lang, "lang", defaultLang, langUsage)
	fs.SetOutput(io.Discard)
	switch err := e.parseFlags(fs, args); {
	case errors.Is(err, flag.ErrHelp):
		return e.usage(fs)
	case err != nil:
		e.errorf("version: %v", err)
		return exitUsage
	case fs.NArg() > 0:
		e.errorf(e.t(text{"« version » ne prend pas d'argument", "\"version\" takes no argument"}))
		return exitUsage
	}
	in := version.Get()
	if asJSON {
		b, err := json.Marshal(in)
		if err != nil {
			e.errorf("version: %v", err)
			return exitFailed
		}
		fmt.Fprintf(e.stdout, "%s\n", b)
		return exitOK
	}
	fmt.Fprintf(e.stdout, "vigie %s\n", in.Version)
	if in.Commit != "" {
		state := ""
		if in.Modified {
			state = e.t(text{", modifié", ", modified"})
		}
		fmt.Fprintf(e.stdout, "commit %s (%s%s)\n", in.Commit, in.CommitTime, state)
	}
	if in.GoVersion != "" {
		fmt.Fprintf(e.stdout, "%s\n", in.GoVersion)
	}
	return exitOK
}
