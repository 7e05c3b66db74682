// Package store keeps the mock's records in SQLite through GORM.
//
// Its schema is derived from the resource descriptions of package models: one table per
// type, one column per stored attribute and per to-one relationship, indexes on foreign keys
// and on the columns lists are usually filtered and sorted by. A record is a Record (column
// name to value); values are read back as the attribute's kind. Filters arrive already
// parsed (package query); SQL text is built only from column names taken from the
// descriptions, and every value is a bound parameter.
//
// A file database made by an earlier build is upgraded when opened: the tables, columns
// (holding their defaults) and indexes it lacks are added, and every record is kept. One
// that adding cannot make fit, such as a newer build's with columns this one does not
// know, is refused with a SchemaError (schema.go; SQLite's catalog is read in
// sqlite_schema.go).
//
// A whole database can be taken as an Image (SQLite's file bytes) and restored in one page
// copy: what fast starts and resets are made of. One connection serves everything;
// transactions do not go through the prepared-statement cache (see Store.unprepared).
//
// Reads of records (Get, GetMany, List) are SQL the store writes itself, run through its own
// prepared statements (stmt.go); on SQLite each row comes packed as one JSON array, decoded
// into the same values a column-by-column scan gives (packed.go).
//
// The store knows no HTTP and no wire format: its errors are typed (ErrNotFound,
// ErrDiskFull, *TooManyValuesError, *SchemaError), and each API family says them its way.
package store
