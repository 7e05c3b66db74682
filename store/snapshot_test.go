package store_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/commercelayer-mock/provmock/store"
)

func TestRestoreOfABrokenSnapshotChangesNothing(t *testing.T) {
	st := mustDemoStore(t)
	before := mustDump(t, st)
	broken := store.Snapshot{}
	for typ, recs := range before {
		broken[typ] = slices.Clip(recs[:len(recs)/2]) // half of each table: references to records left out
	}
	cred := maps.Clone(before["api_credentials"][0])
	cred["organization_id"] = "orgMissing"
	broken["api_credentials"] = append(broken["api_credentials"], cred)
	if err := st.Restore(context.Background(), broken); err == nil {
		t.Fatal("a snapshot with a dangling reference was restored")
	}
	holdsRecords(t, st, before, "after the failed restore")
}
