package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
)

// Record is one row: column name to value. Values are string, int64, float64, bool,
// json.RawMessage (objects) or nil; timestamps are strings in TimeFormat.
type Record map[string]any

// ID returns the record's id.
func (r Record) ID() string { s, _ := r["id"].(string); return s }

// String returns a text column, or "" when it is NULL.
func (r Record) String(col string) string { s, _ := r[col].(string); return s }

// Cond is a condition on one column of the listed table: equality with Value.
type Cond struct {
	Column string
	Value  any
}

// ListQuery selects a page of records.
type ListQuery struct {
	Where   []Cond // exact-match conditions (a relationship list's parent, tenancy)
	Filters []query.Filter
	Sort    []query.SortKey
	Limit   int // 0: no limit
	Offset  int
}

// encodeValue turns a record value into what the SQLite driver stores for the kind.
func encodeValue(kind models.Kind, v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch kind {
	case models.Object:
		switch o := v.(type) {
		case json.RawMessage:
			return string(o), nil
		case string:
			return o, nil
		default:
			b, err := json.Marshal(o)
			return string(b), err
		}
	case models.Boolean:
		if b, ok := v.(bool); ok {
			if b {
				return int64(1), nil
			}
			return int64(0), nil
		}
	case models.Integer:
		switch n := v.(type) {
		case int:
			return int64(n), nil
		case float64:
			return int64(n), nil
		}
	case models.Number:
		switch n := v.(type) {
		case int:
			return float64(n), nil
		case int64:
			return float64(n), nil
		}
	}
	return v, nil
}

// decodeValue turns what the driver returned into the record value of the kind.
func decodeValue(kind models.Kind, v any) any {
	if b, ok := v.([]byte); ok {
		v = string(b)
	}
	if v == nil {
		return nil
	}
	switch kind {
	case models.Object:
		if s, ok := v.(string); ok {
			return json.RawMessage(s)
		}
	case models.Boolean:
		switch n := v.(type) {
		case int64:
			return n != 0
		case bool:
			return n
		}
	case models.Integer:
		if f, ok := v.(float64); ok {
			return int64(f)
		}
	case models.Number:
		if n, ok := v.(int64); ok {
			return float64(n)
		}
	}
	return v
}

// columnKinds maps each stored column of def to its kind (foreign keys and id are strings).
func columnKinds(def *models.Resource) map[string]models.Kind {
	kinds := map[string]models.Kind{"id": models.String}
	for _, a := range def.Attrs {
		if a.Stored() {
			kinds[a.Name] = a.Kind
		}
	}
	for _, rel := range def.Rels {
		if !rel.ToMany {
			kinds[rel.FK] = models.String
		}
	}
	return kinds
}

func (s *Store) table(def *models.Resource) *gorm.DB {
	return s.db.Table(def.Type)
}

func quote(name string) string { return `"` + name + `"` }

// scan reads rows of def's columns into records.
func scan(def *models.Resource, rows *sql.Rows) ([]Record, error) {
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	kinds := columnKinds(def)
	var out []Record
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		rec := make(Record, len(cols))
		for i, c := range cols {
			rec[c] = decodeValue(kinds[c], vals[i])
		}
		out = append(out, rec)
	}
	return out, rows.Err()
}

func (s *Store) selectColumns(def *models.Resource) []string {
	cols := def.Columns()
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = quote(def.Type) + "." + quote(c)
	}
	return quoted
}

// Get returns the record of def with that id, or ErrNotFound.
func (s *Store) Get(ctx context.Context, def *models.Resource, id string) (Record, error) {
	recs, err := s.GetMany(ctx, def, "id", []string{id})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, ErrNotFound
	}
	return recs[0], nil
}

// GetMany returns the records of def whose column holds one of values and that meet the
// extra conditions, in the default order.
func (s *Store) GetMany(ctx context.Context, def *models.Resource, column string, values []string, extra ...Cond) ([]Record, error) {
	values = slices.DeleteFunc(slices.Clone(values), hasNUL) // no stored text holds one
	if len(values) == 0 {
		return nil, nil
	}
	db, err := s.where(ctx, def, ListQuery{Where: extra})
	if err != nil {
		return nil, err
	}
	rows, err := db.Select(s.selectColumns(def)).
		Where(clause.IN{Column: clause.Column{Table: def.Type, Name: column}, Values: anySlice(values)}).
		Order(s.defaultOrder(def)).Rows()
	if err != nil {
		return nil, err
	}
	return scan(def, rows)
}

// anySlice turns values into bind arguments, each once: an include of 25 records that share
// an organization asks for it once, and equal lists give equal statements, which the
// prepared-statement cache reuses.
func anySlice(values []string) []any {
	out := make([]any, 0, len(values))
	seen := make(map[string]bool, len(values))
	for _, v := range values {
		if !seen[v] {
			seen[v] = true
			out = append(out, v)
		}
	}
	return out
}

// defaultOrder is creation order; the dialect's tie-break (SQLite's rowid) orders records
// created in the same millisecond, so the order is the order of insertion.
func (s *Store) defaultOrder(def *models.Resource) string {
	return quote(def.Type) + `."created_at", ` + s.dialect.tieBreak(quote(def.Type))
}

func (s *Store) where(ctx context.Context, def *models.Resource, q ListQuery) (*gorm.DB, error) {
	noteRead(ctx, def.Type, q.Filters)
	db := s.table(def).WithContext(ctx)
	kinds := columnKinds(def)
	for _, c := range q.Where {
		// Encoded as stored: PostgreSQL's driver does not take a bool for a BIGINT column.
		v, err := encodeValue(kinds[c.Column], c.Value)
		if err != nil {
			return nil, err
		}
		if text, ok := v.(string); ok && hasNUL(text) {
			db = db.Where("1 = 0") // no stored text holds a NUL
			continue
		}
		db = db.Where(clause.Eq{Column: clause.Column{Table: def.Type, Name: c.Column}, Value: v})
	}
	allowed, err := s.allowed(ctx)
	if err != nil {
		return nil, err
	}
	if len(q.Filters) > 0 {
		expr, err := s.filtersExpr(def, q.Filters, allowed)
		if err != nil {
			return nil, err
		}
		db = db.Where(expr)
	}
	// Visibility last: when it and a filter both constrain one indexed column (organization_id
	// IN ...), SQLite lets the first drive the index, and a filter is the more selective.
	if sql, args, ok := visibility(def, allowed); ok {
		db = db.Where(clause.Expr{SQL: sql, Vars: args})
	}
	return db, nil
}

// List returns one page of records and how many match in all.
func (s *Store) List(ctx context.Context, def *models.Resource, q ListQuery) ([]Record, int64, error) {
	db, err := s.where(ctx, def, q)
	if err != nil {
		return nil, 0, err
	}
	var total int64
	if err := db.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	if q.Limit > 0 && int64(q.Offset) >= total {
		return nil, total, nil
	}
	db, _ = s.where(ctx, def, q)
	db = db.Select(s.selectColumns(def))
	var order []string
	for _, k := range q.Sort {
		order = append(order, s.dialect.orderTerm(quote(def.Type)+"."+quote(k.Column), k.Desc))
	}
	order = append(order, s.defaultOrder(def))
	db = db.Order(strings.Join(order, ", "))
	if q.Limit > 0 {
		db = db.Limit(q.Limit).Offset(q.Offset)
	}
	rows, err := db.Rows()
	if err != nil {
		return nil, 0, err
	}
	recs, err := scan(def, rows)
	return recs, total, err
}

// Count returns how many records of def have column equal to value.
func (s *Store) Count(ctx context.Context, def *models.Resource, conds ...Cond) (int64, error) {
	db, err := s.where(ctx, def, ListQuery{Where: conds})
	if err != nil {
		return 0, err
	}
	var n int64
	err = db.Count(&n).Error
	return n, err
}

// Insert stores rec as a new record of def. Stored attributes it leaves out get the
// description's default; id and timestamps are generated when absent.
func (s *Store) Insert(ctx context.Context, def *models.Resource, rec Record) (Record, error) {
	s.fill(def, rec)
	if _, err := s.insertRow(ctx, def, rec); err != nil {
		return nil, err
	}
	// Read back unscoped: a record can become visible only through later writes (a new
	// organization, once its owner membership exists).
	return s.Unscoped().Get(ctx, def, rec.ID())
}

// insertRow writes a complete record as it is.
func (s *Store) insertRow(ctx context.Context, def *models.Resource, rec Record) (Record, error) {
	row, err := encodeRecord(def, rec)
	if err != nil {
		return nil, err
	}
	// Plain INSERT text from the description's columns: GORM's map Create reflects on
	// every call, and loading fixtures or restoring a snapshot inserts many rows.
	cols := make([]string, 0, len(row))
	for col := range row {
		cols = append(cols, col)
	}
	sort.Strings(cols)
	quoted := make([]string, len(cols))
	args := make([]any, len(cols))
	for i, col := range cols {
		quoted[i], args[i] = quote(col), row[col]
	}
	stmt := "INSERT INTO " + quote(def.Type) + " (" + strings.Join(quoted, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	defer s.wrote(def.Type)
	if err := s.db.WithContext(ctx).Exec(stmt, args...).Error; err != nil {
		return nil, diskFull(fmt.Errorf("store: insert %s %s: %w", def.Type, rec.ID(), err))
	}
	return rec, nil
}

// PutAll stores records of one type as they are, without reading them back, in as few
// statements as SQLite allows: for loading data (fixtures, snapshots) where the caller
// already holds what it wrote. Defaults and timestamps are filled as by Insert, so a column
// a record leaves out is stored exactly as Insert would store it.
func (s *Store) PutAll(ctx context.Context, def *models.Resource, recs []Record) error {
	if len(recs) == 0 {
		return nil
	}
	rows := make([]map[string]any, len(recs))
	used := map[string]bool{}
	for i, rec := range recs {
		s.fill(def, rec)
		row, err := encodeRecord(def, rec)
		if err != nil {
			return err
		}
		for col := range row {
			used[col] = true
		}
		rows[i] = row
	}
	cols := make([]string, 0, len(used))
	for col := range used {
		cols = append(cols, col)
	}
	sort.Strings(cols)
	quoted := make([]string, len(cols))
	for i, col := range cols {
		quoted[i] = quote(col)
	}
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	// A statement binds at most the dialect's number of values (SQLite: 32766).
	perStatement := max(1, (s.dialect.maxBindVars()-filterVarsMargin)/len(cols))
	defer s.wrote(def.Type)
	for start := 0; start < len(rows); start += perStatement {
		batch := rows[start:min(start+perStatement, len(rows))]
		args := make([]any, 0, len(batch)*len(cols))
		for _, row := range batch {
			for _, col := range cols {
				args = append(args, row[col]) // absent: NULL, as an INSERT without the column stores
			}
		}
		stmt := "INSERT INTO " + quote(def.Type) + " (" + strings.Join(quoted, ", ") + ") VALUES " +
			strings.TrimSuffix(strings.Repeat(tuple+", ", len(batch)), ", ")
		// A savepoint, so that the transaction can go on after a failed statement (PostgreSQL
		// refuses every statement after one, until rolled back to a savepoint).
		if s.inTx {
			if err := s.db.WithContext(ctx).SavePoint("put_all").Error; err != nil {
				return err
			}
		}
		if err := s.db.WithContext(ctx).Exec(stmt, args...).Error; err != nil {
			if s.inTx {
				if rbErr := s.db.WithContext(ctx).RollbackTo("put_all").Error; rbErr != nil {
					return diskFull(fmt.Errorf("store: insert %s: %w", def.Type, err))
				}
			}
			// Find the record at fault, to name it: a failed statement changes nothing, and
			// the caller's transaction undoes the rows inserted while looking.
			for i := range batch {
				if _, rowErr := s.insertRow(ctx, def, recs[start+i]); rowErr != nil {
					return rowErr
				}
			}
			return diskFull(fmt.Errorf("store: insert %s: %w", def.Type, err))
		}
	}
	return nil
}

// fill gives a new record its id, timestamps and the description's defaults.
func (s *Store) fill(def *models.Resource, rec Record) {
	now := s.NowTextFor(def)
	if rec.ID() == "" {
		rec["id"] = s.newID()
	}
	for _, ts := range []string{"created_at", "updated_at"} {
		if rec[ts] == nil {
			rec[ts] = now
		}
	}
	for _, a := range def.Attrs {
		if _, set := rec[a.Name]; !set && a.Stored() && a.Default != nil {
			rec[a.Name] = a.Default
		}
	}
}

func encodeRecord(def *models.Resource, rec Record) (map[string]any, error) {
	kinds := columnKinds(def)
	row := make(map[string]any, len(rec))
	for col, v := range rec {
		kind, ok := kinds[col]
		if !ok {
			return nil, fmt.Errorf("store: %s has no column %s", def.Type, col)
		}
		ev, err := encodeValue(kind, v)
		if err != nil {
			return nil, fmt.Errorf("store: %s.%s: %w", def.Type, col, err)
		}
		if text, ok := ev.(string); ok && hasNUL(text) {
			return nil, fmt.Errorf("store: %s.%s: %w", def.Type, col, ErrNUL)
		}
		row[col] = ev
	}
	return row, nil
}

// Update writes the given columns of the record with that id and touches updated_at.
func (s *Store) Update(ctx context.Context, def *models.Resource, id string, changes Record) (Record, error) {
	if _, ok := changes["updated_at"]; !ok {
		changes["updated_at"] = s.NowTextFor(def)
	}
	row, err := encodeRecord(def, changes)
	if err != nil {
		return nil, err
	}
	db, err := s.where(ctx, def, ListQuery{Where: []Cond{{Column: "id", Value: id}}})
	if err != nil {
		return nil, err
	}
	defer s.wrote(def.Type)
	res := db.Updates(row)
	if res.Error != nil {
		return nil, diskFull(fmt.Errorf("store: update %s: %w", def.Type, res.Error))
	}
	if res.RowsAffected == 0 {
		return nil, ErrNotFound
	}
	return s.Unscoped().Get(ctx, def, id)
}

// SetColumn writes one column of every record of def whose id is in ids.
func (s *Store) SetColumn(ctx context.Context, def *models.Resource, ids []string, column string, value any) error {
	if len(ids) == 0 {
		return nil
	}
	db, err := s.where(ctx, def, ListQuery{})
	if err != nil {
		return err
	}
	value, err = encodeValue(columnKinds(def)[column], value)
	if err != nil {
		return err
	}
	defer s.wrote(def.Type)
	return diskFull(db.Where(clause.IN{Column: clause.Column{Table: def.Type, Name: "id"}, Values: anySlice(ids)}).
		Updates(map[string]any{column: value, "updated_at": s.NowText()}).Error)
}

// Delete removes the record with that id.
func (s *Store) Delete(ctx context.Context, def *models.Resource, id string) error {
	db, err := s.where(ctx, def, ListQuery{Where: []Cond{{Column: "id", Value: id}}})
	if err != nil {
		return err
	}
	defer s.wrote(def.Type)
	res := db.Delete(nil)
	if res.Error != nil {
		return diskFull(fmt.Errorf("store: delete %s: %w", def.Type, res.Error))
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// DeleteAll empties every table, dependents first.
func (s *Store) DeleteAll(ctx context.Context) error {
	defer s.wroteAll()
	all := s.reg.All()
	for i := len(all) - 1; i >= 0; i-- {
		if err := s.db.WithContext(ctx).Exec("DELETE FROM " + quote(all[i].Type)).Error; err != nil {
			return err
		}
	}
	return nil
}

// ErrNUL is a text value holding a NUL character, which no engine's text stores alike
// (PostgreSQL stores none): refused on every engine, before anything is written.
var ErrNUL = errors.New("text holds a NUL character")

func hasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }

// IsNotFound reports whether err means a missing record.
func IsNotFound(err error) bool {
	return errors.Is(err, ErrNotFound) || errors.Is(err, gorm.ErrRecordNotFound)
}
