package store

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/commercelayer-mock/provmock/models"
)

// The schema as data: what the descriptions call for (wantSchema) and what a database holds
// (read by the dialect's introspection, sqlite_schema.go), so that the two can be compared
// and a database made by an earlier build upgraded by adding what it lacks.

// tableSchema is one table with its columns and the indexes made by CREATE INDEX.
type tableSchema struct {
	Name    string
	Columns []columnSchema
	Indexes []indexSchema
	// Retired are indexes earlier builds made that the descriptions no longer call for, as
	// another serves what they did (see models.Attr.IndexWithin): an upgrade drops them,
	// for every index costs each insert into the table.
	Retired []string
}

// columnSchema is one column as its declaration says it.
type columnSchema struct {
	Name       string
	Type       string // the declared SQL type
	NotNull    bool
	PrimaryKey bool
	Default    *string // the declaration's DEFAULT, as SQL text; nil for none
	References string  // "table(column)" of a foreign key; "" for none
}

// indexSchema is one index made by CREATE INDEX.
type indexSchema struct {
	Name    string
	Columns string // comma-separated, in index order (no column name holds a comma)
	Unique  bool
	Method  string // USING what; "" for the engine's default
	Collate string // the collation of its (one) column; "" for the column's own
}

// wantSchema returns the tables reg's descriptions call for, in reg's dependency order: one
// per type, a column per stored attribute and per to-one relationship, an index per
// foreign key and per indexed attribute. An attribute indexed within a column (IndexWithin)
// has an index on that column then itself, and the column none of its own: its index
// serves what one of the column would.
func wantSchema(reg *models.Registry, dia dialect) []tableSchema {
	var tables []tableSchema
	for _, def := range reg.All() {
		tables = append(tables, tableOf(def, dia))
	}
	return tables
}

// tableOf is the table def's description calls for (see wantSchema).
func tableOf(def *models.Resource, dia dialect) tableSchema {
	{
		t := tableSchema{Name: def.Type, Columns: []columnSchema{{Name: "id", Type: dia.columnType(models.String), NotNull: true, PrimaryKey: true}}}
		var indexed []string
		method := map[string]string{}
		within := map[string]string{} // attribute: the column its index leads with
		leads := map[string]bool{}    // columns an index on several leads with
		for _, a := range def.Attrs {
			if a.Stored() && a.Flags.Has(models.Indexed) && a.IndexWithin != "" {
				within[a.Name] = a.IndexWithin
				leads[a.IndexWithin] = true
			}
		}
		for _, a := range def.Attrs {
			if !a.Stored() {
				continue
			}
			stored, err := encodeValue(a.Kind, a.Default)
			if err != nil {
				panic(fmt.Sprintf("store: default of %s.%s: %v", def.Type, a.Name, err)) // constant descriptions
			}
			// The description's default is the column's too: a record inserted by a build
			// that does not know the column yet (an older instance still running on a shared
			// database after a newer one added it) gets it, as do the records of a table the
			// column is added to.
			t.Columns = append(t.Columns, columnSchema{Name: a.Name, Type: dia.columnType(a.Kind), Default: sqlLiteral(stored)})
			if a.Flags.Has(models.Indexed) {
				indexed = append(indexed, a.Name)
				method[a.Name] = dia.indexMethod(a.Kind)
			}
		}
		for _, rel := range def.Rels {
			if rel.ToMany {
				continue
			}
			t.Columns = append(t.Columns, columnSchema{Name: rel.FK, Type: dia.columnType(models.String), References: rel.Type + "(id)"})
			indexed = append(indexed, rel.FK)
		}
		for _, col := range indexed {
			name := "idx_" + def.Type + "_" + col
			switch {
			case within[col] != "":
				// A B-tree whatever the engine's choice for the kind: PostgreSQL's hash
				// indexes take one column.
				lead := within[col]
				t.Indexes = append(t.Indexes, indexSchema{Name: "idx_" + def.Type + "_" + lead + "_" + col, Columns: lead + "," + col})
				t.Retired = append(t.Retired, name)
			case leads[col]:
				t.Retired = append(t.Retired, name)
			default:
				t.Indexes = append(t.Indexes, indexSchema{Name: name, Columns: col, Method: method[col]})
			}
		}
		for _, a := range def.Attrs {
			// An index in the order that a case-insensitive prefix compares in, so that start
			// reads a range of it (prefixRange) instead of every record.
			if coll := dia.prefixCollation(); a.Flags.Has(models.Searched) && a.Stored() && coll != "" {
				t.Indexes = append(t.Indexes, indexSchema{Name: "idx_" + def.Type + "_" + a.Name + "_" + strings.ToLower(coll), Columns: a.Name, Collate: coll})
			}
		}
		t.Columns = append(t.Columns, dia.extraColumns()...)
		return t
	}
}

// lookupIndexes maps each column of t an index leads with (in its own order: no collation)
// to the name of the first such index, "id" to its primary key's.
func lookupIndexes(t tableSchema, dia dialect) map[string]string {
	out := map[string]string{}
	if pk := dia.primaryKeyIndex(t.Name); pk != "" {
		out["id"] = pk
	}
	for _, ix := range t.Indexes {
		lead, _, _ := strings.Cut(ix.Columns, ",")
		if _, ok := out[lead]; !ok && ix.Collate == "" && ix.Method == "" {
			out[lead] = ix.Name
		}
	}
	return out
}

// declaration is the column's part of a CREATE TABLE or ADD COLUMN statement.
func (c columnSchema) declaration() string {
	return quote(c.Name) + " " + c.describe()
}

// describe is the column's declaration without its name: how differences are reported.
func (c columnSchema) describe() string {
	d := c.Type
	if c.PrimaryKey {
		d += " PRIMARY KEY"
	}
	if c.NotNull {
		d += " NOT NULL"
	}
	if c.Default != nil {
		d += " DEFAULT " + *c.Default
	}
	if c.References != "" {
		table, col, _ := strings.Cut(strings.TrimSuffix(c.References, ")"), "(")
		d += " REFERENCES " + quote(table) + "(" + col + ")"
	}
	return d
}

// sameDeclaration compares all but the DEFAULT: it only decides what a record inserted
// without the column holds, never what a stored record answers, so a database whose column
// lacks it (made before columns carried their defaults) is served as it is.
func (c columnSchema) sameDeclaration(o columnSchema) bool {
	return strings.EqualFold(c.Type, o.Type) && c.NotNull == o.NotNull && c.PrimaryKey == o.PrimaryKey &&
		c.References == o.References
}

// sqlLiteral is a stored value (what encodeValue returns) as SQL text; nil for none.
func sqlLiteral(v any) *string {
	var lit string
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		lit = "'" + strings.ReplaceAll(v, "'", "''") + "'"
	case int64:
		lit = strconv.FormatInt(v, 10)
	case float64:
		lit = strconv.FormatFloat(v, 'g', -1, 64)
	default:
		panic(fmt.Sprintf("store: no SQL literal for a default of type %T", v)) // constant descriptions
	}
	return &lit
}

func (ix indexSchema) create(table string) string {
	unique := ""
	if ix.Unique {
		unique = "UNIQUE "
	}
	using := ""
	if ix.Method != "" {
		using = "USING " + ix.Method + " "
	}
	collate := ""
	if ix.Collate != "" {
		collate = " COLLATE " + ix.Collate
	}
	cols := strings.Split(ix.Columns, ",")
	for i, c := range cols {
		cols[i] = quote(c)
	}
	return fmt.Sprintf("CREATE %sINDEX IF NOT EXISTS %s ON %s %s(%s%s);\n", unique, quote(ix.Name), quote(table), using, strings.Join(cols, ", "), collate)
}

func (t tableSchema) create() string {
	cols := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		cols[i] = c.declaration()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CREATE TABLE IF NOT EXISTS %s (%s);\n", quote(t.Name), strings.Join(cols, ", "))
	for _, ix := range t.Indexes {
		b.WriteString(ix.create(t.Name))
	}
	return b.String()
}

// schemaScript returns the SQL statements that create the tables and indexes, each ended by
// a semicolon and a newline.
func schemaScript(tables []tableSchema) string {
	var b strings.Builder
	for _, t := range tables {
		b.WriteString(t.create())
	}
	return b.String()
}

// upgrade is what makes a database's schema the descriptions': statements that only add
// (tables, columns, indexes, and the defaults of columns that lack them).
type upgrade struct {
	statements []string
}

// planUpgrade compares a database's tables with the wanted ones. It returns the upgrade, or
// what differs in ways adding cannot mend: a table or column the descriptions do not have
// (made by a newer build, or by another program: serving it could answer wrong data), a
// column declared otherwise, a column that cannot be added to a table that exists, an index
// of the descriptions' name on other columns. Indexes the descriptions do not have are kept:
// they change how fast lists are, not what they answer; but those they retired (an earlier
// build's, which another index now serves: tableSchema.Retired) are dropped.
// setDefault is the statement that gives an existing column the descriptions' DEFAULT, or
// "" where the engine cannot (the column is kept as it is).
func planUpgrade(want []tableSchema, have map[string]tableSchema, setDefault func(table string, c columnSchema) string) (upgrade, []string) {
	var up upgrade
	var problems []string
	wanted := map[string]bool{}
	for _, w := range want {
		wanted[w.Name] = true
		h, ok := have[w.Name]
		if !ok {
			up.statements = append(up.statements, w.create())
			continue
		}
		columns := map[string]columnSchema{}
		for _, c := range h.Columns {
			columns[c.Name] = c
		}
		known := map[string]bool{}
		for _, c := range w.Columns {
			known[c.Name] = true
			got, ok := columns[c.Name]
			switch {
			case ok && !got.sameDeclaration(c):
				problems = append(problems, fmt.Sprintf("%s.%s is %s, this build's is %s", w.Name, c.Name, got.describe(), c.describe()))
			case !ok && (c.PrimaryKey || c.NotNull && c.Default == nil):
				problems = append(problems, fmt.Sprintf("%s has no column %s, which cannot be added to a table that exists", w.Name, c.Name))
			case !ok:
				// The DEFAULT fills the records there are, in both engines.
				up.statements = append(up.statements, fmt.Sprintf("ALTER TABLE %s ADD COLUMN %s;\n", quote(w.Name), c.declaration()))
			case got.Default == nil && c.Default != nil:
				if stmt := setDefault(w.Name, c); stmt != "" {
					up.statements = append(up.statements, stmt)
				}
			}
		}
		for _, c := range h.Columns {
			if !known[c.Name] {
				problems = append(problems, fmt.Sprintf("%s has a column %s this build does not know (made by a newer build?)", w.Name, c.Name))
			}
		}
		indexes := map[string]indexSchema{}
		for _, ix := range h.Indexes {
			indexes[ix.Name] = ix
		}
		for _, ix := range w.Indexes {
			got, ok := indexes[ix.Name]
			switch {
			case !ok:
				up.statements = append(up.statements, ix.create(w.Name))
			case got != ix:
				problems = append(problems, fmt.Sprintf("index %s is on %s(%s) unique=%t, this build's on %s(%s) unique=%t",
					ix.Name, w.Name, got.Columns, got.Unique, w.Name, ix.Columns, ix.Unique))
			}
		}
		for _, name := range w.Retired {
			if _, ok := indexes[name]; ok {
				up.statements = append(up.statements, fmt.Sprintf("DROP INDEX IF EXISTS %s;\n", quote(name)))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(have)) {
		if !wanted[name] {
			problems = append(problems, fmt.Sprintf("table %s is not one this build knows (made by a newer build, or another program?)", name))
		}
	}
	return up, problems
}

// SchemaError is a database that the store refuses to open: its schema is not the
// descriptions', and adding tables, columns and indexes cannot make it theirs. Nothing in
// the database was changed.
type SchemaError struct {
	Path        string
	Differences []string // what differs, one phrase each
}

func (e *SchemaError) Error() string {
	return fmt.Sprintf("store: database %s cannot be upgraded to this build's schema, so it was left as it is: %s",
		e.Path, strings.Join(e.Differences, "; "))
}

// addColumn and addIndex gather, table by table, what a dialect's introspection reads.
func addColumn(tables map[string]tableSchema, table string, c columnSchema) {
	t := tables[table]
	t.Name = table
	t.Columns = append(t.Columns, c)
	tables[table] = t
}

func addIndex(tables map[string]tableSchema, table string, ix indexSchema) {
	t := tables[table]
	t.Indexes = append(t.Indexes, ix)
	tables[table] = t
}
