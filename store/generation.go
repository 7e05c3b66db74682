package store

import (
	"context"
	"database/sql"
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"gorm.io/gorm"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
)

// Every table has a generation, a number that moves whenever a write to the table ends, so
// that what was made from some tables may be kept until one of them is written: a document
// records the tables its reads touched (Reads) and their generations from before it read
// them (Generations.Stamp), and is current for as long as none of those moved
// (Stamp.CurrentIn). On a database several mocks share (PostgreSQL), the generations are the
// database's, moved in the write's own transaction, so another instance sees a write and its
// generations together.

// tableGenerations are this process's counters, one per table of the registry.
type tableGenerations struct {
	index    map[string]int // table name -> position in counters
	counters []atomic.Uint64
}

func newTableGenerations(reg *models.Registry) *tableGenerations {
	defs := reg.All()
	g := &tableGenerations{index: make(map[string]int, len(defs)), counters: make([]atomic.Uint64, len(defs))}
	for i, def := range defs {
		g.index[def.Type] = i
	}
	return g
}

// Generations are the generations of every table at one moment. The zero value is unknown:
// no stamp is current in it, and none is made from it.
type Generations struct {
	index  map[string]int
	values []uint64
}

// Known reports whether the generations could be read.
func (g Generations) Known() bool { return g.values != nil }

// Stamp is the generations of some tables at one moment: what a computation that read them
// depends on.
type Stamp []tableGeneration

type tableGeneration struct {
	table int
	gen   uint64
}

// Stamp returns the generations of the tables in g; ok is false when g is unknown or a table
// is not the store's (nothing made from it may then be kept).
func (g Generations) Stamp(tables []string) (st Stamp, ok bool) {
	if !g.Known() {
		return nil, false
	}
	st = make(Stamp, 0, len(tables))
	for _, t := range tables {
		i, known := g.index[t]
		if !known {
			return nil, false
		}
		st = append(st, tableGeneration{i, g.values[i]})
	}
	return st, true
}

// CurrentIn reports whether none of the stamp's tables moved between the stamp and now.
func (st Stamp) CurrentIn(now Generations) bool {
	if !now.Known() {
		return false
	}
	for _, tg := range st {
		if tg.table >= len(now.values) || now.values[tg.table] != tg.gen {
			return false
		}
	}
	return true
}

// Generations reads every table's generation: on a shared database, in one round trip,
// unless ReadShared read them for the request already.
func (s *Store) Generations(ctx context.Context) Generations {
	if !s.dialect.shared() {
		return s.localGenerations()
	}
	if g, ok := ctx.Value(generationsInContext{}).(Generations); ok {
		return g
	}
	g := s.tableGens
	values := make([]uint64, len(g.counters))
	err := eachRow(s.unprepared.WithContext(ctx), s.dialect.readGenerations(), func(rows *sql.Rows) error {
		var key string
		var n int64
		if err := rows.Scan(&key, &n); err != nil {
			return err
		}
		if i, ok := g.index[tableOfGenerationKey(key)]; ok {
			values[i] = uint64(n)
		}
		return nil
	})
	if err != nil {
		return Generations{} // unknown: nothing cached is served, nothing read is kept
	}
	return Generations{index: g.index, values: values}
}

// localGenerations are this process's generations: those of writes through this store.
func (s *Store) localGenerations() Generations {
	g := s.tableGens
	values := make([]uint64, len(g.counters))
	for i := range g.counters {
		values[i] = g.counters[i].Load()
	}
	return Generations{index: g.index, values: values}
}

// MoveGenerations moves the generations of the tables, or of every table when none is
// named, as a write of them would: for tests and benchmarks that need caches to miss.
func (s *Store) MoveGenerations(tables ...string) {
	if len(tables) == 0 {
		tables = s.tableGens.names()
	}
	s.wroteOutsideTx(tables)
}

func (g *tableGenerations) names() []string {
	out := make([]string, len(g.counters))
	for t, i := range g.index {
		out[i] = t
	}
	return out
}

// written collects the tables a transaction wrote, with how many writes each had so far.
type written struct {
	mu     sync.Mutex
	writes map[string]uint64
}

func (w *written) add(tables []string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.writes == nil {
		w.writes = map[string]uint64{}
	}
	for _, t := range tables {
		w.writes[t]++
	}
}

func (w *written) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.writes))
	for t := range w.writes {
		out = append(out, t)
	}
	return out
}

// snapshot is how many writes each table had so far; nil for no transaction.
func (w *written) snapshot() map[string]uint64 {
	if w == nil {
		return nil
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.writes)
}

// writesOf sums the writes of the tables in a snapshot: it moves iff one of them was written.
func writesOf(snapshot map[string]uint64, tables []string) uint64 {
	var n uint64
	for _, t := range tables {
		n += snapshot[t]
	}
	return n
}

// wrote counts a write of the table (and more): inside a transaction, it moves their
// generations when the transaction ends; outside one, at once. The table is not optional,
// so that a write path cannot move nothing by forgetting it.
func (s *Store) wrote(table string, more ...string) {
	tables := append([]string{table}, more...)
	if !s.inTx {
		s.wroteOutsideTx(tables)
		return
	}
	if s.txWritten != nil {
		s.txWritten.add(tables)
	}
}

func (s *Store) wroteOutsideTx(tables []string) {
	s.moved(tables)
	if s.dialect.shared() {
		// After the write's own commit; a failure leaves caches as they were.
		s.unprepared.Exec(s.dialect.bumpGenerations(sortedUnique(tables)))
	}
}

// wroteAll counts a write of every table.
func (s *Store) wroteAll() {
	names := s.tableGens.names()
	s.wrote(names[0], names[1:]...) // a registry has a type at least
}

// moved moves this process's generations of the tables, and the store's generation.
func (s *Store) moved(tables []string) {
	for _, t := range tables {
		if i, ok := s.tableGens.index[t]; ok {
			s.tableGens.counters[i].Add(1)
		}
	}
	s.gen.Add(1)
}

// bumpShared moves the shared generations of what the transaction wrote, in the
// transaction: no instance can see the data without the new generations.
func (s *Store) bumpShared(tx *gorm.DB, w *written) error {
	if !s.dialect.shared() {
		return nil
	}
	return tx.Exec(s.dialect.bumpGenerations(sortedUnique(w.list()))).Error
}

func sortedUnique(tables []string) []string {
	out := slices.Clone(tables)
	slices.Sort(out) // rows locked in one order by every writer
	return slices.Compact(out)
}

const generationKeyPrefix = generationKey + ":"

func tableOfGenerationKey(key string) string { return key[min(len(key), len(generationKeyPrefix)):] }

// Reads collects the tables a computation read (through a context from TrackReads), so that
// what it made can depend on exactly those.
type Reads struct {
	mu     sync.Mutex
	tables []string
}

type readsKey struct{}

// TrackReads returns a context under which every read of the store notes its tables in the
// returned Reads, as do the reads under any context made from it.
func TrackReads(ctx context.Context) (context.Context, *Reads) {
	r := &Reads{}
	return context.WithValue(ctx, readsKey{}, r), r
}

// Note adds tables to what was read, for reads the store did not make (a cached record).
func (r *Reads) Note(tables ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, t := range tables {
		if !slices.Contains(r.tables, t) {
			r.tables = append(r.tables, t)
		}
	}
}

// Tables returns the tables read so far.
func (r *Reads) Tables() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.tables)
}

// readsOf returns the Reads of the context, or nil.
func readsOf(ctx context.Context) *Reads {
	r, _ := ctx.Value(readsKey{}).(*Reads)
	return r
}

// noteRead notes that a statement on def's table, with q's filters, ran under ctx: the
// table, and those the filters' paths reach through subqueries.
func noteRead(ctx context.Context, table string, filters []query.Filter) {
	r := readsOf(ctx)
	if r == nil {
		return
	}
	r.Note(table)
	for _, f := range filters {
		for _, p := range f.Paths {
			for _, hop := range p.Hops {
				r.Note(hop.Type)
			}
		}
	}
}
