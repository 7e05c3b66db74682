package store

import (
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"
	"unicode"
	"unicode/utf8"

	sqlite3 "github.com/mattn/go-sqlite3"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"

	"github.com/commercelayer-mock/provmock/models"
)

// sqliteDialect is SQLite through mattn/go-sqlite3: a file database, or a shared-cache
// in-memory one per store. Its schema introspection is in sqlite_schema.go, its images in
// image.go.
type sqliteDialect struct{}

var memoryDBs atomic.Int64

func (sqliteDialect) open(path string) (gorm.Dialector, bool) {
	var dsn string
	inMemory := path == Memory || path == ""
	if inMemory {
		// A named shared-cache database, so that every connection of the pool sees the same
		// data; unique per store so that parallel tests do not share one.
		dsn = fmt.Sprintf("file:provmock-%d-%d?mode=memory&cache=shared&_foreign_keys=on", time.Now().UnixNano(), memoryDBs.Add(1))
	} else {
		// WAL lets readers run beside the writer; busy_timeout makes a writer wait instead of
		// failing; _txlock=immediate takes the write lock at BEGIN, so a transaction that reads
		// and then writes cannot fail with SQLITE_BUSY_SNAPSHOT.
		dsn = "file:" + escapePath(path) + "?_journal_mode=WAL&_busy_timeout=10000&_foreign_keys=on&_txlock=immediate"
	}
	return sqlite.New(sqlite.Config{DriverName: driverName, DSN: dsn}), inMemory
}

// escapePath makes a file path part of a file: URI, escaping the characters URIs give a
// meaning.
func escapePath(path string) string {
	return strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
}

func (sqliteDialect) configure(db *gorm.DB, opts Options) (io.Closer, error) {
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	// One connection: SQLite has one writer at a time anyway, and a single connection makes
	// "database is locked" impossible.
	sqlDB.SetMaxOpenConns(1)
	sqlDB.SetMaxIdleConns(1)
	sqlDB.SetConnMaxLifetime(0)
	sqlDB.SetConnMaxIdleTime(0)
	var keeper io.Closer
	if dsn := db.Dialector.(*sqlite.Dialector).DSN; strings.Contains(dsn, "mode=memory") {
		// An in-memory database lives as long as a connection to it is open, and database/sql
		// throws the pool's away when a transaction's context ends first (a client hanging
		// up mid-write): a connection of its own, outside the pool, keeps it for the store's
		// lifetime.
		if keeper, err = keepOpen(dsn); err != nil {
			return nil, err
		}
	}
	if opts.MaxPages > 0 {
		// A setting of the database's pager, which the shared cache gives every connection.
		if err := db.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", opts.MaxPages)).Error; err != nil {
			if keeper != nil {
				keeper.Close()
			}
			return nil, err
		}
	}
	return keeper, nil
}

// keepOpen opens a connection to the database of dsn and holds it until closed.
func keepOpen(dsn string) (io.Closer, error) {
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (sqliteDialect) columnType(k models.Kind) string {
	switch k {
	case models.Integer, models.Boolean:
		return "INTEGER"
	case models.Number:
		return "REAL"
	}
	return "TEXT"
}

// tieBreak is SQLite's rowid: the order of insertion, kept by every copy of the file
// (images, upgrades), as SQLite assigns it increasing while no row was deleted at the end.
// SQLite cannot alter a column's DEFAULT short of rebuilding its table; a file is one
// instance's, so no older build inserts into it meanwhile.
func (sqliteDialect) setColumnDefault(string, columnSchema) string { return "" }

func (sqliteDialect) tieBreak(table string) string { return table + ".rowid" }

// maxBindVars is SQLite's SQLITE_MAX_VARIABLE_NUMBER as mattn/go-sqlite3 builds it.
func (sqliteDialect) maxBindVars() int { return 32766 }

func (sqliteDialect) jsonContains(col string, obj map[string]any) (string, []any) {
	return jsonContainsSQL(col, obj)
}

func (sqliteDialect) readSchema(db *gorm.DB) (map[string]tableSchema, error) { return readSchema(db) }
func (sqliteDialect) readStamp(db *gorm.DB) (int64, error)                   { return readStamp(db) }
func (sqliteDialect) stampStatement(stamp int32) string                      { return stampStatement(stamp) }

func (sqliteDialect) isDiskFull(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.Code == sqlite3.ErrFull
}

func (sqliteDialect) images() bool { return true }

// analyze gathers the statistics SQLite's planner weighs indexes with: without them it takes
// every IN list on an indexed column (a user's organizations) for the most selective term.
func (sqliteDialect) analyze([]string) string { return "ANALYZE" }

func (sqliteDialect) extraColumns() []columnSchema { return nil }

// indexedBy: the planner weighs indexes with the statistics of the last ANALYZE (after a
// load), which say nothing of how a table grew since: with the demo's, it takes a table of
// thousands of organizations for one of two, and reads all of it in created_at order rather
// than look a few ids up. A read of the records holding one of a few values of a column
// looks them up in its index, whatever the statistics say; the sort is of those few.
func (sqliteDialect) indexedBy(index string) string { return " INDEXED BY " + quote(index) }

// primaryKeyIndex is SQLite's index of the id column's PRIMARY KEY, the table's first
// constraint.
func (sqliteDialect) primaryKeyIndex(table string) string { return "sqlite_autoindex_" + table + "_1" }

// indexLeads reads SQLite's index list of the table, automatic indexes included.
func (sqliteDialect) indexLeads() string {
	return "SELECT il.name, ii.name FROM pragma_index_list(?) AS il, pragma_index_info(il.name) AS ii WHERE ii.seqno = 0"
}

func (sqliteDialect) indexMethod(models.Kind) string { return "" }

// countsByComplement: TEXT columns and their indexes use the BINARY collation, bytewise.
func (sqliteDialect) countsByComplement() bool { return true }

func (sqliteDialect) orderTerm(col string, desc bool) string {
	if desc {
		return col + " DESC"
	}
	return col + " ASC"
}

// beginWrite has nothing to do: _txlock=immediate (a file) or the one connection (memory)
// already makes writers take turns.
func (sqliteDialect) beginWrite(*gorm.DB) error { return nil }

// readOptions: SQLite's transactions always see one state.
func (sqliteDialect) readOptions() *sql.TxOptions { return nil }

func (sqliteDialect) dropStatement() string { return "" }

// shared: a file's other users are not mocks serving it at the same time.
func (sqliteDialect) shared() bool { return false }

// prepares: mattn/go-sqlite3 prepares every statement it is given anew, which costs more
// than running most of the store's.
func (sqliteDialect) prepares() bool { return true }

func (sqliteDialect) rebind(query string) string { return query }

// packedRow is json_array of the columns: mattn/go-sqlite3 makes several cgo calls per
// column of every row, and per result column of every statement. A function takes at most
// SQLITE_MAX_FUNCTION_ARG (127) arguments: a type with more columns is read as it is. The
// alias is the result column's name, which the driver copies out of SQLite on every query:
// unnamed, it would be the whole expression.
func (sqliteDialect) packedRow(cols []string) string {
	if len(cols) == 0 || len(cols) > sqliteMaxFunctionArgs {
		return ""
	}
	return "json_array(" + strings.Join(cols, ", ") + `) AS "packed_row"`
}

// sqliteMaxFunctionArgs is SQLITE_MAX_FUNCTION_ARG as mattn/go-sqlite3 builds SQLite.
const sqliteMaxFunctionArgs = 127

// detachesStatements: the driver would watch each row's step with a goroutine of its own.
func (sqliteDialect) detachesStatements() bool { return true }

func (sqliteDialect) placeholderMark() byte { return '?' }

func (sqliteDialect) bumpGenerations([]string) string { return "" }
func (sqliteDialect) readGeneration() string          { return "" }
func (sqliteDialect) readGenerations() string         { return "" }

// driverName is the SQLite driver the store opens: mattn's.
const driverName = "sqlite3_provmock"

func init() { sql.Register(driverName, &sqlite3.SQLiteDriver{}) }

// fold maps every character to one representative of its case-folding orbit (Unicode simple
// case folding, as unicode.SimpleFold walks it), so that fold(a) == fold(b) exactly when a and
// b differ only in case: "Café" and "CAFÉ" fold alike. It leaves %, _ and \ alone, so it
// applies to LIKE patterns as well as to the text they match.
//
// The few non-ASCII characters whose orbit holds an ASCII letter (the Kelvin sign K, the long
// s ſ) stay as they are: SQLite's own LIKE, which serves ASCII patterns, does not equate them
// with k and s either, and foldMatch relies on fold never mapping non-ASCII to ASCII.
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		rep := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < rep {
				rep = f
			}
		}
		if r >= utf8.RuneSelf && rep < utf8.RuneSelf {
			return r
		}
		return rep
	}, s)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// prefixCollation: SQLite's NOCASE folds ASCII letters and compares every other byte as it
// is, in the order that ASCII-case-insensitive prefixes are ranges of.
func (sqliteDialect) prefixCollation() string { return "NOCASE" }

// prefixRange is the range of the NOCASE index holding every text that starts with the
// value's ASCII head (up to its first other character) ignoring ASCII case: the head itself up
// to the head followed by the byte 0xFF, which no UTF-8 text holds. Every text matching the
// prefix is in it: fold maps an ASCII character only to its ASCII case variants (foldGlob's
// class of k is [Kk]) and never a non-ASCII one to ASCII. A value with a NUL, which LIKE reads
// as its end, gets no range.
func (sqliteDialect) prefixRange(col, prefix string) (string, []any, bool) {
	head := prefix
	for i := 0; i < len(prefix); i++ {
		if prefix[i] >= utf8.RuneSelf {
			head = prefix[:i]
			break
		}
	}
	if head == "" || strings.IndexByte(prefix, 0) >= 0 {
		return "", nil, false
	}
	return fmt.Sprintf("%[1]s COLLATE NOCASE >= ? AND %[1]s COLLATE NOCASE < ?", col), []any{head, head + "\xff"}, true
}

// foldMatch is a case-insensitive LIKE (or NOT LIKE), as the real service's ILIKE. SQLite's
// LIKE ignores case for ASCII letters only; a pattern with other characters becomes a GLOB
// whose every letter is the class of the characters that fold alike (foldGlob), which SQLite
// matches itself, on the rows the pattern's skeleton lets through (a LIKE, much faster than
// a GLOB of classes). Folding each row's text in a Go function instead made such a filter
// over 100,000 records three to four times as slow as an ASCII one; now it is 1.2-1.5 times.
func (sqliteDialect) foldMatch(col string, not bool, pattern string) (string, []any) {
	if isASCII(pattern) {
		op := "LIKE"
		if not {
			op = "NOT LIKE"
		}
		return fmt.Sprintf(`%s %s ? ESCAPE '\'`, col, op), []any{pattern}
	}
	args := []any{skeleton(pattern), foldGlob(pattern)}
	if not {
		return fmt.Sprintf(`(%[1]s NOT LIKE ? ESCAPE '\' OR %[1]s NOT GLOB ?)`, col), args
	}
	return fmt.Sprintf(`(%[1]s LIKE ? ESCAPE '\' AND %[1]s GLOB ?)`, col), args
}
