// Package instances holds the tests of several provmock processes serving one PostgreSQL
// schema as one mock (see the README's "Shared environment on PostgreSQL"). They run in the
// PostgreSQL pass (make test-postgres), which names a database in PROVMOCK_TEST_POSTGRES,
// and skip without one.
package instances
