package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"vigie.eu/vigie/internal/audit"
	"vigie.eu/vigie/internal/engine"
)

// maxRescoreInput bounds what "vigie rescore" reads.
const maxRescoreInput = 256 << 20

// rescoreAbout and rescoreNotes are the help of "vigie rescore" around
// its options.
var (
	rescoreAbout = text{`Relit un résultat enregistré par « vigie audit --json » (un objet, ou un
objet par ligne), juge de nouveau ses observations avec les vérifications et
la méthodologie d'aujourd'hui, et affiche la note de chaque domaine. « - »
lit l'entrée standard. Les anciens résultats restent des données valides.
`, `Reads a result saved by "vigie audit --json" (one object, or one object per
line), judges its observations again with today's checks and methodology,
and prints each domain's grade. "-" reads standard input. Old results stay
valid data.
`}
	rescoreNotes = text{`Codes de sortie : 0 tout a été noté, 1 un résultat n'a pas pu l'être (pas
d'observations), 2 ligne de commande ou fichier invalide.
`, `Exit codes: 0 every result was graded, 1 a result could not be (no
observations), 2 invalid command line or file.
`}
)

// runRescore is "vigie rescore".
func runRescore(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("rescore", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, bi("affiche le résultat complet rejugé, avec son objet « score »", "print the whole re-judged result, with its \"score\" object"))
	fs.String("lang", "fr", langUsage) // read by langOf
	// Flags may come after the file name.
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return e.usage(fs)
			}
			e.errorf("%s", err)
			return exitUsage
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		e.errorf(e.t(text{"« rescore » attend un fichier, ou « - » pour l'entrée standard", "\"rescore\" wants one file, or \"-\" for standard input"}))
		return exitUsage
	}
	var in io.Reader = e.stdin
	if files[0] != "-" {
		f, err := os.Open(files[0])
		if err != nil {
			e.errorf("%s", err)
			return exitUsage
		}
		defer f.Close()
		in = f
	}
	data, err := io.ReadAll(io.LimitReader(in, maxRescoreInput+1))
	if err != nil {
		e.errorf("%s: %s", files[0], err)
		return exitUsage
	}
	if len(data) > maxRescoreInput {
		e.errorf(e.t(text{"%s : plus de %d octets", "%s: more than %d bytes"}), files[0], maxRescoreInput)
		return exitUsage
	}
	var results []*audit.Result
	dec := json.NewDecoder(bytes.NewReader(data))
	for {
		var r audit.Result
		err := dec.Decode(&r)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			e.errorf(e.t(text{"%s : résultat JSON illisible : %s", "%s: unreadable JSON result: %s"}), files[0], err)
			return exitUsage
		}
		results = append(results, &r)
	}
	if len(results) == 0 {
		e.errorf(e.t(text{"%s : aucun résultat", "%s: no result"}), files[0])
		return exitUsage
	}
	code := exitOK
	for _, r := range results {
		if ctx.Err() != nil {
			return exitInterrupt
		}
		if r.Observations == nil {
			e.errorf(e.t(text{"%s : pas d'observations à rejuger (%s)", "%s: no observations to judge again (%s)"}), r.Domain, r.Error)
			code = exitFailed
			if !*asJSON {
				continue
			}
		} else {
			engine.Rejudge(r)
		}
		if *asJSON {
			// Encoded as "vigie audit --json" does, so that the two
			// can be compared byte for byte.
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if len(results) == 1 {
				enc.SetIndent("", "  ")
			}
			if err := enc.Encode(r); err != nil {
				e.errorf("%s", err)
				return exitFailed
			}
			e.stdout.Write(b.Bytes())
			continue
		}
		io.WriteString(e.stdout, gradeText(e, r.Domain, r.Score))
	}
	return code
}

// gradeText is the short text form of a score: the grade, the points, the
// grade before caps and each cap with its reason.
func gradeText(e *env, domain string, s *audit.Score) string {
	var b strings.Builder
	if s == nil {
		fmt.Fprintf(&b, e.t(text{"%s : aucune note (rien n'a été observé)\n", "%s: no grade (nothing was observed)\n"}), domain)
		return b.String()
	}
	fmt.Fprintf(&b, e.t(text{"%s : %s (%d/100, méthodologie %s)\n", "%s: %s (%d/100, methodology %s)\n"}), domain, s.Grade, s.Points, s.Methodology)
	if len(s.Caps) > 0 {
		fmt.Fprintf(&b, e.t(text{"  avant plafond : %s\n", "  before caps: %s\n"}), s.BeforeCaps.Grade)
		for _, c := range s.Caps {
			fmt.Fprintf(&b, e.t(text{"  plafonné à %s par %s : %s\n", "  capped at %s by %s: %s\n"}), c.Grade, c.ID, c.Reason.In(e.lang))
		}
	}
	for _, a := range s.Areas {
		fmt.Fprintf(&b, "  %-14s %3d/100\n", a.Area, a.Points)
	}
	return b.String()
}
