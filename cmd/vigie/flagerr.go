package main

import (
	"errors"
	"flag"
	"regexp"
	"strings"
	"time"
)

// The errors of the flag package, in English and about Go's types: what
// parseFlags rewrites.
var (
	flagInvalid   = regexp.MustCompile(`^invalid (?:value|boolean value) "(.*)" for flag -(\S+): `)
	flagUndefined = regexp.MustCompile(`^flag provided but not defined: -(\S+)$`)
	flagNoValue   = regexp.MustCompile(`^flag needs an argument: -(\S+)$`)
)

// parseFlags parses args with fs and returns its error in the language of
// e, saying what value is expected and how to write it: "--timeout 5"
// gives « durée attendue, par exemple 5s » rather than "parse error".
// flag.ErrHelp is returned as it is.
func (e *env) parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return errors.New(e.flagError(fs, err.Error()))
}

// flagError rewrites one error text of the flag package.
func (e *env) flagError(fs *flag.FlagSet, msg string) string {
	if m := flagUndefined.FindStringSubmatch(msg); m != nil {
		return e.t(text{"option inconnue « --" + m[1] + " »", "unknown option --" + m[1]})
	}
	if m := flagNoValue.FindStringSubmatch(msg); m != nil {
		return e.t(text{"l'option --" + m[1] + " attend une valeur", "option --" + m[1] + " needs a value"})
	}
	m := flagInvalid.FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	value, name := m[1], m[2]
	want := text{"valeur attendue", "a valid value is expected"}
	if f := fs.Lookup(name); f != nil {
		if g, ok := f.Value.(flag.Getter); ok {
			switch g.Get().(type) {
			case time.Duration:
				want = text{"durée attendue, par exemple 5s, 2m ou 1h30m", "a duration is expected, for example 5s, 2m or 1h30m"}
			case int, int64, uint, uint64:
				want = text{"nombre entier attendu, par exemple 10", "a whole number is expected, for example 10"}
			case float64:
				want = text{"nombre attendu, par exemple 0.5", "a number is expected, for example 0.5"}
			case bool:
				want = text{"true ou false attendu", "true or false is expected"}
			}
		}
		// A flag's own check (flag.Func, a Set method) says what is
		// wrong after the value: keep it.
		if _, ok := f.Value.(flag.Getter); !ok {
			if why := strings.TrimPrefix(msg, m[0]); why != "" && why != "parse error" {
				want = text{why, why}
			}
		}
	}
	return e.t(text{
		"valeur « " + value + " » invalide pour --" + name + " : " + want.fr,
		"invalid value \"" + value + "\" for --" + name + ": " + want.en,
	})
}
