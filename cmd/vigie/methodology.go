package main

import (
	"context"
	"errors"
	"flag"
	"io"

	"vigie.eu/vigie/internal/score"
)

// methodologyAbout is the help of "vigie methodology" before its options.
var methodologyAbout = text{`Affiche la méthodologie du CyberScore : chaque constatation, sa gravité, ses
points, les plafonds de note, les seuils et l'historique des versions. Le
texte est produit à partir de la table des règles : il dit ce que calcule le
code.
`, `Prints the CyberScore methodology: every finding, its severity, its points,
the grade caps, the thresholds and the version history. The text is produced
from the rules table: it says what the code computes.
`}

// runMethodology is "vigie methodology".
func runMethodology(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("methodology", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "markdown", bi("`markdown|html` format du texte", "`markdown|html` format of the text"))
	lang := fs.String("lang", defaultLang, bi("`fr|en` langue", "`fr|en` language"))
	if err := e.parseFlags(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return e.usage(fs)
		}
		e.errorf("%s", err)
		return exitUsage
	}
	if fs.NArg() > 0 {
		e.errorf(e.t(text{"« methodology » ne prend pas d'argument", "\"methodology\" takes no argument"}))
		return exitUsage
	}
	if *format != "markdown" && *format != "html" {
		e.errorf(e.t(text{"--format « %s » : markdown ou html attendu", "--format %q: want markdown or html"}), *format)
		return exitUsage
	}
	if err := score.Methodology(e.stdout, *format, *lang); err != nil {
		e.errorf("%s", err)
		return exitFailed
	}
	return exitOK
}
