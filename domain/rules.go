package domain

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/commercelayer-mock/provmock/apierror"
	"github.com/commercelayer-mock/provmock/store"
)

// Rules is what one type adds to the generic write path. Every hook runs inside the write's
// transaction; a validation failure is recorded with Write.Fail, anything else returned.
type Rules struct {
	BeforeCreate func(ctx context.Context, w *Write) error
	AfterCreate  func(ctx context.Context, w *Write, rec store.Record) error
	BeforeUpdate func(ctx context.Context, w *Write) error
	BeforeDelete func(ctx context.Context, tx *store.Store, rec, actor store.Record) error
	Actions      map[string]func(ctx context.Context, tx *store.Store, rec store.Record, in Input, actor store.Record) error
}

// rulesByType holds the rules of the types that have any.
var rulesByType = map[string]*Rules{
	"organizations": {
		BeforeCreate: organizationDerive,
		AfterCreate:  organizationSetUp,
		Actions:      map[string]func(context.Context, *store.Store, store.Record, Input, store.Record) error{"transfer_ownership": transferOwnership},
	},
	"api_credentials": {BeforeCreate: apiCredentialDerive},
	"memberships": {
		BeforeCreate: membershipDerive,
		BeforeUpdate: membershipDerive,
		Actions:      map[string]func(context.Context, *store.Store, store.Record, Input, store.Record) error{"resend": resendInvitation},
	},
	"membership_profiles": {BeforeCreate: testEnabledFromScope, BeforeUpdate: testEnabledFromScope},
	"identity_providers":  {BeforeCreate: identityProviderDerive, BeforeUpdate: identityProviderToggle},
	"permissions":         {BeforeCreate: permissionDerive},
}

var nonSlug = regexp.MustCompile(`[^a-z0-9]+`)

// Slugify lower-cases a name and joins its words with dashes.
func Slugify(name string) string {
	s := strings.Trim(nonSlug.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if s == "" {
		s = "organization"
	}
	return s
}

func organizationDerive(ctx context.Context, w *Write) error {
	name, _ := w.Rec["name"].(string)
	base := Slugify(name)
	slug := base
	for n := 2; ; n++ {
		taken, err := w.Tx.Unscoped().Count(ctx, w.Def, store.Cond{Column: "slug", Value: slug}) // unique across all organizations
		if err != nil {
			return err
		}
		if taken == 0 {
			break
		}
		slug = base + "-" + strconv.Itoa(n)
	}
	w.Rec["slug"] = slug
	w.Rec["domain"] = slug + ".commercelayer.io"
	w.Rec["subscription_info"] = map[string]any{
		"plan_type": "growth",
		"limits":    map[string]any{"markets": 5, "skus": 10000, "organizations": 2, "memberships": 5},
		"totals":    map[string]any{"organizations": 1, "markets": 0, "memberships": 1, "skus": 0},
	}
	return nil
}

// organizationSetUp gives a new organization its admin and read_only roles and makes the
// creating user its owner.
func organizationSetUp(ctx context.Context, w *Write, org store.Record) error {
	roles := w.Tx.Registry().Lookup("roles")
	var adminID string
	for _, kind := range []string{"admin", "read_only"} {
		role, err := insert(ctx, w.Tx, roles, store.Record{"name": kind, "kind": kind, "organization_id": org.ID()}, w.Actor)
		if err != nil {
			return err
		}
		if kind == "admin" {
			adminID = role.ID()
		}
	}
	if w.Actor == nil {
		return nil
	}
	_, err := insert(ctx, w.Tx, w.Tx.Registry().Lookup("memberships"), store.Record{
		"user_email":      w.Actor["email"],
		"user_first_name": w.Actor["first_name"],
		"user_last_name":  w.Actor["last_name"],
		"status":          "active",
		"owner":           true,
		"access_scope":    "all_access",
		"test_enabled":    true,
		"organization_id": org.ID(),
		"role_id":         adminID,
	}, w.Actor)
	return err
}

func apiCredentialDerive(ctx context.Context, w *Write) error {
	kind, _ := w.Rec["kind"].(string)
	public := kind == "sales_channel"
	w.Rec["client_id"] = randomToken(43)
	w.Rec["confidential"] = !public
	if public {
		w.Rec["client_secret"] = nil
		w.Rec["scopes"] = "market:all"
	} else {
		w.Rec["client_secret"] = randomToken(43)
	}
	if v, ok := w.Rec["expires_in"]; !ok || v == nil {
		if public {
			w.Rec["expires_in"] = int64(14400)
		} else {
			w.Rec["expires_in"] = int64(7200)
		}
	}
	return nil
}

func randomToken(n int) string {
	var b strings.Builder
	for b.Len() < n {
		b.WriteString(store.NewID())
	}
	return b.String()[:n]
}

func membershipDerive(ctx context.Context, w *Write) error {
	if w.Old == nil {
		email, _ := w.Rec["user_email"].(string)
		// Unscoped: the invitee is another user, whom the inviting user cannot otherwise see.
		users, err := w.Tx.Unscoped().GetMany(ctx, w.Tx.Registry().Lookup("users"), "email", []string{email})
		if err != nil {
			return err
		}
		if len(users) > 0 {
			w.Rec["user_first_name"] = users[0]["first_name"]
			w.Rec["user_last_name"] = users[0]["last_name"]
		}
	}
	return testEnabledFromScope(ctx, w)
}

// testEnabledFromScope keeps test_enabled true exactly when access_scope grants test data.
func testEnabledFromScope(ctx context.Context, w *Write) error {
	scope, _ := w.Value("access_scope").(string)
	if scope == "" {
		scope = "live_access"
	}
	w.Rec["test_enabled"] = scope != "live_access"
	return nil
}

func identityProviderDerive(ctx context.Context, w *Write) error {
	w.Rec["txt_record"] = "cl-verification=" + randomToken(24)
	if w.Actor != nil {
		w.Rec["user_id"] = w.Actor.ID()
	}
	return identityProviderToggle(ctx, w)
}

// identityProviderToggle applies the _disable and _enable triggers.
func identityProviderToggle(ctx context.Context, w *Write) error {
	if v, _ := w.In.Attrs["_disable"].(bool); v {
		w.Rec["disabled_at"] = w.Tx.NowText()
	}
	if v, _ := w.In.Attrs["_enable"].(bool); v {
		w.Rec["disabled_at"] = nil
	}
	return nil
}

// permissionDerive makes a permission belong to its role's organization.
func permissionDerive(ctx context.Context, w *Write) error {
	roleID, _ := w.Rec["role_id"].(string)
	if roleID == "" {
		return nil
	}
	role, err := w.Tx.Get(ctx, w.Tx.Registry().Lookup("roles"), roleID)
	if err != nil {
		if store.IsNotFound(err) {
			return nil // already reported as "must exist"
		}
		return err
	}
	w.Rec["organization_id"] = role["organization_id"]
	return nil
}

func resendInvitation(ctx context.Context, tx *store.Store, rec store.Record, in Input, actor store.Record) error {
	if rec.String("status") != "pending" {
		return apierror.Validation("/data/attributes/status", "status", "must be pending to resend the invitation", "invalid", nil)
	}
	return nil
}

// transferOwnership moves the owner flag to the active member with new_owner_email.
func transferOwnership(ctx context.Context, tx *store.Store, org store.Record, in Input, actor store.Record) error {
	email, _ := in.Attrs["new_owner_email"].(string)
	memberships := tx.Registry().Lookup("memberships")
	found, err := tx.GetMany(ctx, memberships, "user_email", []string{email}, store.Cond{Column: "organization_id", Value: org.ID()})
	if err != nil {
		return err
	}
	if email == "" || len(found) == 0 || found[0].String("status") != "active" {
		return apierror.AttrInvalid("new_owner_email", "must be the email of an active member", "invalid", nil)
	}
	current, err := tx.GetMany(ctx, memberships, "organization_id", []string{org.ID()}, store.Cond{Column: "owner", Value: true})
	if err != nil {
		return err
	}
	for _, m := range current {
		if err := update(ctx, tx, memberships, m, store.Record{"owner": false}, actor); err != nil {
			return err
		}
	}
	return update(ctx, tx, memberships, found[0], store.Record{"owner": true}, actor)
}
