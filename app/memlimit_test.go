package app_test

import (
	"runtime/debug"
	"testing"
)

// TestRunSetsTheSoftMemoryLimitFromItsBudgets: the Go runtime's soft memory limit is the
// response cache's and the journal's budgets plus 16 MiB, so that a heap full of cached
// answers is collected before it doubles; a GOMEMLIMIT of the user's is left alone.
func TestRunSetsTheSoftMemoryLimitFromItsBudgets(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	const cache, journal = 3 << 20, 1 << 20
	args := []string{"--addr", "127.0.0.1:0", "--quiet", "--cache-bytes", "3145728", "--journal-bytes", "1048576"}

	start(t, args, nil)
	if got, want := debug.SetMemoryLimit(-1), int64(cache+journal+16<<20); got != want {
		t.Fatalf("soft memory limit = %d, want %d (cache + journal + 16 MiB)", got, want)
	}

	const users = 200 << 20
	debug.SetMemoryLimit(users) // as the runtime does from GOMEMLIMIT
	start(t, args, map[string]string{"GOMEMLIMIT": "200MiB"})
	if got := debug.SetMemoryLimit(-1); got != users {
		t.Fatalf("with GOMEMLIMIT set, the soft memory limit = %d, want it left at %d", got, users)
	}
}
