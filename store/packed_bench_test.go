package store_test

import (
	"context"
	"testing"

	"github.com/commercelayer-mock/provmock/store"
)

// BenchmarkReadEveryColumn reads every record of a type of the demo data (organizations: 66
// columns), packed and column by column through GORM.
func BenchmarkReadEveryColumn(b *testing.B) {
	ctx := context.Background()
	st := mustDemoStore(b)
	reg := st.Registry()
	for _, typ := range []string{"organizations", "api_credentials"} {
		def := reg.Lookup(typ)
		b.Run(typ+"/packed", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, _, err := store.ReadEveryColumnPacked(ctx, st, def); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(typ+"/columns", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := store.ReadEveryColumnThroughGORM(ctx, st, def); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
