package domain

import (
	"context"

	"github.com/commercelayer-mock/provmock/apierror"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// authorize refuses a write inside an organization unless the user is its owner or a member
// whose role is admin; read_only members get the real service's 401 UNAUTHORIZED. rec holds
// the record's columns (on create, the ones about to be stored). An unscoped handle (fixtures,
// internal writes) may write anything; records owned by a user (identity providers, the user
// itself) are already limited to their owner by the scope.
func authorize(ctx context.Context, tx *store.Store, def *models.Resource, rec store.Record) error {
	scope := tx.Scope()
	if scope == nil {
		return nil
	}
	var orgID string
	switch col := def.Tenancy.OrgColumn; col {
	case "":
		return nil
	case "id":
		orgID = rec.ID() // empty for a new organization, which anyone may create
	default:
		orgID = rec.String(col)
	}
	if orgID == "" {
		return nil // no organization to check: "must exist" has been reported
	}
	ok, err := MayWrite(ctx, tx, scope.Actor, orgID)
	if err != nil {
		return err
	}
	if !ok {
		return apierror.Unauthorized()
	}
	return nil
}

// MayWrite reports whether the user with that id may write in the organization: whether
// one of their active memberships there is its owner's or has the admin role.
func MayWrite(ctx context.Context, tx *store.Store, userID, orgID string) (bool, error) {
	if userID == "" {
		return false, nil
	}
	all := tx.Unscoped()
	reg := tx.Registry()
	members, err := all.GetManyColumns(ctx, reg.Lookup("memberships"), []string{"owner", "role_id"}, "organization_id", []string{orgID},
		store.Cond{Column: "user_id", Value: userID}, store.Cond{Column: "status", Value: "active"})
	if err != nil {
		return false, err
	}
	for _, m := range members {
		if m["owner"] == true {
			return true, nil
		}
		if roleID := m.String("role_id"); roleID != "" {
			roles, err := all.GetManyColumns(ctx, reg.Lookup("roles"), []string{"kind"}, "id", []string{roleID})
			if err != nil {
				return false, err
			}
			if len(roles) > 0 && roles[0].String("kind") == "admin" {
				return true, nil
			}
		}
	}
	return false, nil
}
