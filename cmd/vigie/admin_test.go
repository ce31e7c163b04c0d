package main

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"vigie.eu/vigie/internal/operator"
	"vigie.eu/vigie/internal/store"
)

// TestAdminCreate: the account is stored with an argon2id hash and a
// TOTP secret whose codes check, the creation is logged, and a second
// account of the same name or a short password is refused.
func TestAdminCreate(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vigie.db")
	var stdout, stderr strings.Builder
	code := run(context.Background(), []string{"admin", "create", "--db", db, "--name", "alice", "--lang", "en"}, strings.NewReader("correct horse battery\n"), &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("code %d, stderr %q", code, stderr.String())
	}
	m := regexp.MustCompile(`secret: ([A-Z2-7]{32})\n`).FindStringSubmatch(stdout.String())
	if m == nil || !strings.Contains(stdout.String(), "otpauth://totp/vigie:alice?") {
		t.Fatalf("stdout %q: want the otpauth URL and the secret", stdout.String())
	}
	st, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ops := st.(store.Operators)
	o, err := ops.Operator(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(o.PasswordHash, "correct horse") || operator.CheckPassword(o.PasswordHash, "correct horse battery") != nil {
		t.Errorf("stored hash %q does not check the password", o.PasswordHash)
	}
	if o.TOTPSecret != m[1] {
		t.Errorf("stored secret %q, printed %q", o.TOTPSecret, m[1])
	}
	log, err := ops.AdminLog(context.Background(), 10)
	if err != nil || len(log) != 1 || log[0].Action != "operator.create" || log[0].Operator != "alice" || time.Since(log[0].Time) > time.Hour {
		t.Errorf("admin log %+v, %v", log, err)
	}
	for _, tc := range []struct {
		name, password string
		code           int
		msg            string
	}{
		{"alice", "correct horse battery", exitFailed, "exists already"},
		{"bob", "short", exitUsage, "shorter than 12"},
		{"Bob Smith", "correct horse battery", exitUsage, "--name"},
	} {
		stderr.Reset()
		code := run(context.Background(), []string{"admin", "create", "--db", db, "--name", tc.name, "--lang", "en"}, strings.NewReader(tc.password+"\n"), &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.msg) {
			t.Errorf("%s: code %d, stderr %q; want %d and %q", tc.name, code, stderr.String(), tc.code, tc.msg)
		}
	}
}
