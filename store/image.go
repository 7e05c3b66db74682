package store

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
	"sync"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/commercelayer-mock/provmock/models"
)

// An Image is a whole database, schema and records, that a store can be set to: the bytes
// Serialize returns, or an SQLite file. Copying an image's pages into a database is much
// cheaper than creating the schema and inserting the records again, most of all in a new
// process, where every statement and allocation touches memory for the first time: a mock
// starts from an image, and reset goes back to one.
//
// An Image opens itself as a database of its own on first use, read-only, and stays open
// until Close, so that each later restore is a single page copy.
type Image struct {
	data []byte // or
	file string

	mu   sync.Mutex
	conn *sqlite3.SQLiteConn // nil until first use
	err  error               // why it could not be opened
}

// NewImage returns the image of a database serialized by Serialize.
func NewImage(data []byte) *Image { return &Image{data: data} }

// ImageFile returns the image of an SQLite database file, which is only ever read. Once
// the image is open, the file may be removed or replaced without effect on it.
func ImageFile(path string) *Image { return &Image{file: path} }

// ErrNoImages is what Serialize and RestoreImage return on an engine that cannot take or
// restore whole-database images: check Images first.
var ErrNoImages = errors.New("store: this database engine has no images")

// Images reports whether the store's engine can take and restore images (SQLite can). A
// caller without them keeps snapshots instead (Dump, Restore).
func (s *Store) Images() bool { return s.dialect.images() }

// Serialize returns the database, schema and records, as the bytes of an SQLite file. It
// must not be called inside Tx.
func (s *Store) Serialize(ctx context.Context) ([]byte, error) {
	if !s.Images() {
		return nil, ErrNoImages
	}
	var data []byte
	err := s.raw(ctx, func(c *sqlite3.SQLiteConn) error {
		var err error
		data, err = c.Serialize("main")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: serialize: %w", err)
	}
	return data, nil
}

// RestoreImage replaces the whole database, schema and records, with an image of a store
// over the same registry; it counts as one write. It must not be called inside Tx.
func (s *Store) RestoreImage(ctx context.Context, img *Image) error {
	if !s.Images() {
		return ErrNoImages
	}
	defer s.moved(s.tableGens.names()) // after the copy, as for a transaction's commit
	err := img.use(func(src *sqlite3.SQLiteConn) error {
		if err := s.checkStamp(src); err != nil {
			return err
		}
		// Lists scan until the image's trigram indexes are known to be in step (an image
		// made by a build without FTS5 has none).
		s.search.usable.Store(nil)
		return s.raw(ctx, func(dst *sqlite3.SQLiteConn) error { return copyDatabase(dst, src) })
	})
	if err == nil {
		err = s.syncSearch()
	}
	if err != nil {
		return fmt.Errorf("store: restore image: %w", err)
	}
	return nil
}

// checkStamp makes sure that src was made by the store's schema: a copy of any other
// database (an empty one, another program's, another build's) would leave the store without
// the tables it queries. The stamp is in the database's header: reading it parses nothing.
func (s *Store) checkStamp(src *sqlite3.SQLiteConn) error {
	rows, err := src.Query("PRAGMA user_version", nil)
	if err != nil {
		return err
	}
	defer rows.Close()
	row := make([]driver.Value, 1)
	if err := rows.Next(row); err != nil {
		return err
	}
	if stamp, _ := row[0].(int64); stamp != int64(s.stamp) {
		return fmt.Errorf("the image was not made by this schema (user_version %v, want %d)", row[0], s.stamp)
	}
	return nil
}

// copyDatabase replaces dst's main database with src's, page by page, with SQLite's
// backup API: one step, after which dst's prepared statements prepare again.
func copyDatabase(dst, src *sqlite3.SQLiteConn) error {
	backup, err := dst.Backup("main", src, "main")
	if err != nil {
		return err
	}
	done, stepErr := backup.Step(-1)
	finishErr := backup.Finish()
	switch {
	case stepErr != nil:
		return stepErr
	case finishErr != nil:
		return finishErr
	case !done:
		return fmt.Errorf("the database was busy")
	}
	return nil
}

// Counts returns how many records of each of reg's types the image holds, leaving out the
// types it holds none of, as Store.Counts does.
func (img *Image) Counts(reg *models.Registry) (map[string]int, error) {
	var out map[string]int
	err := img.use(func(c *sqlite3.SQLiteConn) error {
		rows, err := c.Query(countsQuery(reg), nil)
		if err != nil {
			return err
		}
		defer rows.Close()
		values := make([]driver.Value, len(reg.All()))
		if err := rows.Next(values); err != nil {
			return err
		}
		n := make([]int64, len(values))
		for i, v := range values {
			var ok bool
			if n[i], ok = v.(int64); !ok {
				return fmt.Errorf("count of %s is %T", reg.All()[i].Type, v)
			}
		}
		out = countsByType(reg, n)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: image counts: %w", err)
	}
	return out, nil
}

// Counts returns how many records of each type the store holds, leaving out the types it
// holds none of: what a mock reports it loaded, however it was filled.
func (s *Store) Counts(ctx context.Context) (map[string]int, error) {
	n := make([]int64, len(s.reg.All()))
	dst := make([]any, len(n))
	for i := range n {
		dst[i] = &n[i]
	}
	if err := s.unprepared.WithContext(ctx).Raw(countsQuery(s.reg)).Row().Scan(dst...); err != nil {
		return nil, fmt.Errorf("store: counts: %w", err)
	}
	return countsByType(s.reg, n), nil
}

// countsQuery selects the number of records of each of reg's types, in reg's order, in one
// row.
func countsQuery(reg *models.Registry) string {
	counts := make([]string, len(reg.All()))
	for i, def := range reg.All() {
		counts[i] = "(SELECT count(*) FROM " + quote(def.Type) + ")"
	}
	return "SELECT " + strings.Join(counts, ", ")
}

func countsByType(reg *models.Registry, n []int64) map[string]int {
	out := map[string]int{}
	for i, def := range reg.All() {
		if n[i] > 0 {
			out[def.Type] = int(n[i])
		}
	}
	return out
}

// Open opens the image as a database now rather than on first use; errors are kept for
// the first use too.
func (img *Image) Open() error { return img.use(func(*sqlite3.SQLiteConn) error { return nil }) }

// Close releases the image's database.
func (img *Image) Close() error {
	img.mu.Lock()
	defer img.mu.Unlock()
	if img.conn == nil {
		return nil
	}
	err := img.conn.Close()
	img.conn, img.err = nil, fmt.Errorf("image closed")
	return err
}

// use runs fn on the image opened as a database, opening it on first use. One caller at a
// time: an SQLite connection serves one statement or backup at once.
func (img *Image) use(fn func(*sqlite3.SQLiteConn) error) error {
	img.mu.Lock()
	defer img.mu.Unlock()
	if img.conn == nil && img.err == nil {
		img.conn, img.err = img.open()
	}
	if img.err != nil {
		return img.err
	}
	return fn(img.conn)
}

func (img *Image) open() (*sqlite3.SQLiteConn, error) {
	dsn := ":memory:"
	if img.file != "" {
		// immutable: the file is never written, so SQLite takes no locks and trusts its
		// pages as read once.
		dsn = "file:" + escapePath(img.file) + "?mode=ro&immutable=1"
	}
	conn, err := (&sqlite3.SQLiteDriver{}).Open(dsn)
	if err != nil {
		return nil, err
	}
	c := conn.(*sqlite3.SQLiteConn)
	if img.file == "" {
		if err := c.Deserialize(img.data, "main"); err != nil {
			c.Close()
			return nil, err
		}
	}
	// With memory mapping on, a copy reads the image's pages where they are instead of
	// first copying each into this connection's page cache.
	if _, err := c.Exec("PRAGMA mmap_size = 1073741824", nil); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// raw runs fn on the store's SQLite connection, which nothing else uses meanwhile.
func (s *Store) raw(ctx context.Context, fn func(*sqlite3.SQLiteConn) error) error {
	sqlDB, err := s.db.DB()
	if err != nil {
		return err
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*sqlite3.SQLiteConn)
		if !ok {
			return fmt.Errorf("%T is not an SQLite connection", driverConn)
		}
		return fn(c)
	})
}
