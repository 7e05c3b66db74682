package app_test

import (
	"database/sql"
	"path/filepath"
	"testing"

	_ "github.com/mattn/go-sqlite3"
)

func TestRunRefusesADatabaseItCannotUpgrade(t *testing.T) {
	db := filepath.Join(t.TempDir(), "provmock.db")
	args := []string{"--addr", "127.0.0.1:0", "--db", db}
	if err := start(t, args, nil).stop(t); err != nil {
		t.Fatal(err)
	}
	// What a newer build, with one more attribute of roles, leaves behind.
	conn, err := sql.Open("sqlite3", db)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{`ALTER TABLE roles ADD COLUMN color TEXT`, `PRAGMA user_version = 999`} {
		if _, err := conn.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	conn.Close()

	_, err = runFails(t, args, nil)
	want := "store: database " + db + " cannot be upgraded to this build's schema, so it was left as it is: " +
		"roles has a column color this build does not know (made by a newer build?)"
	if err.Error() != want {
		t.Errorf("error:\n%q\nwant the one line\n%q", err, want)
	}
}
