package control

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/store"
)

// On a database several mocks share (PostgreSQL: store.Store.Shared), the snapshots and
// what reset goes back to are the environment's, kept beside the records: a snapshot saved
// through one instance restores through another, and a reset through any returns all to
// the same data.

// snapshotPrefix is where the shared snapshots are kept, by name.
const snapshotPrefix = "snapshot/"

// baselineKey keeps the fixtures document reset goes back to, once one was loaded.
const baselineKey = "baseline"

// sharedSnapshot is a snapshot as kept beside the records.
type sharedSnapshot struct {
	Records map[string]int  `json:"records"`
	Bytes   int             `json:"bytes"`
	Data    json.RawMessage `json:"data"`
}

func (ctl *Controller) sharedSnapshots(ctx context.Context) (map[string]sharedSnapshot, error) {
	kept, err := ctl.st.ListShared(ctx, snapshotPrefix)
	if err != nil {
		return nil, err
	}
	out := map[string]sharedSnapshot{}
	for key, v := range kept {
		var s sharedSnapshot
		if err := json.Unmarshal([]byte(v), &s); err != nil {
			return nil, fmt.Errorf("control: shared snapshot %s: %w", key, err)
		}
		out[strings.TrimPrefix(key, snapshotPrefix)] = s
	}
	return out, nil
}

func (ctl *Controller) listSharedSnapshots(c echo.Context) error {
	kept, err := ctl.sharedSnapshots(c.Request().Context())
	if err != nil {
		return err
	}
	out := []snapshotInfo{}
	for name, s := range kept {
		out = append(out, snapshotInfo{name, s.Records, s.Bytes})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return c.JSON(http.StatusOK, out)
}

func (ctl *Controller) saveSharedSnapshot(c echo.Context, name string, snap store.Snapshot) error {
	ctx := c.Request().Context()
	size := snap.Size()
	kept, err := ctl.sharedSnapshots(ctx)
	if err != nil {
		return err
	}
	number, total := len(kept)+1, size
	for other, s := range kept {
		if other == name {
			number--
		} else {
			total += s.Bytes
		}
	}
	if number > ctl.maxSnapshots {
		return fail(c, http.StatusConflict, fmt.Sprintf(
			"at most %d snapshots are kept (--max-snapshots): delete one first", ctl.maxSnapshots))
	}
	if total > ctl.snapshotBytes {
		return fail(c, http.StatusConflict, fmt.Sprintf(
			"snapshots would hold %d bytes, over the limit of %d (--snapshot-bytes): delete some first", total, ctl.snapshotBytes))
	}
	data, err := store.EncodeSnapshot(snap)
	if err != nil {
		return err
	}
	value, err := json.Marshal(sharedSnapshot{Records: counts(snap), Bytes: size, Data: data})
	if err != nil {
		return err
	}
	if err := ctl.st.PutShared(ctx, snapshotPrefix+name, string(value)); err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, snapshotInfo{name, counts(snap), size})
}

func (ctl *Controller) restoreSharedSnapshot(c echo.Context) error {
	ctx := c.Request().Context()
	name := c.Param("name")
	text, ok, err := ctl.st.LookupShared(ctx, snapshotPrefix+name)
	if err != nil {
		return err
	}
	if !ok {
		return fail(c, http.StatusNotFound, "no snapshot named "+strconv.Quote(name))
	}
	var kept sharedSnapshot
	if err := json.Unmarshal([]byte(text), &kept); err != nil {
		return err
	}
	snap, err := ctl.st.DecodeSnapshot(kept.Data)
	if err == nil {
		err = ctl.st.Restore(ctx, snap)
	}
	if err != nil {
		return fail(c, http.StatusInternalServerError, "the snapshot could not be restored, nothing changed: "+err.Error())
	}
	return c.JSON(http.StatusOK, snapshotInfo{name, kept.Records, kept.Bytes})
}

func (ctl *Controller) deleteSharedSnapshot(c echo.Context) error {
	deleted, err := ctl.st.DeleteShared(c.Request().Context(), snapshotPrefix+c.Param("name"))
	if err != nil {
		return err
	}
	if !deleted {
		return fail(c, http.StatusNotFound, "no snapshot named "+strconv.Quote(c.Param("name")))
	}
	return c.NoContent(http.StatusNoContent)
}

// sharedFixtures is a fixtures document as kept beside the records.
type sharedFixtures struct {
	Name string `json:"name"`
	Data []byte `json:"data"`
}

// ShareBaseline makes the fixtures document what every mock on the shared database resets
// to, unless one is there already and replace is false.
func ShareBaseline(ctx context.Context, st *store.Store, name string, data []byte, replace bool) error {
	value, err := json.Marshal(sharedFixtures{name, data})
	if err != nil {
		return err
	}
	if replace {
		return st.PutShared(ctx, baselineKey, string(value))
	}
	_, err = st.SharedValue(ctx, baselineKey, string(value))
	return err
}

// sharedBaseline is the baseline the mocks on the shared database reset to, if one is kept.
func (ctl *Controller) sharedBaseline(ctx context.Context) (Baseline, bool, error) {
	text, ok, err := ctl.st.LookupShared(ctx, baselineKey)
	if err != nil || !ok {
		return nil, false, err
	}
	var kept sharedFixtures
	if err := json.Unmarshal([]byte(text), &kept); err != nil {
		return nil, false, err
	}
	ds, err := fixtures.Parse(kept.Name, kept.Data, ctl.st.Registry())
	if err != nil {
		return nil, false, err
	}
	return ds, true, nil
}
