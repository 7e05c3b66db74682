package store

import (
	"gorm.io/gorm/clause"

	"github.com/commercelayer-mock/provmock/models"
)

// Scope limits what a store handle sees to one user's records: the organizations they are
// an active member of and everything inside them, their identity providers, themselves, and
// the versions of what they see. Anything else behaves as if it did not exist. It is the
// account's id, never its email: an email can change hands, an active membership cannot.
type Scope struct {
	UserID string
}

// As returns a handle on the same database that sees only what scope allows.
func (s *Store) As(scope *Scope) *Store {
	c := *s
	c.scope = scope
	return &c
}

// Unscoped returns a handle that sees every record: for rules that must look across
// organizations (a unique slug) or at other users (a member's name).
func (s *Store) Unscoped() *Store { return s.As(nil) }

// Scope returns the handle's scope, or nil.
func (s *Store) Scope() *Scope { return s.scope }

// memberOrgs selects the organizations the scope's user is an active member of: by the
// membership's account, so that a pending invitation to their email grants nothing.
const memberOrgs = `SELECT "tenancy_m"."organization_id" FROM "memberships" AS "tenancy_m" WHERE "tenancy_m"."user_id" = ? AND "tenancy_m"."status" = 'active'`

// visible returns the condition a record of def must meet to be seen, if the handle is scoped.
func (s *Store) visible(def *models.Resource) (clause.Expr, bool) {
	if s.scope == nil {
		return clause.Expr{}, false
	}
	sql, args := s.visibleSQL(def)
	return clause.Expr{SQL: sql, Vars: args}, true
}

func (s *Store) visibleSQL(def *models.Resource) (string, []any) {
	t := def.Tenancy
	col := func(name string) string { return quote(def.Type) + "." + quote(name) }
	switch {
	case t.OrgColumn != "":
		return col(t.OrgColumn) + " IN (" + memberOrgs + ")", []any{s.scope.UserID}
	case t.UserColumn != "":
		return col(t.UserColumn) + " = ?", []any{s.scope.UserID}
	}
	return "0", nil // a type without tenancy is seen by nobody through a scoped handle
}
