// Package durability holds the tests that the mock keeps every acknowledged write: under
// many concurrent writers on a file database, and across a SIGKILL in the middle of them.
//
// They are a package of their own because they need what no unit test should: real
// processes (the built binary), real files, signals, and many connections at once. The
// package has no code besides its tests.
package durability
