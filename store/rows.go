package store

import (
	"context"
	"fmt"
	"sort"

	"github.com/commercelayer-mock/provmock/models"
)

// PutRows stores new records of def given as rows, without reading them back: values holds
// len(cols) values a row, row after row, in the order of cols, each as a Record would hold
// it. Columns cols leaves out are filled as Insert fills them: an id generated and the
// timestamps the clock's (one reading a row, after its id), the description's defaults. For
// records made in bulk (an organization's versions), without a map per record.
func (s *Store) PutRows(ctx context.Context, def *models.Resource, cols []string, values []any) error {
	if len(cols) == 0 || len(values) == 0 {
		return nil
	}
	if len(values)%len(cols) != 0 {
		return fmt.Errorf("store: %s: %d values for rows of %d columns", def.Type, len(values), len(cols))
	}
	m := s.metaOf(def)
	given := make(map[string]bool, len(cols))
	for _, col := range cols {
		if _, ok := m.kinds[col]; !ok {
			return fmt.Errorf("store: %s has no column %s", def.Type, col)
		}
		given[col] = true
	}
	// What fill would add: per row the id and the timestamps, and the defaults (alike in
	// every row, encoded once).
	all := append(make([]string, 0, len(cols)+8), cols...)
	newID := !given["id"]
	var defaults []any
	for _, a := range def.Attrs {
		if !given[a.Name] && a.Stored() && a.Default != nil {
			v, err := encodeColumn(def, a.Kind, a.Name, a.Default)
			if err != nil {
				return err
			}
			all = append(all, a.Name)
			defaults = append(defaults, v)
		}
	}
	if newID {
		all = append(all, "id")
	}
	stamps := 0
	for _, col := range []string{"created_at", "updated_at"} {
		if !given[col] {
			all = append(all, col)
			stamps++
		}
	}
	rows := len(values) / len(cols)
	encoded := make([]any, 0, rows*len(all))
	for i := 0; i < rows; i++ {
		for j, v := range values[i*len(cols) : (i+1)*len(cols)] {
			ev, err := encodeColumn(def, m.kinds[cols[j]], cols[j], v)
			if err != nil {
				return err
			}
			encoded = append(encoded, ev)
		}
		encoded = append(encoded, defaults...)
		if newID {
			encoded = append(encoded, s.newID())
		}
		now := s.nowValueFor(def) // read for every row, as Insert reads it for every record
		for k := 0; k < stamps; k++ {
			encoded = append(encoded, now)
		}
	}
	return s.putRows(ctx, def, all, encoded)
}

// putRows writes rows of def (cols, and len(cols) encoded values a row) in as few
// multi-row INSERTs as the dialect's bound on bound values allows (see insertLayout).
func (s *Store) putRows(ctx context.Context, def *models.Resource, cols []string, values []any) error {
	defer s.wrote(def.Type)
	rows := len(values) / len(cols)
	if s.rowByRow {
		for i := 0; i < rows; i++ {
			if _, err := s.insertRow(ctx, def, rowRecord(cols, values, i)); err != nil {
				return err
			}
		}
		return nil
	}
	l := newInsertLayout(def.Type, cols, values, s.dialect.maxBindVars()-filterVarsMargin)
	mark := s.dialect.placeholderMark()
	var full string // the statement of a full chunk, written once
	for start := 0; start < rows; start += l.perStatement {
		n := min(l.perStatement, rows-start)
		var stmt string
		switch {
		case n < l.perStatement:
			stmt = l.statement(n, mark)
		case full == "":
			full = l.statement(n, mark)
			stmt = full
		default:
			stmt = full
		}
		args := l.args(make([]any, 0, l.shared+n*(len(cols)-l.shared)), values, start, n)
		if err := s.execNamingRow(ctx, def, stmt, args, cols, values, start, n); err != nil {
			return err
		}
	}
	return nil
}

// execNamingRow runs one multi-row INSERT; when it fails, the rows are inserted one at a
// time to name the one at fault: a failed statement changes nothing, and the caller's
// transaction undoes the rows inserted while looking. In a transaction the statement runs
// under a savepoint, so that the transaction can go on after it failed (PostgreSQL refuses
// every statement after a failed one, until rolled back to a savepoint).
func (s *Store) execNamingRow(ctx context.Context, def *models.Resource, stmt string, args []any, cols []string, values []any, start, n int) error {
	if s.inTx {
		if _, err := s.exec(ctx, "SAVEPOINT put_all"); err != nil {
			return err
		}
	}
	_, err := s.exec(ctx, stmt, args...)
	if err == nil {
		if s.inTx {
			// Released once it served: SQLite tracks every page a write changes for each
			// savepoint still open.
			if _, err := s.exec(ctx, "RELEASE SAVEPOINT put_all"); err != nil {
				return err
			}
		}
		return nil
	}
	if s.inTx {
		if _, rbErr := s.exec(ctx, "ROLLBACK TO SAVEPOINT put_all"); rbErr != nil {
			return diskFull(fmt.Errorf("store: insert %s: %w", def.Type, err))
		}
	}
	for i := start; i < start+n; i++ {
		if _, rowErr := s.insertRow(ctx, def, rowRecord(cols, values, i)); rowErr != nil {
			return rowErr
		}
	}
	return diskFull(fmt.Errorf("store: insert %s: %w", def.Type, err))
}

// rowRecord is row i of rows of cols as a record of its (encoded) values: insertRow encodes
// an encoded value to itself.
func rowRecord(cols []string, values []any, i int) Record {
	rec := make(Record, len(cols))
	for j, col := range cols {
		rec[col] = values[i*len(cols)+j]
	}
	return rec
}

// sortedColumns returns the columns of recs, sorted, refusing one def lacks.
func sortedColumns(def *models.Resource, kinds map[string]models.Kind, recs []Record) ([]string, error) {
	used := make(map[string]bool, len(kinds))
	for _, rec := range recs {
		for col := range rec {
			if !used[col] {
				if _, ok := kinds[col]; !ok {
					return nil, fmt.Errorf("store: %s has no column %s", def.Type, col)
				}
				used[col] = true
			}
		}
	}
	cols := make([]string, 0, len(used))
	for col := range used {
		cols = append(cols, col)
	}
	sort.Strings(cols)
	return cols, nil
}
