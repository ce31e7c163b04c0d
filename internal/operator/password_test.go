package operator

import (
	"errors"
	"strings"
	"testing"
)

// fast are cheap parameters for tests; DefaultParams is measured by
// BenchmarkHashPassword.
var fast = Params{Memory: 64, Time: 1, Threads: 1}

func TestPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery", fast)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Errorf("hash %q: want the PHC argon2id format", h)
	}
	if err := CheckPassword(h, "correct horse battery"); err != nil {
		t.Errorf("right password: %v", err)
	}
	for _, wrong := range []string{"correct horse batterz", "", "correct horse battery ", strings.Repeat("x", 2000)} {
		if err := CheckPassword(h, wrong); !errors.Is(err, ErrMismatch) {
			t.Errorf("password %.20q: %v, want ErrMismatch", wrong, err)
		}
	}
	h2, _ := HashPassword("correct horse battery", fast)
	if h2 == h {
		t.Error("two hashes of one password are equal: no random salt")
	}
	if _, err := HashPassword("short", fast); !errors.Is(err, ErrShortPassword) {
		t.Errorf("short password: %v", err)
	}
}

func TestHashFormat(t *testing.T) {
	for _, h := range []string{
		"",
		"$2y$10$abcdefghijklmnopqrstuu", // bcrypt
		"$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", // 4 GiB
		"$argon2id$v=19$m=64,t=1000,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=64,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
	} {
		if err := CheckPassword(h, "correct horse battery"); !errors.Is(err, ErrHashFormat) {
			t.Errorf("hash %q: %v, want ErrHashFormat", h, err)
		}
	}
}

// BenchmarkHashPassword: what a login costs with DefaultParams.
//
//	go test -run '^$' -bench HashPassword ./internal/operator
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery", DefaultParams); err != nil {
			b.Fatal(err)
		}
	}
}
