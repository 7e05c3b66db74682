package store

import (
	"context"
	"strings"
	"sync"

	"github.com/commercelayer-mock/provmock/models"
)

// A Scope limits what a store handle sees: a record is visible when each column of its type's
// tenancy (models.Tenancy.Columns) holds a value the scope allows in that dimension; anything
// else behaves as if it did not exist. The store knows no family's tenancy rule: the API
// family supplies it (the Provisioning API's is domain.UserScope).
type Scope struct {
	// Actor names whom the handle acts for (the Provisioning API: the user's id), for the
	// rules that check their rights; the store does not read it.
	Actor string
	// Allowed computes the values each tenancy dimension may hold, from the database as it
	// stands, read through all (an unscoped handle on the same transaction). The store calls
	// it again once a write has landed since, so a write that changes what the actor may see
	// (a new organization, a membership left) shows at once. nil: nothing is visible.
	Allowed func(ctx context.Context, all *Store) (Allowed, error)
	// Key, when set, names what Allowed computes (the same rule for the same actor): handles
	// outside a transaction whose scopes have one Key share its result across requests, for
	// as long as none of the tables it read moved. "": each handle computes its own.
	Key string
}

// Allowed is, per tenancy dimension, the values a record's column may hold to be seen. A
// dimension absent or empty lets no record of the types in it be seen.
type Allowed map[string][]string

// scopeCache keeps a handle's Allowed for as long as no write has landed on the tables it
// read, committed or in the transaction it ran in: computing it costs a query.
type scopeCache struct {
	mu      sync.Mutex
	valid   bool
	read    []string // the tables the computation read
	at      Stamp    // their generations before it
	inTx    uint64   // the transaction's writes of those tables before it
	allowed Allowed
}

// sharedScopes keeps Allowed per Scope.Key across handles, stamped with the generations of
// the tables it read from before it read them; bounded, it forgets an arbitrary entry when full.
type sharedScopes struct {
	mu      sync.Mutex
	entries map[string]sharedScope
}

type sharedScope struct {
	read    []string
	at      Stamp
	allowed Allowed // never modified once stored
}

// maxSharedScopes bounds sharedScopes: an entry is a few organization ids.
const maxSharedScopes = 2048

func (c *sharedScopes) get(key string, now Generations) (sharedScope, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !e.at.CurrentIn(now) {
		return sharedScope{}, false
	}
	return e, true
}

func (c *sharedScopes) put(key string, e sharedScope) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]sharedScope{}
	}
	if _, ok := c.entries[key]; !ok && len(c.entries) >= maxSharedScopes {
		for k := range c.entries {
			delete(c.entries, k)
			break
		}
	}
	c.entries[key] = e
}

// sharedGenerations are the generations a shared Allowed is checked against, and whether
// sharing is possible: never inside a transaction (a rule that reads before it writes sees
// its own writes), and on a shared database only with the request's generations, read by
// ReadShared with the request's data, never this process's.
func (s *Store) sharedGenerations(ctx context.Context) (Generations, bool) {
	if s.inTx || s.scope.Key == "" || s.sharedScopes == nil {
		return Generations{}, false
	}
	if !s.dialect.shared() {
		return s.localGenerations(), true
	}
	g, ok := ctx.Value(generationsInContext{}).(Generations)
	return g, ok && g.Known()
}

// As returns a handle on the same database that sees only what scope allows.
func (s *Store) As(scope *Scope) *Store {
	c := *s
	c.scope = scope
	c.scopeCache = nil
	if scope != nil {
		c.scopeCache = &scopeCache{}
	}
	return &c
}

// Unscoped returns a handle that sees every record: for rules that must look across
// organizations (a unique slug) or at other users (a member's name).
func (s *Store) Unscoped() *Store { return s.As(nil) }

// Scope returns the handle's scope, or nil.
func (s *Store) Scope() *Scope { return s.scope }

// allowed returns what the handle's scope allows now, computing it again when a write has
// landed since the last time; nil for an unscoped handle.
func (s *Store) allowed(ctx context.Context) (Allowed, error) {
	if s.scope == nil {
		return nil, nil
	}
	if s.scope.Allowed == nil {
		return Allowed{}, nil
	}
	c := s.scopeCache
	c.mu.Lock()
	defer c.mu.Unlock()
	// Before computing: a write landing meanwhile makes the next call compute again.
	now, inTx := s.localGenerations(), s.txWritten.snapshot()
	if c.valid && c.inTx == writesOf(inTx, c.read) && c.at.CurrentIn(now) {
		if r := readsOf(ctx); r != nil {
			r.Note(c.read...) // what the caller made depends on what the scope read
		}
		return c.allowed, nil
	}
	shared, share := s.sharedGenerations(ctx)
	if share {
		if e, ok := s.sharedScopes.get(s.scope.Key, shared); ok {
			if r := readsOf(ctx); r != nil {
				r.Note(e.read...)
			}
			c.read, c.allowed = e.read, e.allowed
			c.at, c.valid = now.Stamp(c.read)
			c.inTx = writesOf(inTx, c.read)
			return e.allowed, nil
		}
	}
	inner, reads := TrackReads(ctx)
	allowed, err := s.scope.Allowed(inner, s.Unscoped())
	if err != nil {
		return nil, err
	}
	if allowed == nil {
		allowed = Allowed{}
	}
	c.read = reads.Tables()
	if r := readsOf(ctx); r != nil {
		r.Note(c.read...)
	}
	c.at, c.valid = now.Stamp(c.read)
	c.inTx, c.allowed = writesOf(inTx, c.read), allowed
	if share {
		if at, ok := shared.Stamp(c.read); ok {
			s.sharedScopes.put(s.scope.Key, sharedScope{read: c.read, at: at, allowed: allowed})
		}
	}
	return allowed, nil
}

// visibility is the condition a record of def must meet to be seen, with its bound values;
// ok is false for an unscoped handle (allowed nil).
func visibility(def *models.Resource, allowed Allowed) (sql string, args []any, ok bool) {
	if allowed == nil {
		return "", nil, false
	}
	cols := def.Tenancy.Columns()
	if len(cols) == 0 {
		return "1 = 0", nil, true // a type without tenancy is seen by nobody through a scoped handle
	}
	parts := make([]string, 0, len(cols))
	for _, tc := range cols {
		values := allowed[tc.Dimension]
		if len(values) == 0 {
			return "1 = 0", nil, true
		}
		marks := strings.TrimSuffix(strings.Repeat("?, ", len(values)), ", ")
		parts = append(parts, quote(def.Type)+"."+quote(tc.Column)+" IN ("+marks+")")
		for _, v := range values {
			args = append(args, v)
		}
	}
	return strings.Join(parts, " AND "), args, true
}
