package store

import (
	"strconv"
	"strings"
)

// insertLayout is how rows of one type are written in multi-row INSERTs (INSERT ... VALUES
// (...), (...)): the columns, those alike in every row, and how many rows one statement
// takes. A column alike in every row (an organization's permissions share their
// organization, rights and timestamps) is bound once, each row referring to it by number:
// binding costs the driver more than SQLite's writing the row. Only whole columns are
// shared, so that a statement's text depends on which columns are alike, not on the values,
// and full statements of one layout are one text, which the statement cache keeps prepared;
// and a value is only ever compared with values of its own column (PostgreSQL infers a
// parameter's type from where it is used).
type insertLayout struct {
	table        string
	cols         []string
	alike        []bool
	shared       int // how many columns are alike
	perStatement int // rows per statement, under the dialect's bound on bound values
}

// newInsertLayout lays out rows of cols (values: len(cols) encoded values a row, row after
// row) for statements binding at most maxBind values.
func newInsertLayout(table string, cols []string, values []any, maxBind int) insertLayout {
	l := insertLayout{table: table, cols: cols, alike: make([]bool, len(cols))}
	rows := len(values) / len(cols)
	for j := range cols {
		l.alike[j] = rows > 1
		for i := 1; i < rows && l.alike[j]; i++ {
			l.alike[j] = sameBound(values[j], values[i*len(cols)+j])
		}
		if l.alike[j] {
			l.shared++
		}
	}
	varying := len(cols) - l.shared
	if varying == 0 {
		varying = 1 // for the bound below: a row still takes room
	}
	l.perStatement = max(1, (maxBind-l.shared)/varying)
	return l
}

// statement is the INSERT of n rows, each placeholder written mark then the value's number
// (SQLite's ?n, PostgreSQL's $n): the alike columns' values first, then each row's others.
func (l insertLayout) statement(n int, mark byte) string {
	varying := len(l.cols) - l.shared
	var b strings.Builder
	b.Grow(32 + len(l.table) + 8*len(l.cols) + n*(4+len(l.cols)*7))
	b.WriteString("INSERT INTO ")
	b.WriteString(quote(l.table))
	b.WriteString(" (")
	for j, c := range l.cols {
		if j > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quote(c))
	}
	b.WriteString(") VALUES ")
	var num []byte
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		nShared, nVarying := 0, 0
		for j := range l.cols {
			if j > 0 {
				b.WriteString(", ")
			}
			var p int
			if l.alike[j] {
				nShared++
				p = nShared
			} else {
				nVarying++
				p = l.shared + i*varying + nVarying
			}
			b.WriteByte(mark)
			num = strconv.AppendInt(num[:0], int64(p), 10)
			b.Write(num)
		}
		b.WriteByte(')')
	}
	return b.String()
}

// args appends to args the values statement(n) binds for the rows from start: the alike
// columns' (from the first row), then each row's others.
func (l insertLayout) args(args []any, values []any, start, n int) []any {
	for j := range l.cols {
		if l.alike[j] {
			args = append(args, values[j])
		}
	}
	for i := start; i < start+n; i++ {
		row := values[i*len(l.cols) : (i+1)*len(l.cols)]
		for j, v := range row {
			if !l.alike[j] {
				args = append(args, v)
			}
		}
	}
	return args
}

// sameBound reports whether two encoded values (encodeValue's) are one value to bind.
func sameBound(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case string:
		b, ok := b.(string)
		return ok && a == b
	case int64:
		b, ok := b.(int64)
		return ok && a == b
	}
	return false // floats (NaN, -0) and anything else: bound each time
}
