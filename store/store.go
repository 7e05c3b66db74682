package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"maps"
	"strings"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/commercelayer-mock/provmock/models"
)

// ErrNotFound is returned when no record has the requested id.
var ErrNotFound = errors.New("store: record not found")

// ErrDiskFull is returned by a write that SQLite refused for lack of room (SQLITE_FULL: the
// disk is full, or the database reached Options.MaxPages): none of it was stored, and
// reads go on as before.
var ErrDiskFull = errors.New("store: database or disk is full")

// TooManyValuesError is a list whose filters bind more values than one statement of the
// database may hold: the query is refused as it stands (the client's to split), and nothing
// ran.
type TooManyValuesError struct {
	Max int // the most values the filters of one list may bind
}

func (e *TooManyValuesError) Error() string {
	return fmt.Sprintf("store: the filters bind more than %d values", e.Max)
}

// IsDiskFull reports whether err means a write refused for lack of room.
func IsDiskFull(err error) bool {
	if errors.Is(err, ErrDiskFull) {
		return true
	}
	for _, d := range dialects {
		if d.isDiskFull(err) {
			return true
		}
	}
	return false
}

// diskFull marks a write's error as ErrDiskFull when SQLite refused it for lack of room.
func diskFull(err error) error {
	if err != nil && !errors.Is(err, ErrDiskFull) && IsDiskFull(err) {
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
	return err
}

// TimeFormat is how timestamps are stored and rendered: UTC with milliseconds, so that text
// order is time order.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// Memory is the database path that keeps everything in memory.
const Memory = ":memory:"

// Options configure a store; zero values are the production defaults.
type Options struct {
	Now   func() time.Time // the clock; time.Now by default
	NewID func() string    // the id generator; NewID by default
	// NoSchema leaves a new in-memory database without tables, for RestoreImage or
	// CreateSchema to fill.
	NoSchema bool
	// MaxPages caps the database at that many pages of 4 KiB (SQLite's max_page_count);
	// writes beyond fail with ErrDiskFull, as on a full disk. 0 leaves SQLite's own bound.
	MaxPages int64
}

// Store is the mock's database.
type Store struct {
	dialect dialect // where SQL engines differ (dialect.go)
	db      *gorm.DB
	// unprepared is db without the prepared-statement cache: transactions start from it.
	// GORM's cache makes a caller wait, holding the cache's lock, for a statement another
	// caller is preparing; with a single connection, a transaction that waits so for a
	// preparation that waits for the transaction's connection would never end.
	unprepared *gorm.DB
	// keeper is what the dialect keeps open beside the pool (an in-memory database's own
	// connection); nil for none.
	keeper io.Closer
	reg    *models.Registry
	// sqlDB is the database under db, for the statements the store writes itself (stmt.go);
	// stmts keeps them prepared (nil where the driver keeps its own); sqlTx is the handle's
	// transaction (nil outside one), and pending the statements it ran unprepared.
	sqlDB      *sql.DB
	stmts      *stmtCache
	sqlTx      *sql.Tx
	pending    *pendingStmts
	observer   *queryObserver                  // tests' view of the statements run (stmt.go)
	meta       map[*models.Resource]*tableMeta // per type: what building its statements needs
	tables     []tableSchema                   // what the descriptions call for
	schema     string                          // the script that creates the tables and indexes
	stamp      int32                           // marks a database made by the script (its user_version)
	now        func() time.Time
	newID      func() string
	scope      *Scope // nil: every record is visible
	scopeCache *scopeCache
	// sharedScopes is shared by every handle on the database (scope.go).
	sharedScopes *sharedScopes

	// gen counts committed writes, shared by every handle on the database: a reader that
	// saw the same generation before and after its work saw no write land in between, so
	// what it rendered may be cached until the generation moves.
	gen       *atomic.Uint64
	tableGens *tableGenerations // per table (generation.go)
	search    *searchState      // the trigram indexes lists may use (search.go), shared
	inTx      bool              // writes of a transaction count once, when it ends
	// txWritten collects the tables the transaction wrote so far (nil outside one): a
	// scope's Allowed is computed again after a write of one it read.
	txWritten *written
	// lastNow is the last time formatted as stored, shared by every handle (see nowValueFor).
	lastNow *atomic.Pointer[formattedNow]
	// rowByRow makes the batched writes (PutAll, PutRows) insert one row a statement: for
	// tests that the multi-row statements store the same (export_test.go).
	rowByRow bool
	// oneConnection is whether the pool holds a single connection (SQLite's): see handOff.
	oneConnection bool
}

// Open opens (creating if needed) the database at path, or an in-memory one for Memory,
// and creates the schema. A file made by an earlier build is upgraded (see upgradeSchema);
// one that cannot be is refused with a *SchemaError.
func Open(path string, reg *models.Registry, opts Options) (*Store, error) {
	dia, err := dialectFor(path)
	if err != nil {
		return nil, err
	}
	dialector, inMemory := dia.open(path)
	db, err := gorm.Open(dialector, &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true, // every write is already in an explicit transaction
		PrepareStmtMaxSize:     512,
	})
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", MaskURL(path), err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	keeper, err := dia.configure(db, opts)
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("store: open %s: %w", MaskURL(path), err)
	}
	closeAll := func() {
		sqlDB.Close()
		if keeper != nil {
			keeper.Close()
		}
	}
	tables := wantSchema(reg, dia)
	schema := schemaScript(tables)
	s := &Store{dialect: dia, db: db, keeper: keeper, unprepared: db, reg: reg, tables: tables, schema: schema, stamp: schemaStamp(schema),
		now: opts.Now, newID: opts.NewID, gen: new(atomic.Uint64), sqlDB: sqlDB, meta: tableMetas(reg, dia),
		tableGens: newTableGenerations(reg), sharedScopes: &sharedScopes{}, lastNow: new(atomic.Pointer[formattedNow]), search: &searchState{},
		observer: &queryObserver{}, oneConnection: sqlDB.Stats().MaxOpenConnections == 1}
	if dia.prepares() {
		s.stmts = newStmtCache()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.newID == nil {
		s.newID = NewID
	}
	if opts.NoSchema && !inMemory {
		closeAll()
		return nil, fmt.Errorf("store: open %s: only an in-memory database starts without a schema", path)
	}
	switch {
	case inMemory:
		if !opts.NoSchema {
			err = s.CreateSchema()
		}
	default:
		if err = s.upgradeSchema(path); err == nil {
			err = s.syncSearch()
		}
		if err == nil {
			err = s.keepLookupsOfIndexesThatExist()
		}
	}
	if err != nil {
		closeAll()
		return nil, err
	}
	// From here on, statements are prepared once and reused: the same few queries run on
	// every request. The cache is bounded, since IN lists of different lengths are
	// different statements.
	s.db = db.Session(&gorm.Session{PrepareStmt: true})
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	if s.stmts != nil {
		s.stmts.close()
	}
	if drop := s.dialect.dropStatement(); drop != "" {
		s.unprepared.Exec(drop) // a throwaway schema: what is left of it the cluster's end removes
	}
	err = sqlDB.Close()
	if s.keeper != nil {
		err = errors.Join(err, s.keeper.Close())
	}
	return err
}

// Registry returns the resource descriptions the store was opened with.
func (s *Store) Registry() *models.Registry { return s.reg }

// Now returns the store clock's current time, truncated to what is stored.
func (s *Store) Now() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// NowText returns the current time formatted as stored.
func (s *Store) NowText() string { return formatTime(s.Now(), TimeFormat) }

// NowTextFor is the clock's time as the type's family writes its times (the Adobe family:
// microseconds), or NowText for a type of no family.
func (s *Store) NowTextFor(def *models.Resource) string {
	f := def.Family
	if f == nil || f.TimeFormat == "" {
		return s.NowText()
	}
	return s.now().UTC().Truncate(time.Duration(f.Precision)).Format(f.TimeFormat)
}

// formattedNow is a time as stored, the text boxed once: the records a write makes within one
// millisecond (an organization's set-up makes hundreds) share it.
type formattedNow struct {
	at     time.Time
	layout string
	text   any
}

// nowValueFor is NowTextFor as a record value, one clock reading: the text is formatted
// again only when the time or the layout differs from the last one's.
func (s *Store) nowValueFor(def *models.Resource) any {
	layout, at := TimeFormat, time.Time{}
	if f := def.Family; f != nil && f.TimeFormat != "" {
		layout, at = f.TimeFormat, s.now().UTC().Truncate(time.Duration(f.Precision))
	} else {
		at = s.Now()
	}
	if last := s.lastNow.Load(); last != nil && last.layout == layout && last.at.Equal(at) {
		return last.text
	}
	f := &formattedNow{at: at, layout: layout, text: formatTime(at, layout)}
	s.lastNow.Store(f)
	return f.text
}

// formatTime is t.Format(layout), written digit by digit for TimeFormat (a clock that moves
// between records, as the tests' does, formats a time for every record).
func formatTime(t time.Time, layout string) string {
	year, month, day := t.Date()
	if layout != TimeFormat || t.Location() != time.UTC || year < 0 || year > 9999 {
		return t.Format(layout)
	}
	hour, minute, sec := t.Clock()
	var b [len(TimeFormat)]byte
	put := func(at, n, digits int) {
		for i := at + digits - 1; i >= at; i-- {
			b[i] = byte('0' + n%10)
			n /= 10
		}
	}
	put(0, year, 4)
	b[4] = '-'
	put(5, int(month), 2)
	b[7] = '-'
	put(8, day, 2)
	b[10] = 'T'
	put(11, hour, 2)
	b[13] = ':'
	put(14, minute, 2)
	b[16] = ':'
	put(17, sec, 2)
	b[19] = '.'
	put(20, t.Nanosecond()/int(time.Millisecond), 3)
	b[23] = 'Z'
	return string(b[:])
}

// GenerateID returns a fresh id from the store's generator.
func (s *Store) GenerateID() string { return s.newID() }

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// NewID returns a random 10-character alphanumeric id, as the real service's ids look.
func NewID() string {
	var out [10]byte
	var buf [32]byte
	for n := 0; n < len(out); {
		if _, err := rand.Read(buf[:]); err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
		for _, b := range buf {
			// 248 is the largest multiple of 62 below 256: rejecting the rest keeps every
			// character equally likely.
			if b < 248 && n < len(out) {
				out[n] = idAlphabet[int(b)%len(idAlphabet)]
				n++
			}
		}
	}
	return string(out[:])
}

// Tx runs fn in one write transaction: all of its writes land, or none.
func (s *Store) Tx(ctx context.Context, fn func(tx *Store) error) error {
	if s.inTx {
		return fn(s) // already inside one: its writes land with it
	}
	// The generation moves once the transaction has ended, never before its commit, so a
	// reader cannot cache what it read while the commit was pending under the new number.
	// Statements the transaction ran unprepared are prepared after it, and after the
	// generations moved: the transaction holds SQLite's one connection.
	defer s.handOff() // deferred first: runs once the transaction and the preparations after it are done
	pending := &pendingStmts{}
	defer s.prepareLater(ctx, pending)
	w := new(written)
	defer func() { s.moved(w.list()) }()
	return diskFull(s.unprepared.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		tx, err := s.inTransaction(g, pending)
		if err != nil {
			return err
		}
		if err := s.dialect.beginWrite(g); err != nil {
			return err
		}
		tx.txWritten = w
		if err := fn(tx); err != nil {
			return err
		}
		return s.bumpShared(g, w)
	}))
}

// Generation returns a number that moves whenever a write transaction ends: on a database
// that several mocks share (PostgreSQL), the database's own, read each time, so that what
// one instance cached is stale as soon as another wrote.
func (s *Store) Generation() uint64 {
	if !s.dialect.shared() {
		return s.gen.Load()
	}
	var n int64
	if err := s.unprepared.Raw(s.dialect.readGeneration()).Row().Scan(&n); err != nil {
		// Unknown: a number no cache entry has, so that nothing cached is served.
		return 1<<63 | s.gen.Add(1)
	}
	return uint64(n)
}

// Shared reports whether mocks in other processes may serve the store's database at once
// (a PostgreSQL URL): state kept beside the records (SharedValue) is then the database's.
func (s *Store) Shared() bool { return s.dialect.shared() }

// ErrNotShared is what SharedValue returns on a database no other mock serves.
var ErrNotShared = errors.New("store: the database is not shared")

// SharedValue returns the value stored under key beside the records, storing candidate
// first if there is none: of mocks calling it together, all get the first one's value.
func (s *Store) SharedValue(ctx context.Context, key, candidate string) (string, error) {
	if !s.dialect.shared() {
		return "", ErrNotShared
	}
	db := s.unprepared.WithContext(ctx)
	if err := db.Exec("INSERT INTO "+quote(metaTable)+" (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", key, candidate).Error; err != nil {
		return "", fmt.Errorf("store: shared %s: %w", key, err)
	}
	var v string
	if err := db.Raw("SELECT value FROM "+quote(metaTable)+" WHERE key = ?", key).Row().Scan(&v); err != nil {
		return "", fmt.Errorf("store: shared %s: %w", key, err)
	}
	return v, nil
}

// PutShared stores value under key beside the records, replacing any.
func (s *Store) PutShared(ctx context.Context, key, value string) error {
	if !s.dialect.shared() {
		return ErrNotShared
	}
	err := s.unprepared.WithContext(ctx).Exec("INSERT INTO "+quote(metaTable)+" (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value).Error
	if err != nil {
		return fmt.Errorf("store: shared %s: %w", key, err)
	}
	return nil
}

// DeleteShared removes what is stored under key, reporting whether there was anything.
func (s *Store) DeleteShared(ctx context.Context, key string) (bool, error) {
	if !s.dialect.shared() {
		return false, ErrNotShared
	}
	res := s.unprepared.WithContext(ctx).Exec("DELETE FROM "+quote(metaTable)+" WHERE key = ?", key)
	if res.Error != nil {
		return false, fmt.Errorf("store: shared %s: %w", key, res.Error)
	}
	return res.RowsAffected > 0, nil
}

// ListShared returns the values stored under the keys that start with prefix, by key.
func (s *Store) ListShared(ctx context.Context, prefix string) (map[string]string, error) {
	if !s.dialect.shared() {
		return nil, ErrNotShared
	}
	out := map[string]string{}
	err := eachRow(s.unprepared.WithContext(ctx), "SELECT key, value FROM "+quote(metaTable)+" WHERE starts_with(key, '"+strings.ReplaceAll(prefix, "'", "''")+"')",
		func(rows *sql.Rows) error {
			var k, v string
			if err := rows.Scan(&k, &v); err != nil {
				return err
			}
			out[k] = v
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("store: shared %s*: %w", prefix, err)
	}
	return out, nil
}

// EncodeSnapshot is the snapshot as JSON, for keeping it beside the records (DecodeSnapshot
// reads it back).
func EncodeSnapshot(snap Snapshot) ([]byte, error) { return json.Marshal(snap) }

// DecodeSnapshot reads a snapshot EncodeSnapshot wrote, each value as the kind of its
// column.
func (s *Store) DecodeSnapshot(data []byte) (Snapshot, error) {
	var raw map[string][]map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("store: snapshot: %w", err)
	}
	snap := Snapshot{}
	for typ, recs := range raw {
		def := s.reg.Lookup(typ)
		if def == nil {
			return nil, fmt.Errorf("store: snapshot: no type %s", typ)
		}
		kinds := columnKinds(def)
		out := make([]Record, len(recs))
		for i, r := range recs {
			rec := make(Record, len(r))
			for col, v := range r {
				val, err := decodeJSONValue(kinds[col], v)
				if err != nil {
					return nil, fmt.Errorf("store: snapshot: %s.%s: %w", typ, col, err)
				}
				rec[col] = val
			}
			out[i] = rec
		}
		snap[typ] = out
	}
	return snap, nil
}

// decodeJSONValue reads one value of a record as EncodeSnapshot wrote it.
func decodeJSONValue(kind models.Kind, v json.RawMessage) (any, error) {
	if string(v) == "null" {
		return nil, nil
	}
	var err error
	switch kind {
	case models.Object:
		return v, nil
	case models.Boolean:
		var b bool
		err = json.Unmarshal(v, &b)
		return b, err
	case models.Integer:
		var n int64
		err = json.Unmarshal(v, &n)
		return n, err
	case models.Number:
		var f float64
		err = json.Unmarshal(v, &f)
		return f, err
	}
	var str string
	err = json.Unmarshal(v, &str)
	return str, err
}

// UpdateShared replaces the value under key with what fn makes of it (ok false: none yet),
// as one transaction that instances take in turns; an error of fn changes nothing. Unlike a
// write of records, it leaves the generation alone.
func (s *Store) UpdateShared(ctx context.Context, key string, fn func(value string, ok bool) (string, error)) error {
	if !s.dialect.shared() {
		return ErrNotShared
	}
	return s.unprepared.WithContext(ctx).Transaction(func(g *gorm.DB) error {
		if err := s.dialect.beginWrite(g); err != nil {
			return err
		}
		var old string
		err := g.Raw("SELECT value FROM "+quote(metaTable)+" WHERE key = ?", key).Row().Scan(&old)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		value, err := fn(old, err == nil)
		if err != nil {
			return err
		}
		return g.Exec("INSERT INTO "+quote(metaTable)+" (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value).Error
	})
}

// LookupShared returns the value stored under key beside the records, if any.
func (s *Store) LookupShared(ctx context.Context, key string) (string, bool, error) {
	if !s.dialect.shared() {
		return "", false, ErrNotShared
	}
	var v string
	err := s.unprepared.WithContext(ctx).Raw("SELECT value FROM "+quote(metaTable)+" WHERE key = ?", key).Row().Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("store: shared %s: %w", key, err)
	}
	return v, true, nil
}

// CreateSchema creates the tables and indexes the descriptions call for, those that do not
// exist yet, and stamps the database as made by them, then the trigram indexes (search.go):
// Open does, unless told not to.
func (s *Store) CreateSchema() error {
	// One script in one transaction: a fresh database is ready in a single round trip. Not
	// through the prepared-statement cache: a prepared statement holds only the first
	// statement of a script.
	script := "BEGIN;\n" + s.schema + s.dialect.stampStatement(s.stamp) + "COMMIT;"
	if err := s.unprepared.Exec(script).Error; err != nil {
		return fmt.Errorf("store: create the schema: %w", err)
	}
	return s.syncSearch()
}

// upgradeSchema makes the schema of the file database at path the descriptions', in one
// transaction: a new file gets the whole schema; one made by another schema (an earlier
// build's) gets the tables, columns and indexes it lacks, each added column holding the
// description's default in every record, and is stamped as made by this schema. Every record
// is kept. A file that adding cannot make fit is left untouched: a *SchemaError says why.
func (s *Store) upgradeSchema(path string) error {
	err := s.unprepared.Transaction(func(tx *gorm.DB) error {
		// Instances starting together on one database upgrade it one after the other.
		if err := s.dialect.beginWrite(tx); err != nil {
			return err
		}
		stamp, err := s.dialect.readStamp(tx)
		if err != nil || stamp == int64(s.stamp) {
			return err // made by this schema: nothing to do
		}
		have, err := s.dialect.readSchema(tx)
		if err != nil {
			return err
		}
		if len(have) == 0 {
			return tx.Exec(s.schema + s.dialect.stampStatement(s.stamp)).Error
		}
		up, problems := planUpgrade(s.tables, have, s.dialect.setColumnDefault)
		if len(problems) > 0 {
			return &SchemaError{Path: MaskURL(path), Differences: problems}
		}
		for _, stmt := range up.statements {
			if err := tx.Exec(stmt).Error; err != nil {
				return err
			}
		}
		return tx.Exec(s.dialect.stampStatement(s.stamp)).Error
	})
	var schemaErr *SchemaError
	if err != nil && !errors.As(err, &schemaErr) {
		return fmt.Errorf("store: upgrade the schema of %s: %w", MaskURL(path), err)
	}
	return err
}

// schemaStamp is the user_version of a database the script made: a checksum of the script,
// never 0 (the user_version of any other database, as a rule).
func schemaStamp(script string) int32 {
	if stamp := int32(crc32.ChecksumIEEE([]byte(script)) & 0x7fffffff); stamp != 0 {
		return stamp
	}
	return 1
}

// IsEmpty reports whether no table holds a record.
func (s *Store) IsEmpty(ctx context.Context) (bool, error) {
	for _, def := range s.reg.All() {
		n, err := s.Count(ctx, def)
		if err != nil || n > 0 {
			return false, err
		}
	}
	return true, nil
}

// Snapshot is every record of every table, by type.
type Snapshot map[string][]Record

// Dump copies every record, hidden columns included, in one transaction: every table as of
// one moment, so that a write landing meanwhile is in the snapshot whole or not at all.
func (s *Store) Dump(ctx context.Context) (Snapshot, error) {
	snap := Snapshot{}
	err := s.Unscoped().read(ctx, func(tx *Store) error {
		for _, def := range s.reg.All() {
			recs, _, err := tx.List(ctx, def, ListQuery{})
			if err != nil {
				return err
			}
			snap[def.Type] = recs
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// read runs fn in one transaction that only reads: it sees one state of the database, and
// does not count as a write.
func (s *Store) read(ctx context.Context, fn func(tx *Store) error) error {
	if s.inTx {
		return fn(s)
	}
	defer s.handOff() // deferred first: runs once the transaction and the preparations after it are done
	pending := &pendingStmts{}
	defer s.prepareLater(ctx, pending)
	// A read transaction's statements run under its context (see statementContext).
	return s.unprepared.WithContext(s.statementContext(ctx)).Transaction(func(g *gorm.DB) error {
		tx, err := s.inTransaction(g, pending)
		if err != nil {
			return err
		}
		return fn(tx)
	}, s.dialect.readOptions())
}

// inTransaction is the handle's twin inside the transaction g.
func (s *Store) inTransaction(g *gorm.DB, pending *pendingStmts) (*Store, error) {
	sqlTx, ok := g.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return nil, fmt.Errorf("store: a transaction of %T", g.Statement.ConnPool)
	}
	tx := *s
	tx.db = g
	tx.sqlTx = sqlTx
	tx.pending = pending
	tx.inTx = true
	return &tx, nil
}

// Size estimates the bytes the snapshot's values take, for limits on how many are kept.
func (snap Snapshot) Size() int {
	n := 0
	for typ, recs := range snap {
		n += len(typ)
		for _, r := range recs {
			n += 64 // the record's own map
			for k, v := range r {
				n += len(k) + 16
				switch v := v.(type) {
				case string:
					n += len(v)
				case []byte:
					n += len(v)
				default:
					n += 8
				}
			}
		}
	}
	return n
}

// Restore replaces every record with the snapshot's, in one transaction: when any record
// cannot be put back (a reference to a record the snapshot lacks), nothing changes.
func (s *Store) Restore(ctx context.Context, snap Snapshot) error {
	return s.Unscoped().Tx(ctx, func(tx *Store) error {
		if err := tx.DeleteAll(ctx); err != nil {
			return err
		}
		for _, def := range s.reg.All() {
			recs := make([]Record, len(snap[def.Type]))
			for i, r := range snap[def.Type] {
				recs[i] = maps.Clone(r)
			}
			if err := tx.PutAll(ctx, def, recs); err != nil {
				return err
			}
		}
		return nil
	})
}

// Analyze refreshes the planner's statistics: called after bulk loads, so that filtered
// lists over many records keep choosing the selective index.
func (s *Store) Analyze(ctx context.Context) error {
	db := s.unprepared
	if s.inTx {
		db = s.db // the transaction holds the connection
	}
	names := make([]string, len(s.tables))
	for i, t := range s.tables {
		names[i] = t.Name
	}
	return db.WithContext(ctx).Exec(s.dialect.analyze(names)).Error
}

// AppendShared adds an entry of size bytes at the end of the shared log, and drops the
// oldest entries past maxEntries or maxBytes (never the newest); it returns the entry's id,
// which increases with each append on any instance.
func (s *Store) AppendShared(ctx context.Context, entry string, size, maxEntries, maxBytes int) (int64, error) {
	if !s.dialect.shared() {
		return 0, ErrNotShared
	}
	db := s.unprepared.WithContext(ctx)
	var id int64
	if err := db.Raw("INSERT INTO "+quote(logTable)+" (size, entry) VALUES (?, ?) RETURNING id", size, entry).Row().Scan(&id); err != nil {
		return 0, fmt.Errorf("store: shared log: %w", err)
	}
	return id, s.trimShared(ctx, maxEntries, maxBytes)
}

func (s *Store) trimShared(ctx context.Context, maxEntries, maxBytes int) error {
	err := s.unprepared.WithContext(ctx).Exec("DELETE FROM "+quote(logTable)+" WHERE id IN (SELECT id FROM (SELECT id, "+
		"row_number() OVER (ORDER BY id DESC) AS n, sum(size) OVER (ORDER BY id DESC) AS total FROM "+quote(logTable)+") x "+
		"WHERE n > 1 AND (n > ? OR total > ?))", maxEntries, maxBytes).Error
	if err != nil {
		return fmt.Errorf("store: shared log: %w", err)
	}
	return nil
}

// ReplaceShared replaces the shared log's entry of that id, if it is still kept, and trims
// the log as AppendShared does.
func (s *Store) ReplaceShared(ctx context.Context, id int64, entry string, size, maxEntries, maxBytes int) error {
	if !s.dialect.shared() {
		return ErrNotShared
	}
	if err := s.unprepared.WithContext(ctx).Exec("UPDATE "+quote(logTable)+" SET entry = ?, size = ? WHERE id = ?", entry, size, id).Error; err != nil {
		return fmt.Errorf("store: shared log: %w", err)
	}
	return s.trimShared(ctx, maxEntries, maxBytes)
}

// SharedLog calls fn with the shared log's entries, newest first, until fn returns false;
// bytes is the sum of their sizes.
func (s *Store) SharedLog(ctx context.Context, fn func(id int64, entry string) bool) error {
	if !s.dialect.shared() {
		return ErrNotShared
	}
	rows, err := s.unprepared.WithContext(ctx).Raw("SELECT id, entry FROM " + quote(logTable) + " ORDER BY id DESC").Rows()
	if err != nil {
		return fmt.Errorf("store: shared log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var entry string
		if err := rows.Scan(&id, &entry); err != nil {
			return err
		}
		if !fn(id, entry) {
			break
		}
	}
	return rows.Err()
}

// SharedLogBytes is the sum of the shared log's entry sizes.
func (s *Store) SharedLogBytes(ctx context.Context) (int, error) {
	if !s.dialect.shared() {
		return 0, ErrNotShared
	}
	var n int64
	err := s.unprepared.WithContext(ctx).Raw("SELECT coalesce(sum(size), 0) FROM " + quote(logTable)).Row().Scan(&n)
	return int(n), err
}

// ClearShared empties the shared log.
func (s *Store) ClearShared(ctx context.Context) error {
	if !s.dialect.shared() {
		return ErrNotShared
	}
	return s.unprepared.WithContext(ctx).Exec("DELETE FROM " + quote(logTable)).Error
}

// CountShared counts one event in the shared counter under key for the window that starts
// at start (a new window starts from zero), unless the window already holds limit events:
// then refused is true and nothing is counted. count is the window's count after.
func (s *Store) CountShared(ctx context.Context, key, start string, limit int) (count int, refused bool, err error) {
	if !s.dialect.shared() {
		return 0, false, ErrNotShared
	}
	t := quote(counterTable)
	err = s.unprepared.WithContext(ctx).Raw("INSERT INTO "+t+" AS c (key, start, count, refused) VALUES (?, ?, 1, false) "+
		"ON CONFLICT (key) DO UPDATE SET "+
		"count = CASE WHEN c.start <> excluded.start THEN 1 WHEN c.count >= ? THEN c.count ELSE c.count + 1 END, "+
		"refused = c.start = excluded.start AND c.count >= ?, start = excluded.start "+
		"RETURNING count, refused", key, start, limit, limit).Row().Scan(&count, &refused)
	if err != nil {
		return 0, false, fmt.Errorf("store: shared counter: %w", err)
	}
	return count, refused, nil
}

// ClearCounters forgets every shared counter; with before set, only those whose window
// started before it (in the same text format as the starts counted).
func (s *Store) ClearCounters(ctx context.Context, before string) error {
	if !s.dialect.shared() {
		return ErrNotShared
	}
	db := s.unprepared.WithContext(ctx)
	if before == "" {
		return db.Exec("DELETE FROM " + quote(counterTable)).Error
	}
	return db.Exec("DELETE FROM "+quote(counterTable)+" WHERE start < ?", before).Error
}
