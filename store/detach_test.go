package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// TestSQLiteReadsRunDetachedFromCancellation: on SQLite a statement runs to its end even
// when its request's context is already canceled (the driver would otherwise watch every
// row's step with a goroutine of its own, which cost half an uncached read). SQLite's
// statements are short and local, so nothing waits for them; PostgreSQL keeps cancellation,
// which spares a shared server the work of a client that left.
func TestSQLiteReadsRunDetachedFromCancellation(t *testing.T) {
	bg := context.Background()
	st, err := store.Open(store.Memory, models.Provisioning(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	users := st.Registry().Lookup("users")
	user, err := st.Insert(bg, users, store.Record{"email": "detached@example.com", "first_name": "D", "last_name": "U"})
	if err != nil {
		t.Fatal(err)
	}
	canceled, cancel := context.WithCancel(bg)
	cancel()
	got, getErr := st.Get(canceled, users, user.ID())
	n, countErr := st.Count(canceled, users)
	if store.MemoryIsSQLite() {
		if getErr != nil || got.ID() != user.ID() {
			t.Fatalf("Get under a canceled context = %v, %v; want the user", got, getErr)
		}
		if countErr != nil || n != 1 {
			t.Fatalf("Count under a canceled context = %d, %v; want 1", n, countErr)
		}
		return
	}
	if !errors.Is(getErr, context.Canceled) || !errors.Is(countErr, context.Canceled) {
		t.Fatalf("on PostgreSQL, Get and Count under a canceled context = %v, %v; want context.Canceled", getErr, countErr)
	}
}
