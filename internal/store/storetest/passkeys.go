package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"vigie.eu/vigie/internal/store"
)

// testPasskeys: an operator's passkeys are kept, listed oldest first,
// their counter only grows, and one is removed by its own operator only.
func testPasskeys(t *testing.T, s store.Store) {
	ops, ok1 := s.(store.Operators)
	pks, ok2 := s.(store.Passkeys)
	if !ok1 || !ok2 {
		t.Skip("this store keeps no operators")
	}
	ctx := context.Background()
	at := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	for _, name := range []string{"alice", "bob"} {
		if err := ops.CreateOperator(ctx, store.Operator{Name: name, PasswordHash: "h", TOTPSecret: "GEZDGNBVGY3TQOJQ", Created: at}); err != nil {
			t.Fatal(err)
		}
	}
	key := store.Passkey{ID: []byte{1, 2, 3, 0xff}, Operator: "alice", Name: "clé USB", PublicKey: []byte("cose key"), SignCount: 5,
		Transports: []string{"usb", "nfc"}, Flags: 0x45, AAGUID: bytes.Repeat([]byte{7}, 16), Format: "none", Created: at}
	laptop := store.Passkey{ID: []byte{9}, Operator: "alice", Name: "laptop", PublicKey: []byte("other"), Format: "packed", Created: at.Add(time.Hour)}
	for _, p := range []store.Passkey{laptop, key} {
		if err := pks.AddPasskey(ctx, p); err != nil {
			t.Fatalf("AddPasskey %s: %v", p.Name, err)
		}
	}
	if err := pks.AddPasskey(ctx, store.Passkey{ID: key.ID, Operator: "bob", PublicKey: []byte("k"), Created: at}); !errors.Is(err, store.ErrExists) {
		t.Errorf("AddPasskey with a kept ID: %v, want ErrExists", err)
	}
	if err := pks.AddPasskey(ctx, store.Passkey{ID: []byte{4}, Operator: "carol", PublicKey: []byte("k"), Created: at}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AddPasskey of no operator: %v, want ErrNotFound", err)
	}
	got, err := pks.Passkeys(ctx, "alice")
	if err != nil || len(got) != 2 {
		t.Fatalf("Passkeys(alice) = %+v, %v", got, err)
	}
	g := got[0]
	if !bytes.Equal(g.ID, key.ID) || g.Name != key.Name || !bytes.Equal(g.PublicKey, key.PublicKey) || g.SignCount != 5 || len(g.Transports) != 2 || g.Transports[1] != "nfc" ||
		g.Flags != 0x45 || !bytes.Equal(g.AAGUID, key.AAGUID) || g.Format != "none" || !g.Created.Equal(at) || !g.LastUsed.IsZero() {
		t.Errorf("Passkeys(alice)[0] = %+v, want %+v", g, key)
	}
	if got[1].Name != "laptop" || got[1].Transports != nil {
		t.Errorf("Passkeys(alice)[1] = %+v, want the laptop, no transports", got[1])
	}
	if b, _ := pks.Passkeys(ctx, "bob"); len(b) != 0 {
		t.Errorf("Passkeys(bob) = %+v, want none", b)
	}

	// The counter grows, or the sign-in is refused and nothing changes.
	used := at.Add(2 * time.Hour)
	if err := pks.UsePasskey(ctx, "alice", key.ID, 6, used); err != nil {
		t.Errorf("UsePasskey 5 -> 6: %v", err)
	}
	for _, c := range []uint32{6, 3, 0} {
		if err := pks.UsePasskey(ctx, "alice", key.ID, c, used.Add(time.Minute)); !errors.Is(err, store.ErrSignCount) {
			t.Errorf("UsePasskey 6 -> %d: %v, want ErrSignCount", c, err)
		}
	}
	// An authenticator that keeps no counter (0, then 0) is accepted.
	if err := pks.UsePasskey(ctx, "alice", laptop.ID, 0, used); err != nil {
		t.Errorf("UsePasskey 0 -> 0: %v", err)
	}
	if err := pks.UsePasskey(ctx, "bob", key.ID, 9, used); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UsePasskey of another's passkey: %v, want ErrNotFound", err)
	}
	got, _ = pks.Passkeys(ctx, "alice")
	if len(got) != 2 || got[0].SignCount != 6 || !got[0].LastUsed.Equal(used) || !got[1].LastUsed.Equal(used) {
		t.Errorf("after the sign-ins: %+v", got)
	}

	if err := pks.DeletePasskey(ctx, "bob", key.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeletePasskey of another's passkey: %v, want ErrNotFound", err)
	}
	if err := pks.DeletePasskey(ctx, "alice", key.ID); err != nil {
		t.Errorf("DeletePasskey: %v", err)
	}
	if err := pks.DeletePasskey(ctx, "alice", key.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("DeletePasskey twice: %v, want ErrNotFound", err)
	}
	if got, _ := pks.Passkeys(ctx, "alice"); len(got) != 1 || got[0].Name != "laptop" {
		t.Errorf("after DeletePasskey: %+v", got)
	}
}
