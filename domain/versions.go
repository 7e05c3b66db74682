package domain

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
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
	versions, err := newCreateVersions(actor)
	if err != nil {
		return err
	}
	if err := versions.insert(ctx, tx, def, recs); err != nil {
		return err
	}
	return versions.put(ctx, tx)
}

// versionColumns are the columns createVersions gives; the store fills the id and the
// timestamps.
var versionColumns = []string{"resource_type", "resource_id", "event", "changes", "who", "organization_id"}

// createVersions collects the versions of records created together, of any types, to store
// them in one batch: each what recordVersion would write for its record, without a map per
// version.
type createVersions struct {
	whom    any   // who, as stored: the same for each
	values  []any // rows of versionColumns
	changes []byte
}

func newCreateVersions(actor store.Record) (*createVersions, error) {
	whom, err := json.Marshal(who(actor))
	if err != nil {
		return nil, err
	}
	return &createVersions{whom: string(whom)}, nil
}

// insert stores recs, new records of def, in one batch (store.PutAll: ids, timestamps and
// defaults filled in), and collects their versions.
func (v *createVersions) insert(ctx context.Context, tx *store.Store, def *models.Resource, recs []store.Record) error {
	if err := tx.PutAll(ctx, def, recs); err != nil {
		return err
	}
	return v.add(def, recs)
}

// add collects the versions of the creates of recs, records of def as stored.
func (v *createVersions) add(def *models.Resource, recs []store.Record) error {
	if !def.Versioned {
		return nil
	}
	names := createChangeNames(def)
	resourceType := any(def.Type) // boxed once for every row
	vals := make([]any, len(names))
	v.values = slices.Grow(v.values, len(recs)*len(versionColumns))
	for _, rec := range recs {
		for i, name := range names {
			vals[i] = rec[name]
		}
		if err := v.addOne(resourceType, names, vals, rec["id"], versionOrg(def, rec)); err != nil {
			return err
		}
	}
	return nil
}

// insertRows stores new records of def given as rows (store.PutRows: len(cols) values a
// row, ids included; timestamps and defaults filled in), and collects their versions.
func (v *createVersions) insertRows(ctx context.Context, tx *store.Store, def *models.Resource, cols []string, values []any) error {
	if err := tx.PutRows(ctx, def, cols, values); err != nil {
		return err
	}
	if !def.Versioned {
		return nil
	}
	idAt := slices.Index(cols, "id")
	if idAt < 0 {
		return fmt.Errorf("domain: rows of %s without their ids", def.Type)
	}
	names := createChangeNames(def)
	// Each name's column in a row; a column the rows leave out holds what the store fills
	// in: the description's default, else nothing.
	at := make([]int, len(names))
	filled := make([]any, len(names))
	for i, name := range names {
		if at[i] = slices.Index(cols, name); at[i] < 0 {
			if a := def.Attr(name); a != nil && a.Stored() {
				filled[i] = a.Default
			}
		}
	}
	orgAt := slices.Index(cols, def.Tenancy.OrgColumn)
	resourceType := any(def.Type) // boxed once for every row
	vals := make([]any, len(names))
	v.values = slices.Grow(v.values, len(values)/len(cols)*len(versionColumns))
	for start := 0; start < len(values); start += len(cols) {
		row := values[start : start+len(cols)]
		for i := range names {
			if vals[i] = filled[i]; at[i] >= 0 {
				vals[i] = row[at[i]]
			}
		}
		var org any = "" // as versionOf gives it for none
		if orgAt >= 0 {
			if _, ok := row[orgAt].(string); ok {
				org = row[orgAt]
			}
		}
		if err := v.addOne(resourceType, names, vals, row[idAt], org); err != nil {
			return err
		}
	}
	return nil
}

// addOne collects the version of the create of one record of resourceType, id, whose
// columns names (createChangeNames') hold vals, and whose organization is org.
func (v *createVersions) addOne(resourceType any, names []string, vals []any, id, org any) error {
	var err error
	if v.changes, err = appendCreateChanges(v.changes[:0], names, vals); err != nil {
		return err
	}
	v.values = append(v.values, resourceType, id, eventCreate, string(v.changes), v.whom, org)
	return nil
}

// put stores the versions collected.
func (v *createVersions) put(ctx context.Context, tx *store.Store) error {
	return tx.PutRows(ctx, tx.Registry().Lookup("versions"), versionColumns, v.values)
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

// appendCreateChanges appends the changes of the create of a record whose columns names
// (createChangeNames') hold vals: changesJSON(changesOf(def, nil, rec)), byte for byte,
// without the map. A create shows every column that holds a value, from null.
func appendCreateChanges(out []byte, names []string, vals []any) ([]byte, error) {
	out = append(out, '{')
	first := true
	for i, name := range names {
		v := vals[i]
		if v == nil {
			continue // what changesOf's sameValue finds equal to the absent old value
		}
		if !first {
			out = append(out, ',')
		}
		first = false
		var err error
		if out, err = appendJSONString(out, name); err != nil {
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
		return appendJSONString(out, v)
	}
	b, err := json.Marshal(v)
	return append(out, b...), err
}

// appendJSONString is appendJSON of a string, without boxing it (a key of every version).
func appendJSONString(out []byte, s string) ([]byte, error) {
	if plainJSON(s) {
		out = append(out, '"')
		out = append(out, s...)
		return append(out, '"'), nil
	}
	b, err := json.Marshal(s)
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
