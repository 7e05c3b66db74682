//go:build provmock_postgres

package store

import (
	"fmt"
	"net/url"
	"os"
	"sync/atomic"
	"time"
)

// The test hook of the PostgreSQL pass (make test-postgres): built with the tag
// provmock_postgres, every store opened for Memory opens a fresh schema of the database
// PROVMOCK_TEST_POSTGRES names, dropped at Close, so that the whole suite runs unchanged on
// PostgreSQL. Stores opened on a file path stay SQLite.

// TestPostgresEnv names the database of the PostgreSQL pass.
const TestPostgresEnv = "PROVMOCK_TEST_POSTGRES"

var testSchemas atomic.Int64

func init() {
	base := os.Getenv(TestPostgresEnv)
	if base == "" {
		panic("store: built with the tag provmock_postgres, but " + TestPostgresEnv + " names no database")
	}
	u, err := url.Parse(base)
	if err != nil {
		panic(fmt.Sprintf("store: %s: %v", TestPostgresEnv, err))
	}
	run := time.Now().UnixNano()
	testMemory = func() string {
		q := u.Query()
		q.Set("search_path", fmt.Sprintf("t%d_%d_%d", os.Getpid(), run%1e6, testSchemas.Add(1)))
		v := *u
		v.RawQuery = q.Encode()
		return v.String()
	}
}
