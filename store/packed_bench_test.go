package store_test

import (
	"context"
	"testing"

	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// BenchmarkReadEveryColumn reads every record of a type of the demo data (organizations: 66
// columns), packed and column by column through GORM.
func BenchmarkReadEveryColumn(b *testing.B) {
	ctx := context.Background()
	reg := models.All()
	st, err := store.Open(store.Memory, reg, store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	ds, err := fixtures.Parse(fixtures.DemoName, fixtures.Demo(), reg)
	if err != nil {
		b.Fatal(err)
	}
	if err := ds.Load(ctx, st); err != nil {
		b.Fatal(err)
	}
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
