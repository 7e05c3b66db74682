package domain

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// Version events, as the real service's audit trail names them.
const (
	eventCreate  = "create"
	eventUpdate  = "update"
	eventDestroy = "destroy"
)

// recordVersion writes the audit record of a write to a versioned type: which attributes
// and links changed, from what to what, and who made the change. old is nil on create, new
// on destroy.
func recordVersion(ctx context.Context, tx *store.Store, def *models.Resource, event string, old, new store.Record, actor store.Record) error {
	if !def.Versioned {
		return nil
	}
	changes := changesOf(def, old, new)
	if event == eventUpdate && len(changes) == 0 {
		return nil // nothing the audit trail would show
	}
	// Not read back: nothing answers with it.
	return tx.Put(ctx, tx.Registry().Lookup("versions"), versionOf(def, event, changes, old, new, who(actor)))
}

// versionOf is the version record of a change to a record of def, made by whom (see who).
func versionOf(def *models.Resource, event string, changes map[string][2]any, old, new store.Record, whom any) store.Record {
	rec := new
	if rec == nil {
		rec = old
	}
	orgID := rec.String(def.Tenancy.OrgColumn)
	if def.Tenancy.OrgColumn == "id" {
		orgID = rec.ID()
	}
	// Room for what the store fills in (id, timestamps): no map grows.
	v := make(store.Record, 10)
	v["resource_type"], v["resource_id"], v["event"] = def.Type, rec.ID(), event
	v["changes"], v["who"] = changes, whom
	// The version stays with the record's organization after the record is destroyed.
	v["organization_id"] = orgID
	return v
}

// changesOf is what a version shows of a change from old to new (nil on create, on
// destroy): the rendered attributes and links that differ, from what to what.
func changesOf(def *models.Resource, old, new store.Record) map[string][2]any {
	changes := make(map[string][2]any, len(def.Attrs)+len(def.Rels))
	for _, a := range def.Attrs {
		if !a.Rendered() || a.Name == "created_at" || a.Name == "updated_at" {
			continue
		}
		before, after := old[a.Name], new[a.Name]
		if !sameValue(before, after) {
			changes[a.Name] = [2]any{before, after}
		}
	}
	// Links are columns of the record too (role_id, ...): a membership moved to another role
	// is a change the audit trail shows, as PaperTrail's object_changes would.
	for _, rel := range def.Rels {
		if rel.ToMany {
			continue
		}
		before, after := old[rel.FK], new[rel.FK]
		if !sameValue(before, after) {
			changes[rel.FK] = [2]any{before, after}
		}
	}
	return changes
}

// insertAll stores records of one type as side effects of another write, with their
// versions, in as few statements as the store allows (an organization's set-up creates
// hundreds): the records as given, with their ids, timestamps and defaults filled in.
func insertAll(ctx context.Context, tx *store.Store, def *models.Resource, recs []store.Record, actor store.Record) error {
	if err := tx.PutAll(ctx, def, recs); err != nil {
		return err
	}
	return putCreateVersions(ctx, tx, def, recs, actor)
}

// versionColumns are the columns putCreateVersions gives; the store fills the id and the
// timestamps.
var versionColumns = []string{"resource_type", "resource_id", "event", "changes", "who", "organization_id"}

// putCreateVersions stores the versions of the creates of recs (records of def, as stored)
// in one batch, each what recordVersion would write for it, without a map per version.
func putCreateVersions(ctx context.Context, tx *store.Store, def *models.Resource, recs []store.Record, actor store.Record) error {
	if !def.Versioned || len(recs) == 0 {
		return nil
	}
	whom, err := json.Marshal(who(actor)) // once for all: the same for each
	if err != nil {
		return err
	}
	names := createChangeNames(def)
	// Boxed once: values alike in every version.
	resourceType, event, whomText := any(def.Type), any(eventCreate), any(string(whom))
	values := make([]any, 0, len(recs)*len(versionColumns))
	var changes []byte
	for _, rec := range recs {
		if changes, err = appendCreateChanges(changes[:0], names, rec); err != nil {
			return err
		}
		values = append(values, resourceType, rec["id"], event, string(changes), whomText, versionOrg(def, rec))
	}
	return tx.PutRows(ctx, tx.Registry().Lookup("versions"), versionColumns, values)
}

// versionOrg is the organization_id of a version of rec, as versionOf gives it ("" for none).
func versionOrg(def *models.Resource, rec store.Record) any {
	col := def.Tenancy.OrgColumn
	if _, ok := rec[col].(string); ok {
		return rec[col]
	}
	return ""
}

// createChangeNames are the columns a create's version shows (see changesOf): def's rendered
// attributes but its timestamps, and its to-one links, sorted as json.Marshal sorts a map's
// keys.
func createChangeNames(def *models.Resource) []string {
	var names []string
	for _, a := range def.Attrs {
		if a.Rendered() && a.Name != "created_at" && a.Name != "updated_at" {
			names = append(names, a.Name)
		}
	}
	for _, rel := range def.Rels {
		if !rel.ToMany {
			names = append(names, rel.FK)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// appendCreateChanges appends the changes of rec's create, with names from
// createChangeNames: changesJSON(changesOf(def, nil, rec)), byte for byte, without the map.
// A create shows every column that holds a value, from null.
func appendCreateChanges(out []byte, names []string, rec store.Record) ([]byte, error) {
	out = append(out, '{')
	first := true
	for _, name := range names {
		v := rec[name]
		if v == nil {
			continue // what changesOf's sameValue finds equal to the absent old value
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		var err error
		if out, err = appendJSON(out, name); err != nil {
			return nil, err
		}
		out = append(out, ":[null,"...)
		if out, err = appendJSON(out, v); err != nil {
			return nil, err
		}
		out = append(out, ']')
	}
	return append(out, '}'), nil
}

// who names the user who made a change.
func who(actor store.Record) map[string]any {
	if actor == nil {
		return map[string]any{}
	}
	return map[string]any{"user": map[string]any{
		"id":         actor.ID(),
		"email":      actor["email"],
		"first_name": actor["first_name"],
		"last_name":  actor["last_name"],
	}}
}

// sameValue compares two record values; objects compare by their JSON text.
func sameValue(a, b any) bool {
	ra, aok := a.(json.RawMessage)
	rb, bok := b.(json.RawMessage)
	if aok || bok {
		return aok && bok && bytes.Equal(ra, rb)
	}
	return a == b
}

// insert stores a record as a side effect of another write, with its version.
func insert(ctx context.Context, tx *store.Store, def *models.Resource, rec, actor store.Record) (store.Record, error) {
	out, err := tx.Insert(ctx, def, rec)
	if err != nil {
		return nil, err
	}
	return out, recordVersion(ctx, tx, def, eventCreate, nil, out, actor)
}

// update changes a record as a side effect of another write, with its version.
func update(ctx context.Context, tx *store.Store, def *models.Resource, old, changes, actor store.Record) error {
	out, err := tx.Update(ctx, def, old.ID(), changes)
	if err != nil {
		return err
	}
	return recordVersion(ctx, tx, def, eventUpdate, old, out, actor)
}

// appendJSON appends v as json.Marshal writes it.
func appendJSON(out []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(out, "null"...), nil
	case bool:
		return strconv.AppendBool(out, v), nil
	case int64:
		return strconv.AppendInt(out, v, 10), nil
	case map[string]any:
		if v != nil && len(v) == 0 {
			return append(out, "{}"...), nil // a permission's restrictions, hundreds a set-up
		}
	case string:
		if plainJSON(v) {
			out = append(out, '"')
			out = append(out, v...)
			return append(out, '"'), nil
		}
	}
	b, err := json.Marshal(v)
	return append(out, b...), err
}

// plainJSON reports whether json.Marshal writes s as it is between quotes: printable ASCII
// with nothing it escapes (quotes, backslashes, and the HTML characters <, > and &).
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20 || c > 0x7e, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		}
	}
	return true
}
