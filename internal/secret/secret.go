// Package secret encrypts the personal data the observatory keeps (the
// contacts of organisations, the operators' e-mail addresses) with a key
// file given at start: an age X25519 identity (filippo.io/age). The
// database holds only ciphertext; the key never goes into it, nor into
// the logs.
//
// A Key seals and opens values, and computes a blind index (HMAC-SHA256
// with a key derived from the identity) so that a value can be looked up
// or kept unique without being stored in clear.
//
// The package does no I/O beyond reading and writing the key file. It
// does not decide what is secret: its callers do.
package secret

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"filippo.io/age"
)

// Key is an age X25519 identity and the blind index key derived from it.
type Key struct {
	id    *age.X25519Identity
	index []byte
}

// ErrWrongKey is returned by Open when the ciphertext was sealed with
// another key.
var ErrWrongKey = errors.New("secret: sealed with another key")

// maxKeyFile bounds the key file read: an identity is 74 bytes, with
// comments a few lines.
const maxKeyFile = 4096

// Generate returns a new random key.
func Generate() (*Key, error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return newKey(id)
}

func newKey(id *age.X25519Identity) (*Key, error) {
	// The blind index key is derived, not the identity itself: an
	// index never helps to decrypt.
	ik, err := hkdf.Key(sha256.New, []byte(id.String()), nil, "vigie blind index v1", 32)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	return &Key{id: id, index: ik}, nil
}

// Write writes k to a new file path, readable by its owner only (0600).
// It refuses to overwrite an existing file: a key replaced by mistake
// loses every secret sealed with it.
func Write(path string, k *Key) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("secret: %s exists already: choose another file (a key is never overwritten)", path)
		}
		return fmt.Errorf("secret: %w", err)
	}
	_, err = fmt.Fprintf(f, "# vigie key (age X25519 identity): keep it, and a copy offline; without it the contacts cannot be read\n# public key: %s\n%s\n", k.id.Recipient(), k.id)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("secret: write %s: %w", path, err)
	}
	return nil
}

// Load reads the key file path (written by Write, or by age-keygen).
func Load(path string) (*Key, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("secret: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("secret: %s: %w", path, err)
	}
	if len(b) > maxKeyFile {
		return nil, fmt.Errorf("secret: %s: larger than %d bytes, not a key file", path, maxKeyFile)
	}
	ids, err := age.ParseIdentities(bytes.NewReader(b))
	if err != nil {
		// age's message may quote the file: keep only ours.
		return nil, fmt.Errorf("secret: %s: not an age identity file (vigie admin keygen writes one)", path)
	}
	if len(ids) != 1 {
		return nil, fmt.Errorf("secret: %s: want one identity, found %d", path, len(ids))
	}
	id, ok := ids[0].(*age.X25519Identity)
	if !ok {
		return nil, fmt.Errorf("secret: %s: want an X25519 identity (AGE-SECRET-KEY-1...)", path)
	}
	return newKey(id)
}

// Recipient is the key's public half, "age1...": it names the key
// without revealing it.
func (k *Key) Recipient() string { return k.id.Recipient().String() }

// Seal encrypts plaintext to the key (age's binary format).
func (k *Key) Seal(plaintext []byte) ([]byte, error) {
	var b bytes.Buffer
	w, err := age.Encrypt(&b, k.id.Recipient())
	if err != nil {
		return nil, fmt.Errorf("secret: seal: %w", err)
	}
	if _, err := w.Write(plaintext); err != nil {
		return nil, fmt.Errorf("secret: seal: %w", err)
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("secret: seal: %w", err)
	}
	return b.Bytes(), nil
}

// maxOpen bounds what Open returns: the values sealed here are small.
const maxOpen = 1 << 16

// Open decrypts what Seal sealed; ErrWrongKey when another key sealed
// it.
func (k *Key) Open(ciphertext []byte) ([]byte, error) {
	r, err := age.Decrypt(bytes.NewReader(ciphertext), k.id)
	if err != nil {
		var nm *age.NoIdentityMatchError
		if errors.As(err, &nm) {
			return nil, ErrWrongKey
		}
		return nil, fmt.Errorf("secret: open: %w", err)
	}
	b, err := io.ReadAll(io.LimitReader(r, maxOpen+1))
	if err != nil {
		return nil, fmt.Errorf("secret: open: %w", err)
	}
	if len(b) > maxOpen {
		return nil, fmt.Errorf("secret: open: larger than %d bytes", maxOpen)
	}
	return b, nil
}

// Index returns the blind index of value: HMAC-SHA256 of its lower-case
// form, with a key derived from the identity. Two equal values (whatever
// their case) have one index under one key; the index says nothing of
// the value to whoever does not hold the key.
func (k *Key) Index(value string) []byte {
	m := hmac.New(sha256.New, k.index)
	io.WriteString(m, strings.ToLower(value))
	return m.Sum(nil)
}
