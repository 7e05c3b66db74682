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
