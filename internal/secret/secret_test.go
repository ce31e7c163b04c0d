package secret

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func newTestKey(t *testing.T) *Key {
	t.Helper()
	k, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestRoundTrip: a value sealed, written, loaded and opened comes back
// as it was, and the ciphertext does not hold it in clear.
func TestRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigie.key")
	k := newTestKey(t)
	if err := Write(path, k); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Errorf("key file mode %o, want 600", m)
	}
	loaded, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if loaded.Recipient() != k.Recipient() {
		t.Errorf("loaded key %s, want %s", loaded.Recipient(), k.Recipient())
	}
	plain := []byte(`{"email":"rssi@mairie.test"}`)
	sealed, err := k.Seal(plain)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("rssi@mairie.test")) || bytes.Contains(sealed, []byte("mairie")) {
		t.Errorf("the ciphertext holds the value in clear: %q", sealed)
	}
	again, _ := k.Seal(plain)
	if bytes.Equal(sealed, again) {
		t.Error("two seals of one value are equal: the value could be recognised")
	}
	got, err := loaded.Open(sealed)
	if err != nil || !bytes.Equal(got, plain) {
		t.Errorf("Open = %q, %v; want %q", got, err, plain)
	}
}

// TestWrongKey: another key cannot open, and says so; a damaged
// ciphertext is refused.
func TestWrongKey(t *testing.T) {
	k, other := newTestKey(t), newTestKey(t)
	sealed, err := k.Seal([]byte("secret"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := other.Open(sealed); !errors.Is(err, ErrWrongKey) {
		t.Errorf("Open with another key = %q, %v; want ErrWrongKey", got, err)
	}
	bad := bytes.Clone(sealed)
	bad[len(bad)-1] ^= 1
	if got, err := k.Open(bad); err == nil {
		t.Errorf("Open of a damaged ciphertext = %q, want an error", got)
	}
}

// TestIndex: one index per value whatever its case, another for another
// value or another key, and the index does not hold the value.
func TestIndex(t *testing.T) {
	k, other := newTestKey(t), newTestKey(t)
	a, b := k.Index("RSSI@Mairie.test"), k.Index("rssi@mairie.test")
	if !bytes.Equal(a, b) || len(a) != 32 {
		t.Errorf("indexes of one address in two cases differ: %x %x", a, b)
	}
	if bytes.Equal(a, k.Index("dsi@mairie.test")) {
		t.Error("two addresses share an index")
	}
	if bytes.Equal(a, other.Index("rssi@mairie.test")) {
		t.Error("two keys give one index")
	}
}

// TestWriteRefusesOverwrite: keygen never replaces a key.
func TestWriteRefusesOverwrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vigie.key")
	k := newTestKey(t)
	if err := Write(path, k); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	err := Write(path, newTestKey(t))
	if err == nil || !strings.Contains(err.Error(), "exists already") {
		t.Errorf("second Write: %v, want exists already", err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("the key file changed")
	}
}

// TestLoadRefuses: files that are not one X25519 identity.
func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	k1, k2 := newTestKey(t), newTestKey(t)
	for name, content := range map[string]string{
		"empty":   "",
		"garbage": "not a key\n",
		"two":     k1.id.String() + "\n" + k2.id.String() + "\n",
		"public":  k1.Recipient() + "\n",
		"large":   strings.Repeat("#", maxKeyFile+1),
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(content), 0o600)
		if _, err := Load(p); err == nil {
			t.Errorf("%s: loaded", name)
		} else if strings.Contains(err.Error(), "AGE-SECRET-KEY-1Q") {
			t.Errorf("%s: the error quotes the key: %v", name, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file: loaded")
	}
}
