package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"vigie.eu/vigie/internal/store"
)

// testContacts: contacts are added, listed by organisation, kept unique
// by index and removed; operators' e-mails set and read; Reseal replaces
// every sealed value or none; an alert is claimed at most once unless
// it failed.
func testContacts(t *testing.T, s store.Store) {
	cs, ok := s.(store.Contacts)
	if !ok {
		t.Skip("this store keeps no contacts")
	}
	ctx := context.Background()
	at := time.Date(2026, 12, 5, 9, 0, 0, 0, time.UTC)
	if got, err := cs.OrgContacts(ctx, "21750001600019"); err != nil || len(got) != 0 {
		t.Errorf("OrgContacts of an empty store = %v, %v", got, err)
	}
	a := store.Contact{OrgID: "21750001600019", Sealed: []byte("sealed-a"), Index: []byte("index-a"), Created: at}
	ida, err := cs.AddContact(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AddContact(ctx, store.Contact{OrgID: a.OrgID, Sealed: []byte("other"), Index: a.Index}); !errors.Is(err, store.ErrExists) {
		t.Errorf("a second contact of one index: %v, want ErrExists", err)
	}
	// One index in two organisations: two contacts.
	if _, err := cs.AddContact(ctx, store.Contact{OrgID: "other", Sealed: []byte("sealed-o"), Index: a.Index, Created: at}); err != nil {
		t.Errorf("one index in another organisation: %v", err)
	}
	idb, err := cs.AddContact(ctx, store.Contact{OrgID: a.OrgID, Sealed: []byte("sealed-b"), Index: []byte("index-b"), Created: at.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := cs.OrgContacts(ctx, a.OrgID)
	if err != nil || len(got) != 2 || got[0].ID != ida || got[1].ID != idb || string(got[0].Sealed) != "sealed-a" || string(got[1].Index) != "index-b" || !got[0].Created.Equal(at) {
		t.Errorf("OrgContacts = %+v, %v", got, err)
	}
	if err := cs.RemoveContact(ctx, "other", ida); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("RemoveContact of another organisation's contact: %v, want ErrNotFound", err)
	}
	if err := cs.RemoveContact(ctx, a.OrgID, ida); err != nil {
		t.Fatal(err)
	}
	if got, _ := cs.OrgContacts(ctx, a.OrgID); len(got) != 1 || got[0].ID != idb {
		t.Errorf("after RemoveContact: %+v", got)
	}

	// Operators' e-mails.
	ops := s.(store.Operators)
	if err := ops.CreateOperator(ctx, store.Operator{Name: "alice", PasswordHash: "h", TOTPSecret: "GEZDGNBVGY3TQOJQ", Created: at}); err != nil {
		t.Fatal(err)
	}
	if e, err := cs.OperatorEmail(ctx, "alice"); err != nil || e != nil {
		t.Errorf("OperatorEmail before any = %q, %v", e, err)
	}
	if err := cs.SetOperatorEmail(ctx, "bob", []byte("x")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("SetOperatorEmail of nobody: %v", err)
	}
	if err := cs.SetOperatorEmail(ctx, "alice", []byte("sealed-alice")); err != nil {
		t.Fatal(err)
	}

	// Reseal: a failure changes nothing; then every value changes.
	calls := 0
	if _, err := cs.Reseal(ctx, func(b []byte) ([]byte, []byte, error) {
		calls++
		if calls == 2 {
			return nil, nil, errors.New("wrong key")
		}
		return []byte("new-" + string(b)), []byte("new-index"), nil
	}); err == nil {
		t.Error("Reseal whose function fails: no error")
	}
	if got, _ := cs.OrgContacts(ctx, "other"); len(got) != 1 || string(got[0].Sealed) != "sealed-o" {
		t.Errorf("after a failed Reseal: %+v", got)
	}
	n, err := cs.Reseal(ctx, func(b []byte) ([]byte, []byte, error) {
		return []byte("new-" + string(b)), []byte("new-index-" + string(b)), nil
	})
	if err != nil || n != 3 {
		t.Errorf("Reseal = %d, %v; want the 2 contacts and 1 e-mail", n, err)
	}
	got, _ = cs.OrgContacts(ctx, a.OrgID)
	if len(got) != 1 || string(got[0].Sealed) != "new-sealed-b" || string(got[0].Index) != "new-index-sealed-b" {
		t.Errorf("after Reseal: %+v", got)
	}
	if e, _ := cs.OperatorEmail(ctx, "alice"); !bytes.Equal(e, []byte("new-sealed-alice")) {
		t.Errorf("operator's e-mail after Reseal: %q", e)
	}

	// Sendings: claimed once; a failed one claimed again; a sent or
	// pending one never.
	claim := func(org string) bool {
		t.Helper()
		ok, err := cs.ClaimSending(ctx, store.Sending{CampaignID: 7, OrgID: org, Time: at, Recipients: 1})
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !claim("o1") || !claim("o2") {
		t.Fatal("first claims refused")
	}
	if claim("o1") {
		t.Error("a pending sending claimed twice")
	}
	if err := cs.FinishSending(ctx, store.Sending{CampaignID: 7, OrgID: "o1", Time: at.Add(time.Second), Outcome: store.SendingSent, Recipients: 2}); err != nil {
		t.Fatal(err)
	}
	if err := cs.FinishSending(ctx, store.Sending{CampaignID: 7, OrgID: "o2", Time: at.Add(time.Second), Outcome: store.SendingFailed, Recipients: 1, Detail: "relay timeout"}); err != nil {
		t.Fatal(err)
	}
	if err := cs.FinishSending(ctx, store.Sending{CampaignID: 7, OrgID: "o1", Outcome: store.SendingSent}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("FinishSending of a sending not pending: %v", err)
	}
	if claim("o1") {
		t.Error("a sent alert claimed again")
	}
	sends, err := cs.Sendings(ctx, 7)
	want := []store.Sending{
		{CampaignID: 7, OrgID: "o1", Time: at.Add(time.Second), Outcome: store.SendingSent, Recipients: 2},
		{CampaignID: 7, OrgID: "o2", Time: at.Add(time.Second), Outcome: store.SendingFailed, Recipients: 1, Detail: "relay timeout"},
	}
	if err != nil || fmt.Sprint(sends) != fmt.Sprint(want) {
		t.Errorf("Sendings = %v, %v\nwant %v", sends, err, want)
	}
	if !claim("o2") {
		t.Error("a failed alert could not be claimed again")
	}
	if ok, _ := cs.ClaimSending(ctx, store.Sending{CampaignID: 8, OrgID: "o1", Time: at}); !ok {
		t.Error("another campaign's alert to o1 refused")
	}
	if sends, _ := cs.Sendings(ctx, 9); len(sends) != 0 {
		t.Errorf("Sendings of a campaign without any = %v", sends)
	}
}
