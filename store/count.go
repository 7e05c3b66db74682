package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"

	"github.com/commercelayer-mock/provmock/models"
)

// complementCap is how many records outside the user's tenancy a count by complement may
// find before the plain count is run instead; maxComplementValues bounds the allowed values
// it is tried with (each bounds a range of the index).
var complementCap = 1000

const maxComplementValues = 100

// countVisible counts the records of def a scoped handle sees when the list has no other
// condition, where that is cheap: all the table's records (which SQLite counts from its
// b-tree pages, without reading them) less those outside the allowed values of the type's
// one tenancy column, found through the column's index as the ranges around those values.
// Counting the visible records themselves reads an index entry for each: 3 ms for 100,000
// instead of 0.3. ok is false when the shortcut does not apply or does not pay (complementCap
// records outside or more): the caller counts as usual.
func (s *Store) countVisible(ctx context.Context, def *models.Resource, q ListQuery) (n int64, ok bool, err error) {
	cols := def.Tenancy.Columns()
	if !s.dialect.countsByComplement() || len(q.Where) > 0 || len(q.Filters) > 0 || len(cols) != 1 || !s.indexed(def.Type, cols[0].Column) {
		return 0, false, nil
	}
	allowed, err := s.allowed(ctx)
	if err != nil || allowed == nil {
		return 0, false, err
	}
	values := slices.Clone(allowed[cols[0].Dimension])
	if len(values) == 0 || len(values) > maxComplementValues {
		return 0, false, nil
	}
	slices.Sort(values) // byte order: SQLite's BINARY collation of the column and its index
	values = slices.Compact(values)
	table := quote(def.Type)
	col := table + "." + quote(cols[0].Column)
	outside := []string{col + " IS NULL", col + " < ?"}
	args := []any{values[0]}
	for i := 1; i < len(values); i++ {
		outside = append(outside, "("+col+" > ? AND "+col+" < ?)")
		args = append(args, values[i-1], values[i])
	}
	outside = append(outside, col+" > ?")
	args = append(args, values[len(values)-1], complementCap)
	stmt := "SELECT (SELECT count(*) FROM " + table + "), (SELECT count(*) FROM (SELECT 1 FROM " + table +
		" WHERE " + strings.Join(outside, " OR ") + " LIMIT ?))"
	rows, err := s.query(ctx, stmt, args...)
	if err != nil {
		return 0, false, err
	}
	defer rows.Close()
	var all, hidden int64
	if !rows.Next() {
		return 0, false, errors.Join(rows.Err(), sql.ErrNoRows)
	}
	if err := rows.Scan(&all, &hidden); err != nil {
		return 0, false, err
	}
	if hidden >= int64(complementCap) {
		return 0, false, nil
	}
	return all - hidden, true, nil
}

// indexed reports whether an index of the table starts with the column.
func (s *Store) indexed(table, column string) bool {
	for _, t := range s.tables {
		if t.Name != table {
			continue
		}
		for _, ix := range t.Indexes {
			if first, _, _ := strings.Cut(ix.Columns, ","); first == column {
				return true
			}
		}
	}
	return false
}
