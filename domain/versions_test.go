package domain

import (
	"encoding/json"
	"math"
	"testing"
)

// changesJSON must store exactly what json.Marshal would: versions written one by one go
// through json.Marshal, those of a batch through changesJSON.
func TestChangesJSONIsMarshal(t *testing.T) {
	cases := []map[string][2]any{
		{},
		{"name": {nil, "Role <1> & \"quoted\" \u2028 é"}},
		{"can_read": {nil, true}, "can_create": {false, nil}, "subject": {nil, "orders"}},
		{"expires_in": {int64(-7200), int64(math.MaxInt64)}, "ratio": {1.5, 1e21}, "whole": {float64(3), 0.1}},
		{"metadata": {nil, json.RawMessage(`{ "b": [1, 2],  "a": "x" }`)}, "z": {"", "<script>"}, "A": {nil, nil}},
		// Each side of plainJSON's edges: printable ASCII as it is, the rest escaped.
		{"restrictions": {map[string]any{}, map[string]any(nil)}, "full": {nil, map[string]any{"a": 1}}},
		{"plain": {" ~orders!", "a-b_c.d/e"}, "edges": {"\x1f\x7f", "tab\there \\ \"q\""}, "bad": {"\xff", "é"}},
	}
	for _, c := range cases {
		want, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		got, err := changesJSON(c)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("changesJSON(%v) = %s, want %s", c, got, want)
		}
	}
}
