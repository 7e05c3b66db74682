package seen

import (
	"hash/maphash"
	"sync"
)

// Set is a bounded set of the hashes of keys met. Past its bound it forgets them all at once:
// a key then counts as new again, which costs one more miss, never a wrong answer. Safe for
// concurrent use.
type Set struct {
	mu   sync.Mutex
	seed maphash.Seed
	max  int
	keys map[uint64]struct{}
}

// New returns a set that remembers at most max keys.
func New(max int) *Set {
	return &Set{seed: maphash.MakeSeed(), max: max, keys: map[uint64]struct{}{}}
}

// Again reports whether key was met before, noting that it is met now. A key stays noted.
func (s *Set) Again(key string) bool {
	h := maphash.String(s.seed, key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.keys[h]; ok {
		return true
	}
	if len(s.keys) >= s.max {
		clear(s.keys)
	}
	s.keys[h] = struct{}{}
	return false
}
