package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"vigie.eu/vigie/internal/store"
)

// testOperators: accounts are created once and read back; the admin log
// keeps its lines in order (that the database refuses to change or
// delete one is tested inside package store, with SQL of its own).
func testOperators(t *testing.T, s store.Store) {
	ops, ok := s.(store.Operators)
	if !ok {
		t.Skip("this store keeps no operators")
	}
	ctx := context.Background()
	if _, err := ops.Operator(ctx, "alice"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Operator of an empty store: %v, want ErrNotFound", err)
	}
	at := time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC)
	alice := store.Operator{Name: "alice", PasswordHash: "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$aGFzaA", TOTPSecret: "GEZDGNBVGY3TQOJQ", Created: at}
	if err := ops.CreateOperator(ctx, alice); err != nil {
		t.Fatal(err)
	}
	if err := ops.CreateOperator(ctx, alice); !errors.Is(err, store.ErrExists) {
		t.Errorf("second CreateOperator of alice: %v, want ErrExists", err)
	}
	got, err := ops.Operator(ctx, "alice")
	if err != nil || got.Name != alice.Name || got.PasswordHash != alice.PasswordHash || got.TOTPSecret != alice.TOTPSecret || !got.Created.Equal(at) {
		t.Errorf("Operator(alice) = %+v, %v", got, err)
	}
	if _, err := ops.Operator(ctx, "ALICE"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("names are exact: Operator(ALICE) = %v", err)
	}
	for i, a := range []string{"operator.create", "login.fail", "login"} {
		id, err := ops.AppendAdminLog(ctx, store.AdminEntry{Time: at.Add(time.Duration(i) * time.Minute), Operator: "alice", Action: a, Detail: "d"})
		if err != nil || id <= 0 {
			t.Fatalf("AppendAdminLog %s: %d, %v", a, id, err)
		}
	}
	log, err := ops.AdminLog(ctx, 2)
	if err != nil || len(log) != 2 || log[0].Action != "login" || log[1].Action != "login.fail" || !log[0].Time.Equal(at.Add(2*time.Minute)) || log[0].ID <= log[1].ID {
		t.Errorf("AdminLog(2) = %+v, %v; want the two newest, newest first", log, err)
	}
	if log, _ := ops.AdminLog(ctx, 10); len(log) != 3 || log[2].Action != "operator.create" {
		t.Errorf("AdminLog(10) = %+v, want the three lines", log)
	}
}
