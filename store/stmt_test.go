package store

import (
	"encoding/json"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
)

// PostgreSQL's statements number their placeholders; quoted text and names keep their ?.
func TestNumberBinds(t *testing.T) {
	cases := []struct{ in, want string }{
		{`SELECT 1`, `SELECT 1`},
		{`SELECT "a" FROM "t" WHERE "t"."a" = ? AND "t"."b" IN (?, ?)`, `SELECT "a" FROM "t" WHERE "t"."a" = $1 AND "t"."b" IN ($2, $3)`},
		{`SELECT '?' , "?x" FROM t WHERE a LIKE ? ESCAPE '\' AND b = ?`, `SELECT '?' , "?x" FROM t WHERE a LIKE $1 ESCAPE '\' AND b = $2`},
		{`UPDATE "t" SET "c" = v.column2 FROM (VALUES (?, ?), (?, ?)) AS v WHERE "t"."id" = v.column1`, `UPDATE "t" SET "c" = v.column2 FROM (VALUES ($1, $2), ($3, $4)) AS v WHERE "t"."id" = v.column1`},
	}
	for _, c := range cases {
		if got := numberBinds(c.in); got != c.want {
			t.Errorf("numberBinds(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// An object is stored as json.Marshal writes it, the empty one (a default, written per row)
// too, and a nil map is JSON null as json.Marshal has it.
func TestEncodeObjectIsMarshal(t *testing.T) {
	for _, v := range []any{map[string]any{}, map[string]any(nil), map[string]any{"b": []any{1, "<"}, "a": nil}, []any{}} {
		want, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeValue(models.Object, v)
		if err != nil || got != string(want) {
			t.Errorf("encodeValue(%#v) = %v, %v; want %s", v, got, err, want)
		}
	}
}
