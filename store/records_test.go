package store_test

import (
	"context"
	"testing"
)

func TestGetManyAsksForEachValueOnce(t *testing.T) {
	st := mustDemoStore(t)
	recs, err := st.GetMany(context.Background(), st.Registry().Lookup("organizations"), "id",
		[]string{"orgBlueBrd", "orgGreenGr", "orgBlueBrd", "orgBlueBrd", "orgMissing"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range recs {
		got = append(got, r.ID())
	}
	if len(got) != 2 || got[0] != "orgBlueBrd" || got[1] != "orgGreenGr" {
		t.Fatalf("ids = %v, want [orgBlueBrd orgGreenGr]", got)
	}
}
