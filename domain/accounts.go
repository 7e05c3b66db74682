package domain

import (
	"context"

	"github.com/commercelayer-mock/provmock/store"
)

// LinkMembershipAccounts gives every active membership that has no account the account of
// the user whose email it names, if there is one. Database files made before memberships
// carried their account (user_id) hold only the email; without this, their active members,
// owners included, would lose their organizations after the upgrade. Memberships that name
// no user's email stay unlinked and grant nothing. Records keep their updated_at: nothing a
// client can see changes.
func LinkMembershipAccounts(ctx context.Context, st *store.Store) (linked int, err error) {
	all := st.Unscoped()
	reg := all.Registry()
	memberships, users := reg.Lookup("memberships"), reg.Lookup("users")
	err = all.Tx(ctx, func(tx *store.Store) error {
		active, err := tx.GetMany(ctx, memberships, "status", []string{"active"})
		if err != nil {
			return err
		}
		var emails []string
		var unlinked []store.Record
		for _, m := range active {
			if m.String("user_id") == "" && m.String("user_email") != "" {
				unlinked = append(unlinked, m)
				emails = append(emails, m.String("user_email"))
			}
		}
		owners, err := tx.GetMany(ctx, users, "email", emails)
		if err != nil {
			return err
		}
		byEmail := make(map[string]string, len(owners))
		for _, u := range owners {
			byEmail[u.String("email")] = u.ID()
		}
		for _, m := range unlinked {
			id, ok := byEmail[m.String("user_email")]
			if !ok {
				continue
			}
			if _, err := tx.Update(ctx, memberships, m.ID(), store.Record{"user_id": id, "updated_at": m["updated_at"]}); err != nil {
				return err
			}
			linked++
		}
		return nil
	})
	return linked, err
}
