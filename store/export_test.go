package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/commercelayer-mock/provmock/models"
)

// SetRowByRow makes st's batched writes (PutAll, PutRows) insert one row a statement, for
// tests comparing what the multi-row statements store with what single rows store.
func SetRowByRow(st *Store, on bool) { st.rowByRow = on }

// InsertLayoutOf is the layout of multi-row INSERTs of rows (len(cols) encoded values a
// row): rows per statement, which columns are bound once, and the statement of n rows.
func InsertLayoutOf(table string, cols []string, values []any, maxBind int, n int, mark byte) (perStatement int, alike []bool, stmt string, args []any) {
	l := newInsertLayout(table, cols, values, maxBind)
	return l.perStatement, l.alike, l.statement(n, mark), l.args(nil, values, 0, n)
}

// MaxInsertBinds is how many values one multi-row INSERT of st's dialect binds at most.
func MaxInsertBinds(st *Store) int { return st.dialect.maxBindVars() - filterVarsMargin }

// FormatTime is the store's formatting of stored times.
var FormatTime = formatTime

// ReadEveryColumnThroughGORM reads every record of def as List read its pages before rows
// were packed: GORM's Rows over the columns, scanned column by column.
func ReadEveryColumnThroughGORM(ctx context.Context, st *Store, def *models.Resource) ([]Record, error) {
	m := st.metaOf(def)
	cols := make([]string, len(m.columns))
	for i, c := range m.columns {
		cols[i] = st.dialect.resultColumn(quote(def.Type) + "." + quote(c))
	}
	rows, err := st.db.WithContext(ctx).Table(def.Type).Select(cols).Order(m.order).Rows()
	if err != nil {
		return nil, err
	}
	return scanNamed(m.kinds, m.columns, results{Rows: rows, s: st})
}

// ReadEveryColumnPacked reads every record of def through the packed rows of the dialect,
// without falling back to the plain read (packed reports false where the dialect packs none).
func ReadEveryColumnPacked(ctx context.Context, st *Store, def *models.Resource) (recs []Record, packed bool, err error) {
	m := st.metaOf(def)
	rest := " FROM " + quote(def.Type) + " ORDER BY " + m.order
	if m.packed == nil {
		recs, err = st.readColumns(ctx, m, rest, nil)
		return recs, false, err
	}
	rows, err := st.query(ctx, "SELECT "+m.packed.selectList+rest)
	if err != nil {
		return nil, true, err
	}
	recs, err = m.packed.scan(m.kinds, rows)
	return recs, true, err
}

// PackedText runs the dialect's packed row of one bound value and returns the text it makes.
func PackedText(ctx context.Context, st *Store, v any) (string, error) {
	array := st.dialect.packedRow([]string{"?"})
	if array == "" {
		return "", fmt.Errorf("the dialect packs no rows")
	}
	var s string
	err := st.sqlDB.QueryRowContext(ctx, "SELECT "+array, v).Scan(&s)
	return s, err
}

// DecodePacked decodes a packed row of one column of the kind, as reads do.
func DecodePacked(s string, kind models.Kind) (any, error) {
	rec := Record{}
	err := decodePackedRow(s, []string{"c"}, []models.Kind{kind}, rec)
	return rec["c"], err
}

// IndexesOf returns the indexes made by CREATE INDEX on table in st's database, each name
// with its columns (comma-separated, in index order).
func IndexesOf(st *Store, table string) (map[string]string, error) {
	tables, err := st.dialect.readSchema(st.db)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, ix := range tables[table].Indexes {
		out[ix.Name] = ix.Columns
	}
	return out, nil
}

// LookupColumns are the columns of def whose reads by a few values (GetMany, CountEach) name
// the index they look them up in.
func LookupColumns(st *Store, def *models.Resource) []string {
	var out []string
	for col := range st.metaOf(def).lookups {
		out = append(out, col)
	}
	return out
}

// LookupIndex is the index a read of def's records by a few values of col names ("" for none).
func LookupIndex(st *Store, def *models.Resource, col string) string {
	hint := st.metaOf(def).lookups[col]
	name, _ := strings.CutPrefix(hint, " INDEXED BY ")
	return strings.Trim(name, `"`)
}
