package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
)

// The shared state a request reads and writes on a database several mocks share (fault
// rules, rate-limit settings and counters, the journal), in as few round trips as the
// guarantees allow: every request sees the rules and settings as they are, and counts
// and logs itself before its answer leaves.

// ReadShared returns the values stored under the keys beside the records, those there are,
// and ctx carrying the generation (see Generation) and the tables' generations (see
// Generations) read in the same statement, which GenerationIn and Generations then answer
// for the rest of the request without a round trip of their own. A request that reads them
// first sees every write acknowledged before it came.
func (s *Store) ReadShared(ctx context.Context, keys ...string) (context.Context, map[string]string, error) {
	if !s.dialect.shared() {
		return ctx, nil, ErrNotShared
	}
	rows, err := s.unprepared.WithContext(ctx).Raw("SELECT key, value FROM "+quote(metaTable)+" WHERE key IN ? OR starts_with(key, ?)",
		keys, generationKeyPrefix).Rows()
	if err != nil {
		return ctx, nil, fmt.Errorf("store: shared values: %w", err)
	}
	defer rows.Close()
	out := make(map[string]string, len(keys)+1)
	g := s.tableGens
	tables := Generations{index: g.index, values: make([]uint64, len(g.counters))}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return ctx, nil, fmt.Errorf("store: shared values: %w", err)
		}
		if i, ok := g.index[tableOfGenerationKey(k)]; ok && strings.HasPrefix(k, generationKeyPrefix) {
			if tables.values[i], err = strconv.ParseUint(v, 10, 64); err != nil {
				return ctx, nil, fmt.Errorf("store: shared values: generation %q of %s", v, k)
			}
			continue
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		return ctx, nil, fmt.Errorf("store: shared values: %w", err)
	}
	ctx = context.WithValue(ctx, generationsInContext{}, tables)
	return ctx, out, nil
}

// generationsInContext keeps, in a request's context, the tables' generations ReadShared
// read.
type generationsInContext struct{}

// SharedCounter is one counter a request counts against: its key, the start of its present
// window and the window's limit.
type SharedCounter struct {
	Key, Start string
	Limit      int
}

// Counted is what counting did to a counter: its count after, and whether it refused
// (the window was full, nothing counted). Skipped is a counter not counted at all.
type Counted struct {
	Count            int
	Refused, Skipped bool
}

// CountSharedPair counts an event in first and, unless first refused it and
// evenIfRefused is false, in second, as CountShared does for each, in one statement: a
// request refused by the first limit is not counted against the second.
func (s *Store) CountSharedPair(ctx context.Context, first, second SharedCounter, evenIfRefused bool) (Counted, Counted, error) {
	if !s.dialect.shared() {
		return Counted{}, Counted{}, ErrNotShared
	}
	t := quote(counterTable)
	upsert := "ON CONFLICT (key) DO UPDATE SET " +
		"count = CASE WHEN c.start <> excluded.start THEN 1 WHEN c.count >= %[1]s THEN c.count ELSE c.count + 1 END, " +
		"refused = c.start = excluded.start AND c.count >= %[1]s, start = excluded.start RETURNING count, refused"
	query := "WITH a AS (INSERT INTO " + t + " AS c (key, start, count, refused) VALUES (@k1, @s1, 1, false) " +
		fmt.Sprintf(upsert, "@l1") + "), " +
		"b AS (INSERT INTO " + t + " AS c (key, start, count, refused) SELECT @k2, @s2, 1, false FROM a WHERE NOT a.refused OR @always " +
		fmt.Sprintf(upsert, "@l2") + ") " +
		"SELECT a.count, a.refused, b.count, b.refused FROM a LEFT JOIN b ON true"
	var (
		a, b     Counted
		bCount   sql.NullInt64
		bRefused sql.NullBool
	)
	err := s.unprepared.WithContext(ctx).Raw(query,
		sql.Named("k1", first.Key), sql.Named("s1", first.Start), sql.Named("l1", first.Limit),
		sql.Named("k2", second.Key), sql.Named("s2", second.Start), sql.Named("l2", second.Limit),
		sql.Named("always", evenIfRefused),
	).Row().Scan(&a.Count, &a.Refused, &bCount, &bRefused)
	if err != nil {
		return a, b, fmt.Errorf("store: shared counters: %w", err)
	}
	b = Counted{Count: int(bCount.Int64), Refused: bRefused.Bool, Skipped: !bCount.Valid}
	return a, b, nil
}

// AppendSharedEntry adds an entry of size bytes at the end of the shared log and returns
// its id, which increases with each append on any instance. It does not trim the log: see
// TrimShared.
func (s *Store) AppendSharedEntry(ctx context.Context, entry string, size int) (int64, error) {
	if !s.dialect.shared() {
		return 0, ErrNotShared
	}
	var id int64
	if err := s.unprepared.WithContext(ctx).Raw("INSERT INTO "+quote(logTable)+" (size, entry) VALUES (?, ?) RETURNING id", size, entry).Row().Scan(&id); err != nil {
		return 0, fmt.Errorf("store: shared log: %w", err)
	}
	return id, nil
}

// ReplaceSharedEntry replaces the shared log's entry of that id, if it is still kept.
func (s *Store) ReplaceSharedEntry(ctx context.Context, id int64, entry string, size int) error {
	if !s.dialect.shared() {
		return ErrNotShared
	}
	if err := s.unprepared.WithContext(ctx).Exec("UPDATE "+quote(logTable)+" SET entry = ?, size = ? WHERE id = ?", entry, size, id).Error; err != nil {
		return fmt.Errorf("store: shared log: %w", err)
	}
	return nil
}

// TrimShared drops the shared log's oldest entries past maxEntries or maxBytes (never the
// newest).
func (s *Store) TrimShared(ctx context.Context, maxEntries, maxBytes int) error {
	if !s.dialect.shared() {
		return ErrNotShared
	}
	return s.trimShared(ctx, maxEntries, maxBytes)
}
