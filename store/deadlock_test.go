package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/store"
)

// TestTransactionsAndReadsPrepareTheSameStatements races reads and transactions that need
// the same statements, each prepared for the first time, on the store's single connection:
// every one of them must finish.
func TestTransactionsAndReadsPrepareTheSameStatements(t *testing.T) {
	ctx := context.Background()
	for round := 0; round < 20; round++ {
		st := mustDemoStore(t) // a new store: no statement prepared yet
		reg := st.Registry()
		done := make(chan struct{})
		var wg sync.WaitGroup
		for g := 0; g < 16; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for _, def := range reg.All() {
					if g%2 == 0 {
						_, _, _ = st.List(ctx, def, store.ListQuery{})
						continue
					}
					_ = st.Tx(ctx, func(tx *store.Store) error {
						_, _, err := tx.List(ctx, def, store.ListQuery{})
						return err
					})
				}
			}()
		}
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("round %d: reads and transactions still waiting for each other after 30s", round)
		}
	}
}

// TestStatementCacheUnderConcurrency races the statements the store prepares itself (stmt.go):
// reads outside transactions prepare them on the database, transactions run them unprepared
// the first times and have them prepared once they end. Every caller must finish, and see
// every write acknowledged before.
func TestStatementCacheUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	for round := 0; round < 10; round++ {
		st := mustDemoStore(t) // a new store: no statement prepared yet
		reg := st.Registry()
		roles := reg.Lookup("roles")
		done := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 5; i++ {
					for _, def := range reg.All() {
						if _, err := st.Count(ctx, def); err != nil {
							errs <- err
							return
						}
					}
					var id string
					err := st.Tx(ctx, func(tx *store.Store) error {
						rec, err := tx.Insert(ctx, roles, store.Record{"name": "Race", "kind": "custom", "organization_id": "orgBlueBrd"})
						if err != nil {
							return err
						}
						id = rec.ID()
						_, err = tx.GetMany(ctx, roles, "organization_id", []string{"orgBlueBrd"})
						return err
					})
					if err != nil {
						errs <- err
						return
					}
					if _, err := st.Get(ctx, roles, id); err != nil {
						errs <- err // an acknowledged write must be seen
						return
					}
				}
			}()
		}
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			t.Fatalf("round %d: reads and transactions still waiting for each other after 30s", round)
		}
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}
