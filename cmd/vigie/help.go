package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// The help of a command is built from two sources only, so that it cannot
// drift from what the command accepts: its entry in the table of commands
// (synopsis, summary, text before and after the options), and the flags
// of the very flag.FlagSet that the command parses (flag.VisitAll), each
// flag carrying its usage in French and English, written with bi:
//
//	fs.IntVar(&perIP, "per-ip", 8, bi("au plus `N` audits ...", "at most `N` audits ..."))
//
// A back-quoted word of each usage names the flag's value in the help
// ("--per-ip N"), as flag.UnquoteUsage does; at the start of the usage, it
// is left out of the text. The help adds the default value itself, from
// the flag.

// bi is the usage of a flag in French and English.
func bi(fr, en string) string { return fr + "\x00" + en }

// flagUsage is the usage of f in lang: the flag's value name (from the
// back-quoted word, "" for a boolean) and the text, unquoted.
func flagUsage(f *flag.Flag, lang string) (name, usage string, err error) {
	fr, en, ok := strings.Cut(f.Usage, "\x00")
	if !ok || fr == "" || en == "" {
		return "", "", fmt.Errorf("flag --%s: no usage in French and English (bi)", f.Name)
	}
	usage = fr
	if lang == "en" {
		usage = en
	}
	if i := strings.IndexByte(usage, '`'); i >= 0 {
		if j := strings.IndexByte(usage[i+1:], '`'); j >= 0 {
			name = usage[i+1 : i+1+j]
			rest := usage[i+1+j+1:]
			if i == 0 {
				// A name first is the name only: "`N` audits at once".
				usage = strings.TrimLeft(rest, " ")
			} else {
				usage = usage[:i] + name + rest
			}
		}
	}
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		if name != "" {
			return "", "", fmt.Errorf("flag --%s: a boolean flag takes no value name", f.Name)
		}
	} else if name == "" {
		return "", "", fmt.Errorf("flag --%s: no `VALUE` name in its usage (%s)", f.Name, lang)
	}
	return name, usage, nil
}

// writeFlags writes the options of fs, one per entry, with their default.
func writeFlags(w io.Writer, e *env, fs *flag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name, usage, ferr := flagUsage(f, e.lang)
		if ferr != nil {
			err = errors.Join(err, ferr)
			return
		}
		switch f.DefValue {
		case "", "0", "false", "[]":
		default:
			usage += e.t(text{" (" + f.DefValue + " par défaut)", " (default " + f.DefValue + ")"})
		}
		left := "--" + f.Name
		if name != "" {
			left += " " + name
		}
		const col = 23
		lines := wrap(usage, 78-col)
		if utf8.RuneCountInString(left)+3 > col {
			fmt.Fprintf(w, "  %s\n", left)
		} else {
			// fmt pads to a number of runes.
			fmt.Fprintf(w, "  %-*s%s\n", col-2, left, lines[0])
			lines = lines[1:]
		}
		for _, l := range lines {
			fmt.Fprintf(w, "%*s%s\n", col, "", l)
		}
	})
	return err
}

// wrap breaks s into lines of at most width runes, between words.
func wrap(s string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		switch {
		case line == "":
			line = word
		case utf8.RuneCountInString(line)+1+utf8.RuneCountInString(word) > width:
			lines = append(lines, line)
			line = word
		default:
			line += " " + word
		}
	}
	return append(lines, line)
}

// synopsis is how c is called, after "vigie".
func (c *command) synopsis(e *env) string {
	s := c.path
	if a := e.t(c.args); a != "" {
		s += " " + a
	}
	return s
}

// usage prints the help of the command being run (e.cmd), whose flags are
// fs, and returns the exit code. When e.flagSets is set, it hands fs to it
// instead (to build the help of a command with subcommands, and in tests).
func (e *env) usage(fs *flag.FlagSet) int {
	if e.flagSets != nil {
		e.flagSets(fs)
		return exitOK
	}
	if err := writeHelp(e.stdout, e, e.cmd, []*flag.FlagSet{fs}); err != nil {
		e.errorf("%v", err)
		return exitFailed
	}
	return exitOK
}

// writeHelp writes the help of c: its synopsis (one per subcommand), its
// text, the options of each flag set (one per subcommand, in order), and
// its notes.
func writeHelp(w io.Writer, e *env, c *command, sets []*flag.FlagSet) error {
	var b strings.Builder
	b.WriteString(e.t(text{"Usage :", "Usage:"}))
	if len(c.subs) == 0 {
		b.WriteString(" vigie " + c.synopsis(e) + "\n")
	} else {
		b.WriteString("\n")
		for _, s := range c.subs {
			b.WriteString("  vigie " + s.synopsis(e) + "\n")
		}
	}
	about, notes := c.about, c.notes
	if c.parent != nil && about == (text{}) && notes == (text{}) {
		about, notes = c.parent.about, c.parent.notes
	}
	if about := e.t(about); about != "" {
		b.WriteString("\n" + about)
	}
	var err error
	for i, fs := range sets {
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n == 0 {
			continue
		}
		switch {
		case len(c.subs) > 0:
			fmt.Fprintf(&b, e.t(text{"\nOptions de %s :\n", "\nOptions of %s:\n"}), c.subs[i].name)
		default:
			b.WriteString(e.t(text{"\nOptions :\n", "\nOptions:\n"}))
		}
		err = errors.Join(err, writeFlags(&b, e, fs))
	}
	if notes := e.t(notes); notes != "" {
		b.WriteString("\n" + notes)
	}
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, b.String())
	return err
}

// helpOf writes the help of c, whose flags it asks c for: c (or each of
// its subcommands) runs with --help and hands its flag set to e.usage.
func helpOf(e *env, c *command) int {
	var sets []*flag.FlagSet
	ask := *e
	ask.stdout, ask.stderr = io.Discard, io.Discard
	ask.flagSets = func(fs *flag.FlagSet) { sets = append(sets, fs) }
	cmds := c.subs
	if len(cmds) == 0 {
		cmds = []*command{c}
	}
	for _, s := range cmds {
		n := len(sets)
		ask.cmd = s
		s.run(context.Background(), &ask, []string{"--help"})
		if len(sets) == n {
			sets = append(sets, flag.NewFlagSet(s.path, flag.ContinueOnError))
		}
	}
	if err := writeHelp(e.stdout, e, c, sets); err != nil {
		e.errorf("%v", err)
		return exitFailed
	}
	return exitOK
}

// generalUsage is the help of vigie: every command and subcommand, from
// the table.
func generalUsage(e *env) string {
	var b strings.Builder
	b.WriteString(e.t(text{
		"vigie — observatoire public de cybersécurité\n\nUsage :\n",
		"vigie — public cybersecurity observatory\n\nUsage:\n",
	}))
	line := func(c *command) {
		fmt.Fprintf(&b, "  %s\n      %s\n", "vigie "+c.synopsis(e), e.t(c.summary))
	}
	var names []string
	for _, c := range commands {
		if len(c.subs) == 0 {
			line(c)
		}
		for _, s := range c.subs {
			line(s)
		}
		if c.name != "help" && c.name != "version" {
			names = append(names, c.name)
		}
	}
	list := strings.Join(names, ", ")
	b.WriteString(e.t(text{
		"\n« vigie help COMMANDE » donne les options et les codes de sortie\n(" + list + ").\nFor English: vigie --lang en help\n",
		"\n\"vigie --lang en help COMMAND\" lists the options and exit codes\n(" + list + ").\nEn français : vigie help\n",
	}))
	return b.String()
}
