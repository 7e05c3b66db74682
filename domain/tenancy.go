package domain

import (
	"context"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// UserScope is the Provisioning API's tenancy rule for the user with that id: they see the
// organizations they are an active member of and everything inside them, their identity
// providers, themselves, and the versions of what they see. It is the account's id, never
// its email: an email can change hands, an active membership cannot, and a pending
// invitation to their email grants nothing. An empty id sees nothing.
func UserScope(userID string) *store.Scope {
	return &store.Scope{Actor: userID, Key: "user:" + userID, Allowed: func(ctx context.Context, all *store.Store) (store.Allowed, error) {
		if userID == "" {
			return store.Allowed{}, nil
		}
		members, err := all.GetManyColumns(ctx, all.Registry().Lookup("memberships"), []string{"organization_id"}, "user_id", []string{userID},
			store.Cond{Column: "status", Value: "active"})
		if err != nil {
			return nil, err
		}
		orgs := make([]string, 0, len(members))
		seen := map[string]bool{}
		for _, m := range members {
			if id := m.String("organization_id"); id != "" && !seen[id] {
				seen[id] = true
				orgs = append(orgs, id)
			}
		}
		return store.Allowed{models.OrgDimension: orgs, models.UserDimension: {userID}}, nil
	}}
}
