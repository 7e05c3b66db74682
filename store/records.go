package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"gorm.io/gorm"

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
	// scanSubstrings: substring matches read no trigram index (a page of many matches,
	// which the list's order finds sooner).
	scanSubstrings bool
	// denseSubstrings: those read no trigram index either (Store.findDenseSubstrings).
	denseSubstrings map[string]bool
}

// Past substringScanFrom matches, a page whose end is within the first eighth of them is
// read in the list's order, each record tested, rather than through the trigram index: in
// order, a match comes every few records, and the index's way sorts every match first (a
// page of 28,000 matches out of 100,000 records: 0.05 ms instead of 19).
const substringScanFrom = 2000

// encodeValue turns a record value into what the SQLite driver stores for the kind. A value
// stored as it is comes back as the same interface value, not boxed anew: batched writes
// encode hundreds.
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
			return v, nil
		case map[string]any:
			if o != nil && len(o) == 0 {
				return "{}", nil // as json.Marshal writes it: the default of many objects, per row
			}
		}
		b, err := json.Marshal(v)
		return string(b), err
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

// tableMeta is what building the statements of one type needs, computed once per store.
type tableMeta struct {
	kinds      map[string]models.Kind
	columns    []string // def.Columns()
	selectList string   // the columns, qualified and quoted, for SELECT
	returning  string   // the columns, quoted, for RETURNING
	order      string   // the default order
	// lookups are, by column, what follows the table's name in a read of the records whose
	// column holds one of a few values (getMany, CountEach): the dialect's naming of the
	// index that leads with it (indexedBy), or nothing.
	lookups map[string]string
	packed  *packedRead // how to read every column packed (packed.go); nil: column by column
	// The SELECTs of every column, packed and not, by what follows their select list.
	packedSelects, plainSelects *selectTexts
}

// keepLookupsOfIndexesThatExist forgets the lookups (tableMeta.lookups) whose index the
// database file lacks or has on another first column: SQLite fails a statement whose INDEXED
// BY names no index, and reads all of one that leads with another column; a file another
// program made may declare its primary key otherwise (its automatic indexes numbered in
// another order). The upgrade made every index the descriptions call for.
func (s *Store) keepLookupsOfIndexesThatExist() error {
	for def, m := range s.meta {
		if len(m.lookups) == 0 || s.dialect.indexLeads() == "" {
			continue
		}
		leads, err := s.indexLeads(def.Type)
		if err != nil {
			return err
		}
		maps.DeleteFunc(m.lookups, func(col, hint string) bool { return leads[hint] != col })
	}
	return nil
}

// indexLeads maps the INDEXED BY hint of each index of a table to its first column.
func (s *Store) indexLeads(table string) (map[string]string, error) {
	rows, err := s.sqlDB.Query(s.dialect.indexLeads(), table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	leads := map[string]string{}
	for rows.Next() {
		var index string
		var first sql.NullString // NULL for an expression
		if err := rows.Scan(&index, &first); err != nil {
			return nil, err
		}
		leads[s.dialect.indexedBy(index)] = first.String
	}
	return leads, rows.Err()
}

// selectTexts keeps the text of a type's SELECTs of every column by what follows the select
// list: the list names every column (kilobytes), and a read would otherwise write the whole
// statement anew, only to find it in the statement cache. The rest of a statement binds its
// values, so there are few; past maxCachedStatements they are written each time.
type selectTexts struct {
	head  string // SELECT and the list
	mu    sync.RWMutex
	texts map[string]string
}

func newSelectTexts(list string) *selectTexts {
	return &selectTexts{head: "SELECT " + list, texts: map[string]string{}}
}

func (t *selectTexts) text(rest string) string {
	t.mu.RLock()
	q, ok := t.texts[rest]
	t.mu.RUnlock()
	if ok {
		return q
	}
	q = t.head + rest
	t.mu.Lock()
	if len(t.texts) < maxCachedStatements {
		t.texts[rest] = q
	}
	t.mu.Unlock()
	return q
}

func tableMetas(reg *models.Registry, d dialect) map[*models.Resource]*tableMeta {
	out := map[*models.Resource]*tableMeta{}
	for _, def := range reg.All() {
		out[def] = newTableMeta(def, d)
	}
	return out
}

func newTableMeta(def *models.Resource, d dialect) *tableMeta {
	m := &tableMeta{kinds: columnKinds(def), columns: def.Columns()}
	qualified := make([]string, len(m.columns))
	plain := make([]string, len(m.columns))
	for i, c := range m.columns {
		qualified[i] = d.resultColumn(quote(def.Type) + "." + quote(c))
		plain[i] = quote(c)
	}
	m.selectList = strings.Join(qualified, ", ")
	m.returning = strings.Join(plain, ", ")
	m.order = quote(def.Type) + `."created_at", ` + d.tieBreak(quote(def.Type))
	m.lookups = map[string]string{}
	for col, ix := range lookupIndexes(tableOf(def, d), d) {
		if hint := d.indexedBy(ix); hint != "" {
			m.lookups[col] = hint
		}
	}
	for i, c := range m.columns {
		qualified[i] = quote(def.Type) + "." + quote(c)
	}
	m.packed = newPackedRead(d, m.kinds, m.columns, qualified)
	m.plainSelects = newSelectTexts(m.selectList)
	if m.packed != nil {
		m.packedSelects = newSelectTexts(m.packed.selectList)
	}
	return m
}

// readAll runs the SELECT of every column of a type followed by rest (from FROM on): its rows
// packed where the dialect packs them, else column by column.
func (s *Store) readAll(ctx context.Context, m *tableMeta, rest string, args []any) ([]Record, error) {
	if p := m.packed; p != nil {
		rows, err := s.query(ctx, m.packedSelects.text(rest), args...)
		if err == nil {
			var recs []Record
			if recs, err = p.scan(m.kinds, rows); err == nil {
				return recs, nil
			}
		}
		// A value an array cannot hold (SQLite refuses a BLOB) or one it wrote otherwise than
		// expected: the plain read answers, or reports the statement's own error.
	}
	return s.readColumns(ctx, m, rest, args)
}

// readColumns is readAll reading column by column.
func (s *Store) readColumns(ctx context.Context, m *tableMeta, rest string, args []any) ([]Record, error) {
	rows, err := s.query(ctx, m.plainSelects.text(rest), args...)
	if err != nil {
		return nil, err
	}
	return scanNamed(m.kinds, m.columns, rows)
}

// metaOf returns def's tableMeta; a description the store was not opened with gets one
// computed on the spot.
func (s *Store) metaOf(def *models.Resource) *tableMeta {
	if m := s.meta[def]; m != nil {
		return m
	}
	return newTableMeta(def, s.dialect)
}

// scanNamed reads rows into records, each column decoded as its kind, for a statement whose
// result columns the caller names, in order: asking the driver costs a call into SQLite per
// column on every execution.
func scanNamed(kinds map[string]models.Kind, cols []string, rows results) ([]Record, error) {
	defer rows.Close()
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
	return s.getMany(ctx, def, nil, column, values, extra)
}

// GetManyColumns is GetMany reading only id and the columns named: for rules that look at
// a few columns of many records.
func (s *Store) GetManyColumns(ctx context.Context, def *models.Resource, columns []string, column string, values []string, extra ...Cond) ([]Record, error) {
	sel := s.dialect.resultColumn(quote(def.Type) + `."id"`)
	names := append(make([]string, 0, len(columns)+1), "id")
	for _, c := range columns {
		if _, ok := s.metaOf(def).kinds[c]; !ok {
			return nil, fmt.Errorf("store: %s has no column %s", def.Type, c)
		}
		sel += ", " + s.dialect.resultColumn(quote(def.Type)+"."+quote(c))
		names = append(names, c)
	}
	return s.getMany(ctx, def, &selected{list: sel, names: names}, column, values, extra)
}

// selected is what a read selects: the result columns (SQL), and their names in order.
type selected struct {
	list  string
	names []string
}

// getMany reads the columns of sel, or every column for nil.
func (s *Store) getMany(ctx context.Context, def *models.Resource, sel *selected, column string, values []string, extra []Cond) ([]Record, error) {
	values = slices.DeleteFunc(slices.Clone(values), hasNUL) // no stored text holds one
	if len(values) == 0 {
		return nil, nil
	}
	m := s.metaOf(def)
	conds, args, err := s.conditions(ctx, def, m, extra)
	if err != nil {
		return nil, err
	}
	cond, in := inList(quote(def.Type)+"."+quote(column), values)
	// As GORM built them: the conditions, visibility, then the list.
	conds = append(conds, cond)
	args = append(args, in...)
	rest := " FROM " + quote(def.Type) + m.lookups[column] + " WHERE " + strings.Join(conds, " AND ") + " ORDER BY " + m.order
	if sel == nil {
		return s.readAll(ctx, m, rest, args)
	}
	rows, err := s.query(ctx, "SELECT "+sel.list+rest, args...)
	if err != nil {
		return nil, err
	}
	return scanNamed(m.kinds, sel.names, rows)
}

// inList is the condition that col holds one of values, with its bound values (each once).
func inList(col string, values []string) (string, []any) {
	in := anySlice(values)
	if len(in) == 1 {
		return col + " = ?", in
	}
	return col + " IN (" + binds(len(in)) + ")", in
}

// CountEach counts the records of def whose column holds each of values (and that meet the
// extra conditions): a value no record holds counts 0.
func (s *Store) CountEach(ctx context.Context, def *models.Resource, column string, values []string, extra ...Cond) (map[string]int64, error) {
	out := make(map[string]int64, len(values))
	for _, v := range values {
		out[v] = 0
	}
	values = slices.DeleteFunc(slices.Clone(values), hasNUL)
	if len(values) == 0 {
		return out, nil
	}
	m := s.metaOf(def)
	conds, args, err := s.conditions(ctx, def, m, extra)
	if err != nil {
		return nil, err
	}
	col := quote(def.Type) + "." + quote(column)
	cond, in := inList(col, values)
	conds = append(conds, cond)
	args = append(args, in...)
	rows, err := s.query(ctx, "SELECT "+col+", count(*) FROM "+quote(def.Type)+m.lookups[column]+" WHERE "+strings.Join(conds, " AND ")+" GROUP BY "+col, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var v string
		var n int64
		if err := rows.Scan(&v, &n); err != nil {
			return nil, err
		}
		out[v] = n
	}
	return out, rows.Err()
}

// setEachBatch is how many records one statement of SetEach writes: statements of the same
// length are prepared once.
const setEachBatch = 64

// SetEach writes one column of several records of def, each its own value (by id), leaving
// updated_at as it is: for values derived from other records (an organization's totals).
// Records the handle cannot see, or that do not exist, are left alone.
func (s *Store) SetEach(ctx context.Context, def *models.Resource, column string, values map[string]any) error {
	m := s.metaOf(def)
	kind, ok := m.kinds[column]
	if !ok {
		return fmt.Errorf("store: %s has no column %s", def.Type, column)
	}
	ids := make([]string, 0, len(values))
	for id := range values {
		if !hasNUL(id) {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids) // the same statements, in the same order, for the same values
	terms, condArgs, err := s.conditions(ctx, def, m, nil)
	if err != nil {
		return err
	}
	// VALUES leaves its columns untyped on PostgreSQL: text fits text columns only.
	value := "v.column2"
	if kind != models.String && kind != models.Object {
		value = "CAST(v.column2 AS " + s.dialect.columnType(kind) + ")"
	}
	terms = append([]string{quote(def.Type) + `."id" = v.column1`}, terms...)
	defer s.wrote(def.Type)
	for start := 0; start < len(ids); start += setEachBatch {
		batch := ids[start:min(start+setEachBatch, len(ids))]
		args := make([]any, 0, 2*len(batch)+len(condArgs))
		for _, id := range batch {
			v, err := encodeValue(kind, values[id])
			if err != nil {
				return fmt.Errorf("store: %s.%s: %w", def.Type, column, err)
			}
			if text, ok := v.(string); ok && hasNUL(text) {
				return fmt.Errorf("store: %s.%s: %w", def.Type, column, ErrNUL)
			}
			args = append(args, id, v)
		}
		args = append(args, condArgs...)
		q := "UPDATE " + quote(def.Type) + " SET " + quote(column) + " = " + value +
			" FROM (VALUES " + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(batch)), ", ") + ") AS v" +
			" WHERE " + strings.Join(terms, " AND ")
		if _, err := s.exec(ctx, q, args...); err != nil {
			return diskFull(fmt.Errorf("store: update %s: %w", def.Type, err))
		}
	}
	return nil
}

// equalityTerms are the terms of a WHERE that conds make (each column equal to its value),
// with room for two more, and their bound values.
func equalityTerms(def *models.Resource, m *tableMeta, conds []Cond) ([]string, []any, error) {
	terms := make([]string, 0, len(conds)+2)
	var args []any
	for _, c := range conds {
		// Encoded as stored: PostgreSQL's driver does not take a bool for a BIGINT column.
		v, err := encodeValue(m.kinds[c.Column], c.Value)
		if err != nil {
			return nil, nil, err
		}
		col := quote(def.Type) + "." + quote(c.Column)
		switch text, ok := v.(string); {
		case ok && hasNUL(text):
			terms = append(terms, "1 = 0") // no stored text holds a NUL
		case v == nil:
			terms = append(terms, col+" IS NULL")
		default:
			terms = append(terms, col+" = ?")
			args = append(args, v)
		}
	}
	return terms, args, nil
}

// conditions are the terms of a WHERE that the conditions and the handle's scope make, in
// that order (as listConditions), with their bound values.
func (s *Store) conditions(ctx context.Context, def *models.Resource, m *tableMeta, conds []Cond) ([]string, []any, error) {
	noteRead(ctx, def.Type, nil) // every statement the store writes itself reads through here
	terms, args, err := equalityTerms(def, m, conds)
	if err != nil {
		return nil, nil, err
	}
	allowed, err := s.allowed(ctx)
	if err != nil {
		return nil, nil, err
	}
	if sql, vis, ok := visibility(def, allowed); ok {
		terms = append(terms, sql)
		args = append(args, vis...)
	}
	return terms, args, nil
}

// binds is n comma-separated placeholders.
func binds(n int) string { return strings.TrimSuffix(strings.Repeat("?, ", n), ", ") }

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

// filters is the compiler of q's filters: which substrings it reads without their index; it
// reads under ctx the related records a filter names (filterCompiler.relatedIn).
func (s *Store) filters(ctx context.Context, q ListQuery) filterCompiler {
	return filterCompiler{Store: s, ctx: ctx, scanSubstrings: q.scanSubstrings, denseSubstrings: q.denseSubstrings}
}

// List returns one page of records and how many match in all.
func (s *Store) List(ctx context.Context, def *models.Resource, q ListQuery) ([]Record, int64, error) {
	var err error
	if q.denseSubstrings, err = s.findDenseSubstrings(ctx, def, q.Filters); err != nil {
		return nil, 0, err
	}
	m := s.metaOf(def)
	where, args, err := s.listConditions(ctx, def, m, q)
	if err != nil {
		return nil, 0, err
	}
	total, counted, err := s.countVisible(ctx, def, q)
	if err != nil {
		return nil, 0, err
	}
	from := " FROM " + quote(def.Type) + where
	if !counted {
		if total, err = s.countRows(ctx, "SELECT count(*)"+from, args); err != nil {
			return nil, 0, err
		}
	}
	if q.Limit > 0 && int64(q.Offset) >= total {
		return nil, total, nil
	}
	if q.Limit > 0 && total > substringScanFrom && int64(q.Offset+q.Limit) <= total/8 {
		q.scanSubstrings = true
		if where, args, err = s.listConditions(ctx, def, m, q); err != nil {
			return nil, 0, err
		}
		from = " FROM " + quote(def.Type) + where
	}
	rest := from + " ORDER BY " + s.listOrder(def, q.Sort)
	if q.Limit > 0 {
		// Bound, so that every page of a list is one prepared statement.
		rest += " LIMIT ?"
		args = append(args[:len(args):len(args)], q.Limit)
		if q.Offset > 0 {
			rest += " OFFSET ?"
			args = append(args, q.Offset)
		}
	}
	read := s.readAll
	if q.Limit > 0 && total > packedPageRows*int64(q.Limit) {
		// SQLite makes each result row before sorting the rows that match: packing a few out
		// of many to sort costs more than it saves (see packedPageRows).
		read = s.readColumns
	}
	recs, err := read(ctx, m, rest, args)
	return recs, total, err
}

// packedPageRows is how many matching records per record of a page a list may have to be read
// packed. SQLite evaluates json_array for every matching row that an ORDER BY sorts, and
// copies each into its sorter: a page of 25 out of 20,000 api_credentials sorted by an
// unindexed column took 4.1 ms packed and 2.8 ms column by column, while packing saves some
// microseconds per record returned.
const packedPageRows = 20

// listConditions is the WHERE of a list (with its leading space, or "" for none) and its
// bound values: the exact-match conditions, the filters, then visibility. Visibility last:
// when it and a filter both constrain one indexed column (organization_id IN ...), SQLite
// lets the first drive the index, and a filter is the more selective.
func (s *Store) listConditions(ctx context.Context, def *models.Resource, m *tableMeta, q ListQuery) (string, []any, error) {
	noteRead(ctx, def.Type, q.Filters)
	terms, args, err := equalityTerms(def, m, q.Where)
	if err != nil {
		return "", nil, err
	}
	allowed, err := s.allowed(ctx)
	if err != nil {
		return "", nil, err
	}
	if len(q.Filters) > 0 {
		expr, err := s.filters(ctx, q).filtersExpr(def, q.Filters, allowed)
		if err != nil {
			return "", nil, err
		}
		terms = append(terms, "("+expr.SQL+")")
		args = append(args, expr.Vars...)
	}
	if sql, vis, ok := visibility(def, allowed); ok {
		terms = append(terms, sql)
		args = append(args, vis...)
	}
	if len(terms) == 0 {
		return "", args, nil
	}
	return " WHERE " + strings.Join(terms, " AND "), args, nil
}

// countRows runs a statement that counts.
func (s *Store) countRows(ctx context.Context, q string, args []any) (int64, error) {
	rows, err := s.query(ctx, q, args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var n int64
	if rows.Next() {
		err = rows.Scan(&n)
	}
	if err == nil {
		err = rows.Err()
	}
	return n, err
}

// Count returns how many records of def have column equal to value.
func (s *Store) Count(ctx context.Context, def *models.Resource, conds ...Cond) (int64, error) {
	terms, args, err := s.conditions(ctx, def, s.metaOf(def), conds)
	if err != nil {
		return 0, err
	}
	q := "SELECT count(*) FROM " + quote(def.Type)
	if len(terms) > 0 {
		q += " WHERE " + strings.Join(terms, " AND ")
	}
	return s.countRows(ctx, q, args)
}

// Insert stores rec as a new record of def. Stored attributes it leaves out get the
// description's default; id and timestamps are generated when absent. It returns the record
// as stored, whether the handle may see it or not (a new organization is visible only once
// its owner membership exists).
func (s *Store) Insert(ctx context.Context, def *models.Resource, rec Record) (Record, error) {
	s.fill(def, rec, s.nowValueFor(def))
	stmt, args, err := s.insertStatement(def, rec)
	if err != nil {
		return nil, err
	}
	// Read back in the same statement.
	defer s.wrote(def.Type)
	rows, err := s.query(ctx, stmt+" RETURNING "+s.metaOf(def).returning, args...)
	if err != nil {
		return nil, diskFull(fmt.Errorf("store: insert %s %s: %w", def.Type, rec.ID(), err))
	}
	m := s.metaOf(def)
	recs, err := scanNamed(m.kinds, m.columns, rows) // RETURNING lists m.columns, in order
	if err != nil {
		return nil, diskFull(fmt.Errorf("store: insert %s %s: %w", def.Type, rec.ID(), err))
	}
	if len(recs) != 1 {
		return nil, fmt.Errorf("store: insert %s %s: %d records back", def.Type, rec.ID(), len(recs))
	}
	return recs[0], nil
}

// Put stores rec as a new record of def, as Insert does, without reading it back: for
// records the caller does not answer with (a version).
func (s *Store) Put(ctx context.Context, def *models.Resource, rec Record) error {
	s.fill(def, rec, s.nowValueFor(def))
	_, err := s.insertRow(ctx, def, rec)
	return err
}

// insertStatement is the INSERT of a complete record, with its bound values.
func (s *Store) insertStatement(def *models.Resource, rec Record) (string, []any, error) {
	row, err := s.encodeRecord(def, rec)
	if err != nil {
		return "", nil, err
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
	return "INSERT INTO " + quote(def.Type) + " (" + strings.Join(quoted, ", ") + ") VALUES (" + binds(len(cols)) + ")", args, nil
}

// insertRow writes a complete record as it is.
func (s *Store) insertRow(ctx context.Context, def *models.Resource, rec Record) (Record, error) {
	stmt, args, err := s.insertStatement(def, rec)
	if err != nil {
		return nil, err
	}
	defer s.wrote(def.Type)
	if _, err := s.exec(ctx, stmt, args...); err != nil {
		return nil, diskFull(fmt.Errorf("store: insert %s %s: %w", def.Type, rec.ID(), err))
	}
	return rec, nil
}

// PutAll stores records of one type as they are, without reading them back, in as few
// statements as the dialect allows (see putRows): for loading data (fixtures, snapshots) and
// records made in bulk, where the caller already holds what it wrote. Defaults and
// timestamps are filled as by Insert (each record gets its id, timestamps and defaults),
// so a column a record leaves out is stored exactly as Insert would store it.
func (s *Store) PutAll(ctx context.Context, def *models.Resource, recs []Record) error {
	if len(recs) == 0 {
		return nil
	}
	kinds := s.metaOf(def).kinds
	for _, rec := range recs {
		// A clock reading per record, as Insert takes: a test clock that ticks per reading
		// gives the records of fixtures the times golden files show.
		s.fill(def, rec, s.nowValueFor(def))
	}
	cols, err := sortedColumns(def, kinds, recs)
	if err != nil {
		return err
	}
	// Every value encoded before anything is written, in column order.
	values := make([]any, 0, len(recs)*len(cols))
	for _, rec := range recs {
		for _, col := range cols {
			v, err := encodeColumn(def, kinds[col], col, rec[col]) // absent: NULL, as an INSERT without the column stores
			if err != nil {
				return err
			}
			values = append(values, v)
		}
	}
	return s.putRows(ctx, def, cols, values)
}

// fill gives a new record its id, timestamps (now: nowValueFor's, one text for the records
// of one millisecond) and the description's defaults.
func (s *Store) fill(def *models.Resource, rec Record, now any) {
	if rec.ID() == "" {
		rec["id"] = s.newID()
	}
	if rec["created_at"] == nil {
		rec["created_at"] = now
	}
	if rec["updated_at"] == nil {
		rec["updated_at"] = now
	}
	for _, a := range def.Attrs {
		if _, set := rec[a.Name]; !set && a.Stored() && a.Default != nil {
			rec[a.Name] = a.Default
		}
	}
}

// encodeRecord turns a record into the values its columns store, refusing columns the type
// lacks and text holding a NUL.
func (s *Store) encodeRecord(def *models.Resource, rec Record) (map[string]any, error) {
	kinds := s.metaOf(def).kinds
	row := make(map[string]any, len(rec))
	for col, v := range rec {
		kind, ok := kinds[col]
		if !ok {
			return nil, fmt.Errorf("store: %s has no column %s", def.Type, col)
		}
		ev, err := encodeColumn(def, kind, col, v)
		if err != nil {
			return nil, err
		}
		row[col] = ev
	}
	return row, nil
}

// encodeColumn is encodeValue for the column col of def, refusing text that holds a NUL.
func encodeColumn(def *models.Resource, kind models.Kind, col string, v any) (any, error) {
	ev, err := encodeValue(kind, v)
	if err != nil {
		return nil, fmt.Errorf("store: %s.%s: %w", def.Type, col, err)
	}
	if text, ok := ev.(string); ok && hasNUL(text) {
		return nil, fmt.Errorf("store: %s.%s: %w", def.Type, col, ErrNUL)
	}
	return ev, nil
}

// Update writes the given columns of the record with that id and touches updated_at.
func (s *Store) Update(ctx context.Context, def *models.Resource, id string, changes Record) (Record, error) {
	if _, ok := changes["updated_at"]; !ok {
		changes["updated_at"] = s.NowTextFor(def)
	}
	row, err := s.encodeRecord(def, changes)
	if err != nil {
		return nil, err
	}
	m := s.metaOf(def)
	terms, condArgs, err := s.conditions(ctx, def, m, []Cond{{Column: "id", Value: id}})
	if err != nil {
		return nil, err
	}
	cols := make([]string, 0, len(row))
	for col := range row {
		cols = append(cols, col)
	}
	sort.Strings(cols)
	sets := make([]string, len(cols))
	args := make([]any, 0, len(cols)+len(condArgs))
	for i, col := range cols {
		sets[i] = quote(col) + " = ?"
		args = append(args, row[col])
	}
	args = append(args, condArgs...)
	defer s.wrote(def.Type)
	// Read back in the same statement, whether the handle may still see the record or not.
	rows, err := s.query(ctx, "UPDATE "+quote(def.Type)+" SET "+strings.Join(sets, ", ")+" WHERE "+strings.Join(terms, " AND ")+
		" RETURNING "+m.returning, args...)
	if err != nil {
		return nil, diskFull(fmt.Errorf("store: update %s: %w", def.Type, err))
	}
	recs, err := scanNamed(m.kinds, m.columns, rows) // RETURNING lists m.columns, in order
	if err != nil {
		return nil, diskFull(fmt.Errorf("store: update %s: %w", def.Type, err))
	}
	if len(recs) == 0 {
		return nil, ErrNotFound
	}
	return recs[0], nil
}

// SetColumn writes one column of every record of def whose id is in ids.
func (s *Store) SetColumn(ctx context.Context, def *models.Resource, ids []string, column string, value any) error {
	if len(ids) == 0 {
		return nil
	}
	m := s.metaOf(def)
	kind, ok := m.kinds[column]
	if !ok {
		return fmt.Errorf("store: %s has no column %s", def.Type, column)
	}
	value, err := encodeValue(kind, value)
	if err != nil {
		return err
	}
	terms, condArgs, err := s.conditions(ctx, def, m, nil)
	if err != nil {
		return err
	}
	in := anySlice(ids)
	terms = append([]string{quote(def.Type) + `."id" IN (` + binds(len(in)) + ")"}, terms...)
	args := append(append([]any{value, s.NowText()}, in...), condArgs...)
	defer s.wrote(def.Type)
	_, err = s.exec(ctx, "UPDATE "+quote(def.Type)+" SET "+quote(column)+" = ?, "+`"updated_at" = ?`+" WHERE "+strings.Join(terms, " AND "), args...)
	if err != nil {
		return diskFull(fmt.Errorf("store: update %s: %w", def.Type, err))
	}
	return nil
}

// Delete removes the record with that id.
func (s *Store) Delete(ctx context.Context, def *models.Resource, id string) error {
	terms, args, err := s.conditions(ctx, def, s.metaOf(def), []Cond{{Column: "id", Value: id}})
	if err != nil {
		return err
	}
	defer s.wrote(def.Type)
	res, err := s.exec(ctx, "DELETE FROM "+quote(def.Type)+" WHERE "+strings.Join(terms, " AND "), args...)
	if err != nil {
		return diskFull(fmt.Errorf("store: delete %s: %w", def.Type, err))
	}
	if n, err := res.RowsAffected(); err != nil {
		return diskFull(fmt.Errorf("store: delete %s: %w", def.Type, err))
	} else if n == 0 {
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
