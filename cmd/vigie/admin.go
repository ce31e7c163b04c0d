package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"vigie.eu/vigie/internal/operator"
	"vigie.eu/vigie/internal/store"
)

// adminAbout is the help of "vigie admin create".
var adminAbout = text{`Crée un compte d'opérateur de l'observatoire : le mot de passe (lu sur
l'entrée standard, une ligne, 12 octets au moins) est gardé haché par
argon2id, et un second facteur est obligatoire : un secret TOTP (RFC 6238)
est tiré au hasard, et son adresse otpauth:// affichée une seule fois, à
donner à une application d'authentification. La création est inscrite au
journal des actions des opérateurs, que la base garde sans modification ni
suppression possible. L'opérateur se connecte ensuite au site servi par
« vigie serve --admin ».
`, `Creates an operator account of the observatory: the password (read from
standard input, one line, at least 12 bytes) is kept hashed with argon2id,
and a second factor is mandatory: a TOTP secret (RFC 6238) is drawn at
random and its otpauth:// address printed once, for an authenticator app.
The creation is written to the log of the operators' actions, which the
database keeps without any change or deletion possible. The operator then
signs in to the site served by "vigie serve --admin".
`}

// operatorName is an operator's name: lower-case letters, digits, dots,
// hyphens and underscores.
var operatorName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// adminCreate is "vigie admin create".
func adminCreate(ctx context.Context, e *env, args []string) int {
	fs := flag.NewFlagSet("admin create", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var db, name, lang string
	fs.StringVar(&db, "db", "", dbUsage)
	fs.StringVar(&name, "name", "", bi("`NOM` nom de l'opérateur (minuscules, chiffres, . _ -)", "`NAME` the operator's name (lower case, digits, . _ -)"))
	fs.StringVar(&lang, "lang", defaultLang, langUsage)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return e.usage(fs)
		}
		e.errorf("%s", err)
		return exitUsage
	}
	switch {
	case fs.NArg() > 0:
		e.errorf(e.t(text{"« admin create » ne prend pas d'argument : %s", "\"admin create\" takes no argument: %s"}), strings.Join(fs.Args(), " "))
		return exitUsage
	case db == "":
		e.errorf(e.t(text{"admin create : --db BASE est obligatoire", "admin create: --db DB is required"}))
		return exitUsage
	case !operatorName.MatchString(name):
		e.errorf(e.t(text{"admin create : --name « %s » : minuscules, chiffres, points, tirets et soulignés, 64 au plus", "admin create: --name %q: lower-case letters, digits, dots, hyphens and underscores, 64 at most"}), name)
		return exitUsage
	}
	if e.stdin == nil {
		e.errorf(e.t(text{"admin create : le mot de passe se lit sur l'entrée standard", "admin create: the password is read from standard input"}))
		return exitUsage
	}
	line, err := bufio.NewReader(io.LimitReader(e.stdin, 4096)).ReadString('\n')
	if err != nil && err != io.EOF {
		e.errorf("admin create: %v", err)
		return exitFailed
	}
	password := strings.TrimRight(line, "\r\n")
	hash, err := operator.HashPassword(password, operator.DefaultParams)
	switch {
	case errors.Is(err, operator.ErrShortPassword):
		e.errorf(e.t(text{"admin create : mot de passe de moins de %d octets", "admin create: password shorter than %d bytes"}), operator.MinPassword)
		return exitUsage
	case err != nil:
		e.errorf(e.t(text{"admin create : mot de passe refusé : %v", "admin create: password refused: %v"}), err)
		return exitUsage
	}
	key, err := operator.NewTOTP(name)
	if err != nil {
		e.errorf("admin create: %v", err)
		return exitFailed
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		e.errorf("%v", err)
		return exitFailed
	}
	defer st.Close()
	ops, ok := st.(store.Operators)
	if !ok {
		e.errorf(e.t(text{"admin create : cette base ne garde pas de comptes", "admin create: this store keeps no accounts"}))
		return exitFailed
	}
	now := time.Now().UTC()
	err = ops.CreateOperator(ctx, store.Operator{Name: name, PasswordHash: hash, TOTPSecret: key.Secret, Created: now})
	switch {
	case errors.Is(err, store.ErrExists):
		e.errorf(e.t(text{"admin create : l'opérateur %s existe déjà", "admin create: operator %s exists already"}), name)
		return exitFailed
	case err != nil:
		e.errorf("%v", err)
		return exitFailed
	}
	if _, err := ops.AppendAdminLog(ctx, store.AdminEntry{Time: now, Operator: name, Action: "operator.create", Detail: "vigie admin create"}); err != nil {
		e.errorf("%v", err)
		return exitFailed
	}
	fmt.Fprintf(e.stdout, e.t(text{"Opérateur %s créé. Second facteur (à donner à une application d'authentification, affiché une seule fois) :\n  %s\n  secret : %s\n",
		"Operator %s created. Second factor (for an authenticator app, shown this once):\n  %s\n  secret: %s\n"}), name, key.URL, key.Secret)
	return exitOK
}
