package mock_test

import (
	"context"
	"testing"

	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/imagecache"
	"github.com/commercelayer-mock/provmock/mock"
)

// BenchmarkNew measures an in-process start with the demo data: from the image a first
// start left in memory, and from the fixtures (parse, schema, inserts, image), as a
// process's first start does. A new process's start adds its first touches of memory and
// code: see load/run.sh for that.
func BenchmarkNew(b *testing.B) {
	ctx := context.Background()
	key := imagecache.Key(fixtures.Demo())
	for _, bc := range []struct {
		name  string
		image bool
	}{{"from the image", true}, {"from the fixtures", false}} {
		b.Run(bc.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if !bc.image {
					imagecache.Remove("", key)
				}
				m, err := mock.New(ctx, mock.Options{})
				if err != nil {
					b.Fatal(err)
				}
				m.Close()
			}
		})
	}
}
