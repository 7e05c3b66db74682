package store_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// TestAWriteWhoseClientHangsUpLosesNoData: a client that goes away in the middle of a write
// cancels its context, and database/sql throws away the connection of a transaction so
// ended. That must roll back the write alone: the records there were stay, on every kind of
// database (an in-memory one lived only as long as its connection).
func TestAWriteWhoseClientHangsUpLosesNoData(t *testing.T) {
	for name, path := range map[string]string{"in memory": store.Memory, "file": filepath.Join(t.TempDir(), "cancel.db")} {
		t.Run(name, func(t *testing.T) {
			bg := context.Background()
			st, err := store.Open(path, models.Provisioning(), store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			users := st.Registry().Lookup("users")
			kept, err := st.Insert(bg, users, store.Record{"email": "kept@example.com", "first_name": "Kept", "last_name": "User"})
			if err != nil {
				t.Fatal(err)
			}
			for i := 0; i < 3; i++ {
				ctx, cancel := context.WithCancel(bg)
				err := st.Tx(ctx, func(tx *store.Store) error {
					if _, err := tx.Insert(ctx, users, store.Record{"email": "gone@example.com", "first_name": "G", "last_name": "U"}); err != nil {
						return err
					}
					cancel() // the client hangs up before the commit
					// database/sql ends the transaction itself as soon as it sees the context
					// done, before the store could roll it back.
					time.Sleep(20 * time.Millisecond)
					return ctx.Err()
				})
				if !errors.Is(err, context.Canceled) {
					t.Fatalf("the canceled write answered %v, want context.Canceled", err)
				}
			}
			if _, err := st.Get(bg, users, kept["id"].(string)); err != nil {
				t.Fatalf("the record written before is gone: %v", err)
			}
			if n, err := st.Count(bg, users); err != nil || n != 1 {
				t.Fatalf("users = %d, %v; want the 1 written before (the canceled ones rolled back)", n, err)
			}
		})
	}
}
