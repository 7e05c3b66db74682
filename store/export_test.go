package store

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
