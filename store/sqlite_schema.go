package store

import (
	"database/sql"
	"fmt"

	"gorm.io/gorm"
)

// SQLite's side of the schema: how a database's tables, columns and indexes are read, and
// where the stamp of the schema that made it is kept. Everything else about upgrading a
// database (schema.go) is the same for any SQL database.

// userTables selects the tables of the database, not SQLite's own.
// Nor those of the trigram indexes (sqlite_search.go), which are not the descriptions' tables
// and which a build without FTS5 cannot read.
const userTables = `SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\' AND instr(name, '` + searchTableMark + `') = 0`

// readSchema returns the tables db holds, by name, with their columns (in table order) and
// the indexes made by CREATE INDEX (not those of PRIMARY KEY or UNIQUE constraints).
func readSchema(db *gorm.DB) (map[string]tableSchema, error) {
	tables := map[string]tableSchema{}
	type fk struct{ table, column string }
	refs := map[fk]string{}
	err := eachRow(db, `SELECT t.name, f."from", f."table", coalesce(f."to", 'id') FROM (`+userTables+`) t, pragma_foreign_key_list(t.name) f`,
		func(rows *sql.Rows) error {
			var table, from, to, toCol string
			if err := rows.Scan(&table, &from, &to, &toCol); err != nil {
				return err
			}
			refs[fk{table, from}] = to + "(" + toCol + ")"
			return nil
		})
	if err != nil {
		return nil, err
	}
	err = eachRow(db, `SELECT t.name, c.name, c.type, c."notnull", c.dflt_value, c.pk FROM (`+userTables+`) t, pragma_table_info(t.name) c ORDER BY t.name, c.cid`,
		func(rows *sql.Rows) error {
			var table string
			var c columnSchema
			var dflt sql.NullString
			var pk int
			if err := rows.Scan(&table, &c.Name, &c.Type, &c.NotNull, &dflt, &pk); err != nil {
				return err
			}
			c.PrimaryKey = pk > 0
			if dflt.Valid {
				c.Default = &dflt.String
			}
			c.References = refs[fk{table, c.Name}]
			addColumn(tables, table, c)
			return nil
		})
	if err != nil {
		return nil, err
	}
	// The collation of a column the index orders otherwise than the column (BINARY, here).
	err = eachRow(db, `SELECT t.name, i.name, i."unique", group_concat(k.name, ','), max(CASE WHEN k.coll = 'BINARY' THEN '' ELSE k.coll END)
		FROM (`+userTables+`) t, pragma_index_list(t.name) i, pragma_index_xinfo(i.name) k
		WHERE i.origin = 'c' AND k.key GROUP BY t.name, i.name ORDER BY t.name, i.name`,
		func(rows *sql.Rows) error {
			var table string
			var ix indexSchema
			if err := rows.Scan(&table, &ix.Name, &ix.Unique, &ix.Columns, &ix.Collate); err != nil {
				return err
			}
			addIndex(tables, table, ix)
			return nil
		})
	if err != nil {
		return nil, err
	}
	return tables, nil
}

func eachRow(db *gorm.DB, stmt string, fn func(*sql.Rows) error) error {
	rows, err := db.Raw(stmt).Rows()
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// readStamp returns the stamp of the schema that made db: SQLite's user_version, in the
// database's header.
func readStamp(db *gorm.DB) (int64, error) {
	var stamp int64
	err := db.Raw("PRAGMA user_version").Row().Scan(&stamp)
	return stamp, err
}

// stampStatement is the statement that marks a database as made by the schema of stamp.
func stampStatement(stamp int32) string { return fmt.Sprintf("PRAGMA user_version = %d;\n", stamp) }

// resultColumn is +col, the same value as an expression: SQLite reports no declared type
// for it, so mattn/go-sqlite3 skips fetching, copying and lowering one per column on every
// execution. The store decodes values by the description's kinds; the driver's use of a
// declared type (timestamp, boolean) matches none that columnType declares.
func (sqliteDialect) resultColumn(col string) string { return "+" + col }
