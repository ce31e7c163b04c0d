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
objet par ligne) ou le fichier audits.jsonl qu'écrit « vigie export » (un
audit par ligne, avec son organisation et sa campagne), juge de nouveau ses
observations avec les vérifications et la méthodologie d'aujourd'hui, et
affiche la note de chaque domaine. « - » lit l'entrée standard. Les anciens
résultats restent des données valides. Le fichier est lu au fil de l'eau,
un résultat à la fois (chacun d'au plus 256 Mio).

Par défaut, audits.jsonl est publié sans le texte brut des serveurs
audités (son champ « omitted » le dit) : les vérifications qui lisent ce
texte (security.txt, politique MTA-STS, cookies) peuvent alors donner
d'autres constats que l'audit. rescore le signale une fois sur la sortie
d'erreur et, pour chaque domaine dont la note diffère, affiche la note
publiée. Un export fait avec --full-observations se rejuge à l'identique.
`, `Reads a result saved by "vigie audit --json" (one object, or one object per
line) or the audits.jsonl file that "vigie export" writes (one audit a
line, with its organisation and campaign), judges its observations again
with today's checks and methodology, and prints each domain's grade. "-"
reads standard input. Old results stay valid data. The file is read as a
stream, one result at a time (each at most 256 MiB).

By default audits.jsonl is published without the raw text of the audited
servers (its "omitted" field says so): the checks that read that text
(security.txt, MTA-STS policy, cookies) may then give other findings than
the audit. rescore says so once on standard error and, for every domain
whose grade differs, prints the published grade. An export made with
--full-observations is judged again exactly.
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
	fs.String("lang", defaultLang, langUsage) // read by langOf
	// Flags may come after the file name.
	var files []string
	for {
		if err := e.parseFlags(fs, args); err != nil {
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
	rd := newRescoreReader(in, maxRescoreInput)
	item, err := rd.next()
	if errors.Is(err, io.EOF) {
		e.errorf(e.t(text{"%s : aucun résultat", "%s: no result"}), files[0])
		return exitUsage
	}
	code := exitOK
	warned := false
	// Results are judged as they are read, one ahead: a file of one
	// result is printed indented, as "vigie audit --json" prints it.
	for first := true; err == nil; first = false {
		if ctx.Err() != nil {
			return exitInterrupt
		}
		next, nextErr := rd.next()
		if len(item.omitted) > 0 && !warned {
			warned = true
			e.errorf(e.t(text{"%s : observations publiées sans %s ; les vérifications qui lisent ces textes (security.txt, politique MTA-STS, cookies) peuvent donner d'autres constats que l'audit : exportez avec --full-observations pour rejuger à l'identique",
				"%s: observations published without %s; the checks that read those texts (security.txt, MTA-STS policy, cookies) may give other findings than the audit: export with --full-observations to judge again exactly"}),
				files[0], strings.Join(item.omitted, ", "))
		}
		if !rescoreOne(e, item, *asJSON, first && errors.Is(nextErr, io.EOF)) {
			code = exitFailed
		}
		item, err = next, nextErr
	}
	if !errors.Is(err, io.EOF) {
		e.errorf(e.t(text{"%s : résultat JSON illisible : %s", "%s: unreadable JSON result: %s"}), files[0], err)
		return exitUsage
	}
	return code
}

// rescoreOne judges one result again and prints it, indented when
// indent; false when it has no observations to judge.
func rescoreOne(e *env, item *rescoreItem, asJSON, indent bool) bool {
	r := item.result
	ok := r.Observations != nil
	if ok {
		engine.Rejudge(r)
	} else {
		e.errorf(e.t(text{"%s : pas d'observations à rejuger (%s)", "%s: no observations to judge again (%s)"}), r.Domain, r.Error)
		if !asJSON {
			return false
		}
	}
	if asJSON {
		// Encoded as "vigie audit --json" does, so that the two can be
		// compared byte for byte.
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		if indent {
			enc.SetIndent("", "  ")
		}
		if err := enc.Encode(r); err != nil {
			e.errorf("%s", err)
			return false
		}
		e.stdout.Write(b.Bytes())
		return ok
	}
	io.WriteString(e.stdout, gradeText(e, item.label(e), r.Score))
	if p := item.published; p != nil && r.Score != nil && p.Grade != r.Score.Grade {
		fmt.Fprintf(e.stdout, e.t(text{"  note publiée : %s (méthodologie %s)\n", "  published grade: %s (methodology %s)\n"}), p.Grade, p.Methodology)
	}
	return ok
}

// rescoreItem is one result to judge again, with what an export line
// says about it.
type rescoreItem struct {
	result *audit.Result
	// Set for a line of the audits.jsonl that "vigie export" writes.
	organisation string
	campaign     int64
	omitted      []string     // the observations' fields the export left out
	published    *audit.Score // the score as exported
}

// label names the result in the text output: its domain, and for an
// export line its organisation and campaign.
func (it *rescoreItem) label(e *env) string {
	if it.organisation == "" {
		return it.result.Domain
	}
	return fmt.Sprintf(e.t(text{"%s (organisation %s, campagne %d)", "%s (organisation %s, campaign %d)"}),
		it.result.Domain, it.organisation, it.campaign)
}

// exportLine is what "vigie rescore" reads of a line of audits.jsonl:
// the result sits under "result", beside its organisation and campaign
// (export.AuditLine). Decoding such a line as an audit.Result finds no
// "observations" at its top level: rescore used to say it had none.
type exportLine struct {
	Organisation *struct {
		ID string `json:"id"`
	} `json:"organisation"`
	CampaignID int64           `json:"campaign_id"`
	Domain     string          `json:"domain"`
	Result     json.RawMessage `json:"result"`
	Omitted    []string        `json:"omitted"`
}

// rescoreReader reads results one at a time, each at most
// maxRescoreInput bytes, from a stream of JSON values: the output of
// "vigie audit --json" (one indented object, or one object a line) or
// the audits.jsonl of "vigie export", of any length.
type rescoreReader struct {
	lim   *valueLimit
	dec   *json.Decoder
	limit int64
}

// newRescoreReader reads results of at most limit bytes each from r.
func newRescoreReader(r io.Reader, limit int64) *rescoreReader {
	lim := &valueLimit{r: r, allowed: limit}
	return &rescoreReader{lim: lim, dec: json.NewDecoder(lim), limit: limit}
}

// next returns the next result; io.EOF when there is none.
func (rd *rescoreReader) next() (*rescoreItem, error) {
	var raw json.RawMessage
	err := rd.dec.Decode(&raw)
	if rd.lim.over {
		return nil, fmt.Errorf("a value longer than %d bytes", rd.limit)
	}
	if err != nil {
		return nil, err
	}
	rd.lim.allowed = rd.dec.InputOffset() + rd.limit
	var line exportLine
	if err := json.Unmarshal(raw, &line); err != nil {
		return nil, err
	}
	if line.Organisation != nil && len(line.Result) > 0 {
		it := &rescoreItem{result: &audit.Result{}, organisation: line.Organisation.ID,
			campaign: line.CampaignID, omitted: line.Omitted}
		if string(line.Result) != "null" {
			if err := json.Unmarshal(line.Result, it.result); err != nil {
				return nil, err
			}
		}
		if it.result.Domain == "" {
			it.result.Domain = line.Domain
		}
		it.published = it.result.Score
		return it, nil
	}
	r := &audit.Result{}
	if err := json.Unmarshal(raw, r); err != nil {
		return nil, err
	}
	return &rescoreItem{result: r}, nil
}

// valueLimit lets its reader be read up to allowed bytes from the start,
// then fails: the decoder above it can never hold more than one bounded
// value.
type valueLimit struct {
	r       io.Reader
	read    int64
	allowed int64
	over    bool
}

func (l *valueLimit) Read(p []byte) (int, error) {
	left := l.allowed - l.read
	if left <= 0 {
		l.over = true
		return 0, errors.New("value too long")
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := l.r.Read(p)
	l.read += int64(n)
	return n, err
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
