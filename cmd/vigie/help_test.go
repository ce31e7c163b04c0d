package main

import (
	"bytes"
	"context"
	"flag"
	"strings"
	"testing"
)

// TestHelpOfEveryCommand runs "vigie help" for every command and
// subcommand of the table, in both languages: each has a summary and a
// help, and each flag of the flag set it parses has a usage in French and
// in English, named in its help.
func TestHelpOfEveryCommand(t *testing.T) {
	for _, c := range commands {
		cmds := []*command{c}
		cmds = append(cmds, c.subs...)
		for _, cmd := range cmds {
			for _, lang := range []string{"fr", "en"} {
				if cmd.summary.fr == "" || cmd.summary.en == "" {
					t.Errorf("%s: no summary in both languages", cmd.path)
				}
				args := append([]string{"--lang", lang, "help"}, strings.Fields(cmd.path)...)
				var stdout, stderr bytes.Buffer
				if code := run(context.Background(), args, nil, &stdout, &stderr); code != exitOK || stderr.Len() > 0 {
					t.Errorf("vigie %s: exit code %d, stderr %q", strings.Join(args, " "), code, stderr.String())
					continue
				}
				help := stdout.String()
				if !strings.Contains(help, (&env{lang: lang}).t(text{"Usage :\n", "Usage:\n"})) && !strings.HasPrefix(help, (&env{lang: lang}).t(text{"Usage : ", "Usage: "})) {
					t.Errorf("vigie %s: no usage line:\n%s", strings.Join(args, " "), help)
				}
				if cmd.run == nil {
					continue
				}
				for _, fs := range flagSetsOf(t, cmd, lang) {
					fs.VisitAll(func(f *flag.Flag) {
						if _, _, err := flagUsage(f, lang); err != nil {
							t.Errorf("%s: %v", cmd.path, err)
						}
						if !strings.Contains(help, "  --"+f.Name+" ") && !strings.Contains(help, "  --"+f.Name+"\n") {
							t.Errorf("vigie %s: --%s not in the help", strings.Join(args, " "), f.Name)
						}
					})
				}
			}
		}
	}
}

// flagSetsOf returns the flag set that cmd parses, as its --help hands
// it to e.usage.
func flagSetsOf(t *testing.T, cmd *command, lang string) []*flag.FlagSet {
	t.Helper()
	var sets []*flag.FlagSet
	var out bytes.Buffer
	e := &env{stdout: &out, stderr: &out, lang: lang, cmd: cmd, flagSets: func(fs *flag.FlagSet) { sets = append(sets, fs) }}
	cmd.run(context.Background(), e, []string{"--help"})
	if cmd.name != "version" && cmd.name != "help" && len(sets) != 1 {
		t.Errorf("%s --help: %d flag sets handed to e.usage, want 1 (output %q)", cmd.path, len(sets), out.String())
	}
	return sets
}

// TestFlagUsage checks how a usage is read: the value name, the text, and
// the usages that the help refuses.
func TestFlagUsage(t *testing.T) {
	fs := flag.NewFlagSet("x", flag.ContinueOnError)
	fs.Int("n", 4, bi("`N` audits en même temps", "`N` audits at once"))
	fs.String("db", "", bi("la `BASE` des campagnes", "the campaigns' `DB`"))
	fs.Bool("json", false, bi("en JSON", "as JSON"))
	fs.Int("bad1", 0, "only one language")
	fs.Int("bad2", 0, bi("sans nom", "no name"))
	fs.Bool("bad3", false, bi("`X` oui", "`X` yes"))
	for _, tt := range []struct {
		flag, lang, name, usage string
		err                     bool
	}{
		{"n", "fr", "N", "audits en même temps", false},
		{"n", "en", "N", "audits at once", false},
		{"db", "fr", "BASE", "la BASE des campagnes", false},
		{"db", "en", "DB", "the campaigns' DB", false},
		{"json", "en", "", "as JSON", false},
		{"bad1", "fr", "", "", true},
		{"bad2", "en", "", "", true},
		{"bad3", "fr", "", "", true},
	} {
		name, usage, err := flagUsage(fs.Lookup(tt.flag), tt.lang)
		if (err != nil) != tt.err || name != tt.name || usage != tt.usage {
			t.Errorf("flagUsage(--%s, %s) = %q, %q, %v; want %q, %q, error %v", tt.flag, tt.lang, name, usage, err, tt.name, tt.usage, tt.err)
		}
	}
}
