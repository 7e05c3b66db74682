package store

import (
	"context"
	"fmt"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
)

// BenchmarkListPageOfManySorted lists page 5 of 25 out of 20,000 api_credentials sorted by an
// unindexed column, as List reads it and with every read column by column: SQLite makes every
// matching row before sorting, so List reads such a page column by column (packedPageRows).
func BenchmarkListPageOfManySorted(b *testing.B) {
	ctx := context.Background()
	reg := models.Provisioning()
	st, err := Open(Memory, reg, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	def := reg.Lookup("api_credentials")
	var recs []Record
	for i := 0; i < 20000; i++ {
		recs = append(recs, Record{"name": fmt.Sprintf("n%d", i), "kind": fmt.Sprintf("k%d", (i*7919)%20000), "client_id": fmt.Sprintf("c%d", i)})
	}
	if err := st.PutAll(ctx, def, recs); err != nil {
		b.Fatal(err)
	}
	q := ListQuery{Sort: []query.SortKey{{Column: "kind"}}, Limit: 25, Offset: 100}
	b.Run("list", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, _, err := st.List(ctx, def, q); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("columns", func(b *testing.B) {
		saved := st.meta[def].packed
		st.meta[def].packed = nil
		defer func() { st.meta[def].packed = saved }()
		for i := 0; i < b.N; i++ {
			if _, _, err := st.List(ctx, def, q); err != nil {
				b.Fatal(err)
			}
		}
	})
}
