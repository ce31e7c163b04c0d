// Package operator holds what the observatory's operators sign in with:
// passwords hashed with argon2id (RFC 9106) and one-time codes (TOTP,
// RFC 6238) as the mandatory second factor.
//
// It also keeps the signed-in operators' sessions and slows down
// password guessing (session.go). It stores nothing and serves nothing:
// the accounts live in the store, the sign-in pages in internal/web. It
// holds no secret of its own; what it hashes and verifies is given.
package operator

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters of a hash.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
}

// DefaultParams are RFC 9106's second recommended option (section 4):
// 64 MiB, 3 passes, 4 lanes: 340 ms a hash on the 2 shared cores of
// the development machine (BenchmarkHashPassword), which bounds what a
// guessing attack on a stolen hash gets.
var DefaultParams = Params{Memory: 64 << 10, Time: 3, Threads: 4}

const (
	saltLen = 16
	keyLen  = 32
	// MinPassword is the shortest password accepted, in bytes.
	MinPassword = 12
	// maxPassword bounds what is hashed: argon2 takes any length, a
	// login form should not.
	maxPassword = 1024
)

// Errors of HashPassword and CheckPassword.
var (
	ErrShortPassword = fmt.Errorf("operator: password shorter than %d bytes", MinPassword)
	ErrLongPassword  = fmt.Errorf("operator: password longer than %d bytes", maxPassword)
	ErrMismatch      = errors.New("operator: wrong password")
	ErrHashFormat    = errors.New("operator: not an argon2id hash of this package")
)

// HashPassword returns the argon2id hash of password with a random salt,
// in the PHC string format
// ($argon2id$v=19$m=65536,t=3,p=4$SALT$HASH, base64 without padding).
func HashPassword(password string, p Params) (string, error) {
	switch {
	case len(password) < MinPassword:
		return "", ErrShortPassword
	case len(password) > maxPassword:
		return "", ErrLongPassword
	}
	salt := make([]byte, saltLen)
	rand.Read(salt) // never fails (crypto/rand)
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches hash (nil), in time
// that does not depend on where they differ; ErrMismatch when it does
// not, ErrHashFormat for a hash this package did not write.
func CheckPassword(hash, password string) error {
	if len(password) > maxPassword {
		return ErrMismatch
	}
	p, salt, key, err := parseHash(hash)
	if err != nil {
		return err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(key)))
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return ErrMismatch
	}
	return nil
}

// parseHash reads a PHC string written by HashPassword, with bounds on
// its costs: a hash from a tampered store must not make a login take a
// gigabyte or an hour.
func parseHash(hash string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, ErrHashFormat
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, ErrHashFormat
	}
	if p.Memory < 8 || p.Memory > 1<<20 || p.Time < 1 || p.Time > 16 || p.Threads < 1 {
		return p, nil, nil, ErrHashFormat
	}
	b64 := base64.RawStdEncoding
	salt, err1 := b64.DecodeString(parts[4])
	key, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, ErrHashFormat
	}
	return p, salt, key, nil
}
