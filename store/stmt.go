package store

import (
	"context"
	"database/sql"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/commercelayer-mock/provmock/internal/seen"
)

// The statements the store writes itself (records.go's reads and writes of records) run
// through query and exec: on SQLite, which prepares every statement anew, each is prepared
// once per database and reused, in a transaction or out of one; PostgreSQL's driver (pgx)
// keeps prepared statements of its own on each connection.

// maxCachedStatements bounds the statement cache: IN lists of different lengths are different
// statements. Past the bound, statements run without being kept.
const maxCachedStatements = 1024

// stmtCache holds the statements prepared on the database, by SQL text. A statement is
// prepared the second time it runs: one that runs once (an IN list of an unusual length)
// takes no room.
type stmtCache struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
	ran   *seen.Set // the statements run before, forgotten when too many
}

func newStmtCache() *stmtCache {
	return &stmtCache{stmts: map[string]*sql.Stmt{}, ran: seen.New(maxCachedStatements)}
}

// again reports whether q ran before, noting that it runs now.
func (c *stmtCache) again(q string) bool { return c.ran.Again(q) }

func (c *stmtCache) get(q string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stmts[q]
}

// prepare prepares q on the database and keeps it, unless the cache is full. It must not run
// inside a transaction: with SQLite's one connection, preparing waits for the connection,
// which the transaction holds.
func (c *stmtCache) prepare(ctx context.Context, db *sql.DB, q string) *sql.Stmt {
	c.mu.Lock()
	stmt, full := c.stmts[q], len(c.stmts) >= maxCachedStatements
	c.mu.Unlock()
	if stmt != nil || full {
		return stmt
	}
	// Not under the lock: preparing waits for the connection.
	stmt, err := db.PrepareContext(ctx, q)
	if err != nil {
		return nil // the statement runs unprepared, and reports its own error
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if have := c.stmts[q]; have != nil {
		stmt.Close() // another caller prepared it meanwhile
		return have
	}
	c.stmts[q] = stmt
	return stmt
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, stmt := range c.stmts {
		stmt.Close()
		delete(c.stmts, q)
	}
}

// pendingStmts are the statements a transaction ran unprepared, for preparing once it ended.
type pendingStmts struct {
	mu      sync.Mutex
	queries []string
}

func (p *pendingStmts) add(q string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.queries = append(p.queries, q)
}

// prepareLater prepares what the transaction ran unprepared: the connection is free again.
func (s *Store) prepareLater(ctx context.Context, p *pendingStmts) {
	if s.stmts == nil || len(p.queries) == 0 {
		return
	}
	ctx = context.WithoutCancel(ctx)
	for _, q := range p.queries {
		s.stmts.prepare(ctx, s.sqlDB, q)
	}
}

// statement returns the prepared statement of q for the handle (bound to its transaction,
// if any), or nil when q is to run unprepared.
func (s *Store) statement(ctx context.Context, q string) *sql.Stmt {
	if s.stmts == nil {
		return nil
	}
	stmt := s.stmts.get(q)
	switch {
	case stmt == nil && !s.stmts.again(q):
		return nil
	case stmt == nil && s.sqlTx == nil:
		return s.stmts.prepare(ctx, s.sqlDB, q)
	case stmt == nil:
		if s.pending != nil {
			s.pending.add(q)
		}
		return nil
	case s.sqlTx == nil:
		return stmt
	}
	// Prepared on the transaction's connection already (SQLite has one): no new preparation.
	return s.sqlTx.StmtContext(ctx, stmt)
}

// queryObserver is told every statement query runs, as the store wrote it: for tests that
// look at the statements (their plans), shared by every handle on the database.
type queryObserver struct {
	fn atomic.Pointer[func(q string, args []any)]
}

// query runs a statement that returns rows; q uses ? for its bound values.
func (s *Store) query(ctx context.Context, q string, args ...any) (results, error) {
	if s.observer != nil {
		if f := s.observer.fn.Load(); f != nil {
			(*f)(q, args)
		}
	}
	ctx = s.statementContext(ctx)
	q = s.dialect.rebind(q)
	var rows *sql.Rows
	var err error
	if stmt := s.statement(ctx, q); stmt != nil {
		rows, err = stmt.QueryContext(ctx, args...)
	} else if s.sqlTx != nil {
		rows, err = s.sqlTx.QueryContext(ctx, q, args...)
	} else {
		rows, err = s.sqlDB.QueryContext(ctx, q, args...)
	}
	return results{Rows: rows, s: s}, err
}

// results are a query's rows; closing them hands the connection on (handOff).
type results struct {
	*sql.Rows
	s *Store
}

func (r results) Close() error {
	err := r.Rows.Close()
	r.s.handOff()
	return err
}

// handOff lets the request waiting for the pool's only connection (SQLite's) run now that
// it is free, where it would sit idle. database/sql gives a released connection to its
// longest waiter, but the scheduler runs that waiter only when the goroutine that released
// it blocks, after rendering and writing its answer; with many clients every statement
// waited for several such turns (an uncached retrieve from 32 connections: 13k req/s with a
// quarter of the CPU idle; yielding here: 17k-19k). Inside a transaction the connection is
// still held. Yielding when nobody waits costs a fraction of a microsecond.
func (s *Store) handOff() {
	if s.oneConnection && s.sqlTx == nil {
		runtime.Gosched()
	}
}

// SetHandOff turns handOff on or off for the handles made from s from now on (on is what a
// single-connection pool has), for benchmarks that measure with and without it side by
// side; it returns what restores the setting. No request may be running.
func (s *Store) SetHandOff(on bool) (restore func()) {
	was := s.oneConnection
	s.oneConnection = on
	return func() { s.oneConnection = was }
}

// exec runs a statement that returns no rows; q uses ? for its bound values.
func (s *Store) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	ctx = s.statementContext(ctx)
	q = s.dialect.rebind(q)
	if stmt := s.statement(ctx, q); stmt != nil {
		return stmt.ExecContext(ctx, args...)
	}
	if s.sqlTx != nil {
		return s.sqlTx.ExecContext(ctx, q, args...)
	}
	defer s.handOff()
	return s.sqlDB.ExecContext(ctx, q, args...)
}

// numberBinds turns the ? of a statement the store wrote into $1, $2, ... (PostgreSQL's
// placeholders), leaving quoted text and names alone.
func numberBinds(q string) string {
	if strings.IndexByte(q, '?') < 0 {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	var quote byte
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// statementContext is ctx for a statement: on SQLite, no longer ended by its cancellation.
// mattn/go-sqlite3 watches a context that can end with a goroutine and a channel for every
// row it steps, which costs more than most statements of an in-memory database take; they
// are short, so one whose client left runs to its end. Values (TrackReads) stay.
func (s *Store) statementContext(ctx context.Context) context.Context {
	if s.dialect.detachesStatements() {
		return context.WithoutCancel(ctx)
	}
	return ctx
}
