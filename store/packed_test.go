package store_test

import (
	"context"
	"math"
	"math/rand"
	"reflect"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// TestPackedRowsReadWhatColumnsRead reads every record of every type of the demo data, plus
// records holding awkward values, both packed (one JSON array per row) and column by column
// through GORM as List did before, and requires the very same records: times, NULLs,
// booleans, numbers and JSON attributes alike.
func TestPackedRowsReadWhatColumnsRead(t *testing.T) {
	ctx := context.Background()
	st := mustDemoStore(t) // both families' types
	reg := st.Registry()
	// Values the demo data may lack: escapes, control characters, other scripts, invalid
	// UTF-8, extreme integers, floats that 15 digits do not give back, JSON with spaces.
	orgs := reg.Lookup("organizations")
	awkward := store.Record{
		"name": "quote \" backslash \\ slash / \b\f\n\r\t \x01\x1f\x7f é 日本 😀 end",
		"slug": "awkward", "support_email": `a'b"c`,
		"orders_min_refresh_lapse": 0.1 + 0.2, "orders_min_rebuild_shipments_lapse": math.MaxFloat64,
		"config": map[string]any{"a": []any{1.5, "x\ny", nil, true}, "b": map[string]any{}},
	}
	for _, a := range orgs.Attrs {
		if !a.Stored() {
			continue
		}
		if _, set := awkward[a.Name]; set {
			continue
		}
		switch a.Kind {
		case models.Integer:
			awkward[a.Name] = int64(math.MinInt64)
		case models.Boolean:
			awkward[a.Name] = true
		}
	}
	if store.MemoryIsSQLite() {
		awkward["domain"] = "invalid UTF-8 \xff\xfe\xc3 end" // PostgreSQL's text refuses it
	}
	if _, err := st.Insert(ctx, orgs, awkward); err != nil {
		t.Fatal(err)
	}
	plain := store.Record{"name": "", "slug": "plain"} // empty text, and the defaults
	if _, err := st.Insert(ctx, orgs, plain); err != nil {
		t.Fatal(err)
	}
	for _, def := range reg.All() {
		want, err := store.ReadEveryColumnThroughGORM(ctx, st, def)
		if err != nil {
			t.Fatal(err)
		}
		got, packed, err := store.ReadEveryColumnPacked(ctx, st, def)
		if err != nil {
			t.Fatalf("%s: %v", def.Type, err)
		}
		if def.Type == "organizations" && len(want) < 3 {
			t.Fatalf("organizations: %d records", len(want))
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %d records packed, %d column by column", def.Type, len(got), len(want))
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				for col, v := range want[i] {
					if !reflect.DeepEqual(got[i][col], v) {
						t.Errorf("%s %s.%s: packed %#v (%T), column by column %#v (%T)", def.Type, want[i].ID(), col, got[i][col], got[i][col], v, v)
					}
				}
				if len(got[i]) != len(want[i]) {
					t.Errorf("%s %s: %d columns packed, %d column by column", def.Type, want[i].ID(), len(got[i]), len(want[i]))
				}
			}
		}
		if !packed && store.MemoryIsSQLite() {
			t.Errorf("%s: not read packed on SQLite", def.Type)
		}
	}
}

// TestPackedStringsKeepTheirBytes sends random text (every byte but NUL, valid UTF-8 or not)
// through the dialect's packed row and back.
func TestPackedStringsKeepTheirBytes(t *testing.T) {
	if !store.MemoryIsSQLite() {
		t.Skip("only SQLite packs rows")
	}
	ctx := context.Background()
	st, err := store.Open(store.Memory, models.Provisioning(), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rng := rand.New(rand.NewSource(1))
	for n := 0; n < 2000; n++ {
		b := make([]byte, rng.Intn(40))
		for i := range b {
			b[i] = byte(1 + rng.Intn(255))
		}
		text, err := store.PackedText(ctx, st, string(b))
		if err != nil {
			t.Fatal(err)
		}
		got, err := store.DecodePacked(text, models.String)
		if err != nil || got != string(b) {
			t.Fatalf("%q packed as %q decodes as %q (%v)", b, text, got, err)
		}
	}
	for _, v := range []int64{0, -1, 1, math.MaxInt64, math.MinInt64} {
		text, err := store.PackedText(ctx, st, v)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := store.DecodePacked(text, models.Integer); err != nil || got != v {
			t.Fatalf("%d packed as %q decodes as %v (%v)", v, text, got, err)
		}
	}
	for _, bad := range []string{"", "[", "]", "[x]", `["a]`, `["\q"]`, `["\u12"]`, `[1,]`, `[nul]`, `[1 2]`, `["\ud800"]`} {
		if _, err := store.DecodePacked(bad, models.String); err == nil {
			t.Errorf("%q decoded without an error", bad)
		}
	}
}
