package main

import (
	"context"
	"flag"
	"io"

	"vigie.eu/vigie/internal/score"
)

// methodologyUsage is the help of "vigie methodology".
func methodologyUsage(e *env) string {
	return e.t(text{
		`Usage : vigie methodology [--format markdown|html] [--lang fr|en]

Affiche la méthodologie du CyberScore : chaque constatation, sa gravité, ses
points, les plafonds de note, les seuils et l'historique des versions. Le
texte est produit à partir de la table des règles : il dit ce que calcule le
code.

Options :
  --format markdown|html  format du texte (markdown par défaut)
  --lang fr|en            langue (fr par défaut)
`,
		`Usage: vigie methodology [--format markdown|html] [--lang fr|en]

Prints the CyberScore methodology: every finding, its severity, its points,
the grade caps, the thresholds and the version history. The text is produced
from the rules table: it says what the code computes.

Options:
  --format markdown|html  format of the text (default markdown)
  --lang fr|en            language (default fr)
`,
	})
}

// runMethodology is "vigie methodology".
func runMethodology(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("methodology", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "markdown", "")
	lang := fs.String("lang", e.lang, "")
	help := fs.Bool("help", false, "")
	fs.BoolVar(help, "h", false, "")
	if err := fs.Parse(args); err != nil {
		e.errorf("%s", err)
		return exitUsage
	}
	if *help {
		io.WriteString(e.stdout, methodologyUsage(e))
		return exitOK
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
