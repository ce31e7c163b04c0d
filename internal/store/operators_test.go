package store

import (
	"context"
	"path/filepath"
	"testing"
)

// TestAdminLogAppendOnly: the SQLite database itself refuses to change
// or delete a line of the admin log, whatever code asks.
// (PostgreSQL's trigger is migration 0007's; the conformance suite runs
// the log's reads and writes on both.)
func TestAdminLogAppendOnly(t *testing.T) {
	ctx := context.Background()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "vigie.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := st.(*sqlStore)
	if _, err := s.AppendAdminLog(ctx, AdminEntry{Operator: "alice", Action: "login", Detail: "from 192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE admin_log SET action = 'nothing'`, `DELETE FROM admin_log`, `UPDATE admin_log SET operator = 'mallory' WHERE id = 1`} {
		if _, err := s.w.ExecContext(ctx, q); err == nil {
			t.Errorf("%s: accepted", q)
		}
	}
	log, err := s.AdminLog(ctx, 10)
	if err != nil || len(log) != 1 || log[0].Operator != "alice" || log[0].Action != "login" {
		t.Errorf("after the refused changes: %+v, %v", log, err)
	}
}
