package store

import (
	"database/sql"
	"io"

	"gorm.io/gorm"

	"github.com/commercelayer-mock/provmock/models"
)

// A dialect is what the store needs to know of one SQL engine; everything else in the
// package (records.go, filter.go, schema.go, scope.go) writes SQL that any engine reads,
// and asks the dialect where engines differ. SQLite's is sqlite.go.
//
// # How to add a store dialect
//
//  1. Write store/<engine>.go with a type implementing dialect: how a path or URL opens
//     the database (open, with its GORM driver), the column type of each models.Kind
//     (columnType), the case-insensitive match of a LIKE pattern beyond ASCII (foldMatch:
//     SQLite uses a registered Go case-fold function; PostgreSQL would use ILIKE or lower()
//     under a suitable collation), JSON containment (jsonContains; store/json.go notes
//     PostgreSQL's col::jsonb @> ?::jsonb), the tie-break of the default order (tieBreak:
//     SQLite's rowid; an engine without one needs an insertion-sequence column, filled for
//     the rows of an upgraded database in their present order), how many values one
//     statement may bind (maxBindVars: SQLite 32766, PostgreSQL 65535), schema
//     introspection and the schema stamp (readSchema, readStamp, stampStatement:
//     store/sqlite_schema.go is SQLite's), which errors mean "no room" (isDiskFull),
//     whether the engine can take and restore whole-database images (images), its
//     placeholders (rebind: the store writes ?; placeholderMark: the numbered ones), and
//     whether the store keeps its statements prepared (prepares: not when the driver keeps
//     its own, as pgx does), and whether reads select each row as one JSON array (packedRow:
//     SQLite's json_array, decoded in packed.go; "" reads column by column, as PostgreSQL).
//  2. Choose it in dialectFor (this file) from the path Open is given (a postgres:// URL,
//     say), and add it to the dialects list so that IsDiskFull knows its errors.
//  3. Run the store's tests against it: store/*_test.go, then mock/ and control/, which
//     check Store.Images before using images and fall back to snapshots without them.
//
// Package domain and the API families never see the dialect: they use Store, Scope and
// the typed errors only.
type dialect interface {
	// open returns the GORM dialector for the database at path, and whether it lives in
	// memory (and so starts empty, and may start without a schema).
	open(path string) (d gorm.Dialector, inMemory bool)
	// configure sets the connection pool and per-connection settings after opening. What
	// it returns to close, if anything, the store closes after the pool.
	configure(db *gorm.DB, opts Options) (io.Closer, error)
	// columnType is the declared SQL type of a column holding values of the kind.
	columnType(k models.Kind) string
	// resultColumn is how a SELECT lists the qualified column col: as the column itself, or
	// as an expression of the same value where the driver would do per-statement work for a
	// bare column that the store does not need.
	resultColumn(col string) string
	// packedRow is the one result column holding the row's columns cols (qualified) as a
	// JSON array, which the store decodes itself (packed.go), or "" where the engine's
	// driver reads columns cheaply enough as they are.
	packedRow(cols []string) string
	// tieBreak orders records created in the same millisecond by insertion (table quoted).
	tieBreak(table string) string
	// maxBindVars is how many values one statement may bind.
	maxBindVars() int
	// foldMatch is col LIKE pattern (ESCAPE '\'), or NOT LIKE, ignoring case in any script.
	foldMatch(col string, not bool, pattern string) (string, []any)
	// prefixCollation is the collation of the index a Searched attribute gets for prefix
	// matches ("": none), and prefixRange the condition, true of every text that starts with
	// prefix ignoring case (and maybe of others), that reads a range of that index (ok false:
	// none does).
	prefixCollation() string
	prefixRange(col, prefix string) (sql string, args []any, ok bool)
	// syncSearch makes or mends the trigram indexes (search.go) in the write transaction tx
	// and returns those lists may use, by table "." column; substringNarrow is the condition,
	// true of every record of table (quoted) whose column holds needle ignoring case (and
	// maybe of others), that reads ix (ok false: it cannot).
	syncSearch(tx *gorm.DB, indexes []searchIndex) (map[string]bool, error)
	substringNarrow(table string, ix searchIndex, needle string) (sql string, args []any, ok bool)
	// denseSubstring reports whether ix narrows needle to more than a quarter of the table.
	denseSubstring(db *gorm.DB, ix searchIndex, needle string) (bool, error)
	// jsonContains is the condition that the JSON text in col contains obj (jsonb @>).
	jsonContains(col string, obj map[string]any) (string, []any)
	// readSchema returns the tables the database holds (see tableSchema).
	readSchema(db *gorm.DB) (map[string]tableSchema, error)
	// readStamp and stampStatement read and write the stamp of the schema that made it.
	readStamp(db *gorm.DB) (int64, error)
	stampStatement(stamp int32) string
	// isDiskFull reports whether err is the engine refusing a write for lack of room.
	isDiskFull(err error) bool
	// images reports whether Serialize, RestoreImage and Image work on this engine.
	images() bool
	// analyze is the statement that refreshes the planner's statistics of the tables.
	analyze(tables []string) string
	// extraColumns are columns every table has besides the descriptions' (an insertion
	// sequence, for an engine without rowid), never selected.
	extraColumns() []columnSchema
	// indexedBy is what follows a table's name in a FROM to have the planner read it
	// through the named index; "" for an engine without such a hint.
	indexedBy(index string) string
	// primaryKeyIndex is the name of the index of table's PRIMARY KEY; "" if unknown.
	primaryKeyIndex(table string) string
	// indexLeads is the statement listing the indexes of a table (bound) and the first
	// column of each, by which a database file's indexes are checked against the names
	// indexedBy is given; "" where indexedBy names none.
	indexLeads() string
	// setColumnDefault is the statement that gives an existing column c's DEFAULT, or ""
	// where the engine cannot alter a column (its records are unchanged either way).
	setColumnDefault(table string, c columnSchema) string
	// indexMethod is the index method of an indexed column of the kind ("": the default).
	indexMethod(k models.Kind) string
	// orderTerm is col in an ORDER BY, NULLs first ascending and last descending (SQLite's).
	orderTerm(col string, desc bool) string
	// countsByComplement reports whether text compares byte by byte, as Go sorts strings, so
	// that a count may subtract the index ranges around a sorted list of values (countVisible).
	countsByComplement() bool
	// beginWrite runs first in every write transaction (a lock that makes writers take turns).
	beginWrite(tx *gorm.DB) error
	// readOptions are those of a transaction that only reads and must see one state.
	readOptions() *sql.TxOptions
	// dropStatement removes a throwaway database at Close ("" for none).
	dropStatement() string
	// shared reports whether mocks in other processes may serve the database at once: the
	// generations are then the database's (bumpGenerations, readGeneration(s)), moved by
	// every write transaction in the transaction itself.
	shared() bool
	// bumpGenerations moves the store's generation and those of the tables (sorted).
	bumpGenerations(tables []string) string
	readGeneration() string
	// readGenerations reads every table's generation: rows of the key (generation:<table>)
	// and the number.
	readGenerations() string
	// prepares reports whether the store keeps its statements prepared (stmt.go): not where
	// the driver keeps prepared statements of its own.
	prepares() bool
	// detachesStatements reports whether statements run detached from their context's
	// cancellation (Store.statementContext).
	detachesStatements() bool
	// rebind turns the ? of a statement the store wrote into the engine's placeholders.
	rebind(query string) string
	// placeholderMark begins the placeholder of the n-th bound value, written mark then n (from
	// 1), for a statement that refers to one value more than once (PutAll's columns alike in
	// every row): SQLite's ?n, PostgreSQL's $n. rebind leaves such a statement as it is.
	placeholderMark() byte
}

// dialects are every dialect the store knows, for classifying their errors.
var dialects = []dialect{sqliteDialect{}, postgresDialect{}}

// testMemory, when set (by the test hook of testhook_postgres.go), is the database URL an
// in-memory store opens instead: a fresh PostgreSQL schema per store.
var testMemory func() string

// dialectFor returns the dialect of the database at path: PostgreSQL for a postgres:// URL,
// SQLite for anything else.
func dialectFor(path string) (dialect, error) {
	if testMemory != nil && (path == Memory || path == "") {
		d, err := newPostgresDialect(testMemory())
		d.memory = true
		return d, err
	}
	if isPostgresURL(path) {
		return newPostgresDialect(path)
	}
	return sqliteDialect{}, nil
}

// MemoryIsSQLite reports whether a store opened for Memory is SQLite's in-memory database,
// as always outside the PostgreSQL pass of the tests (testhook_postgres.go): tests of what
// only SQLite has (images, page limits, query plans) skip when it is not.
func MemoryIsSQLite() bool { return testMemory == nil }
