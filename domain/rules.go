package domain

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/commercelayer-mock/provmock/apierror"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// Rules is what one type adds to the generic write path. Every hook runs inside the write's
// transaction; a validation failure is recorded with Write.Fail, anything else returned.
type Rules struct {
	BeforeCreate func(ctx context.Context, w *Write) error
	AfterCreate  func(ctx context.Context, w *Write, rec store.Record) error
	BeforeUpdate func(ctx context.Context, w *Write) error
	AfterUpdate  func(ctx context.Context, w *Write, rec store.Record) error
	BeforeDelete func(ctx context.Context, tx *store.Store, rec, actor store.Record) error
	AfterDelete  func(ctx context.Context, tx *store.Store, rec, actor store.Record) error
	Actions      map[string]ActionFunc
}

// ActionFunc runs a custom action on a record the user may write.
type ActionFunc func(ctx context.Context, tx *store.Store, rec store.Record, in Input, actor store.Record) error

// rulesByType holds the rules of the types that have any.
var rulesByType = map[string]*Rules{
	"organizations": {
		BeforeCreate: organizationDerive,
		AfterCreate:  organizationSetUp,
		Actions:      map[string]ActionFunc{"transfer_ownership": transferOwnership},
	},
	"api_credentials": {BeforeCreate: apiCredentialDerive},
	"memberships": {
		BeforeCreate: membershipDerive,
		AfterCreate: func(ctx context.Context, w *Write, rec store.Record) error {
			return refreshTotals(ctx, w.Tx, rec.String("organization_id"))
		},
		BeforeUpdate: membershipDerive,
		BeforeDelete: keepOwnerMembership,
		AfterDelete: func(ctx context.Context, tx *store.Store, rec, _ store.Record) error {
			return refreshTotals(ctx, tx, rec.String("organization_id"))
		},
		Actions: map[string]ActionFunc{"resend": resendInvitation},
	},
	"membership_profiles": {BeforeCreate: testEnabledFromScope, BeforeUpdate: testEnabledFromScope},
	"identity_providers":  {BeforeCreate: identityProviderDerive, BeforeUpdate: identityProviderToggle},
	"permissions":         {BeforeCreate: permissionDerive},
	"roles":               {BeforeUpdate: keepBaseRoleNames, AfterUpdate: addMissingBasePermissions},
	"users":               {AfterUpdate: showAccountOnMemberships},
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

// organizationDerive gives a new organization a unique slug ("blue-brand", then
// "blue-brand-2"), its domain, and its subscription.
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
	w.Rec["subscription_info"] = subscriptionInfo()
	return nil
}

// subscriptionInfo is a new organization's subscription: a growth plan's limits, and totals
// that refreshTotals keeps counting.
func subscriptionInfo() map[string]any {
	return map[string]any{
		"plan_type": "growth",
		"limits":    map[string]any{"markets": 5, "skus": 10000, "organizations": 2, "memberships": 5},
		"totals":    map[string]any{"organizations": 0, "markets": 0, "memberships": 0, "skus": 0},
	}
}

// refreshTotals recounts into subscription_info the totals of records the mock holds: an
// organization's memberships, and the organizations its owner owns. The second is shared by
// all the organizations of an owner, so theirs are refreshed too, and so are those of
// formerOwners (user ids, after an ownership transfer). Owners are accounts: an owner
// membership counts for the user it belongs to, whatever their email. The plan, its limits and the totals of what
// the mock holds no records of (markets, skus) stay as they are, and so does updated_at:
// the organization itself was not edited.
func refreshTotals(ctx context.Context, tx *store.Store, orgID string, formerOwners ...string) error {
	// A few statements whatever the number of organizations an owner has: each of them is
	// refreshed on every new organization of theirs.
	all := tx.Unscoped()
	reg := tx.Registry()
	members, orgs := reg.Lookup("memberships"), reg.Lookup("organizations")
	isOwner := store.Cond{Column: "owner", Value: true}
	// ownersOf maps each organization to its owner: the user of its first owner membership.
	ownersOf := func(ids []string) (map[string]string, error) {
		owners, err := all.GetManyColumns(ctx, members, []string{"user_id", "organization_id"}, "organization_id", ids, isOwner)
		if err != nil {
			return nil, err
		}
		out := map[string]string{}
		for _, m := range owners {
			if id := m.String("organization_id"); out[id] == "" {
				out[id] = m.String("user_id")
			}
		}
		return out, nil
	}
	first, err := ownersOf([]string{orgID})
	if err != nil {
		return err
	}
	var userIDs []string
	for _, id := range append([]string{first[orgID]}, formerOwners...) {
		if id != "" {
			userIDs = append(userIDs, id)
		}
	}
	owned, err := all.GetManyColumns(ctx, members, []string{"organization_id"}, "user_id", userIDs, isOwner)
	if err != nil {
		return err
	}
	targets := []string{orgID}
	for _, m := range owned {
		if id := m.String("organization_id"); !slices.Contains(targets, id) {
			targets = append(targets, id)
		}
	}
	found, err := all.GetManyColumns(ctx, orgs, []string{"subscription_info"}, "id", targets)
	if err != nil {
		return err
	}
	if len(found) != len(targets) {
		return store.ErrNotFound
	}
	memberships, err := all.CountEach(ctx, members, "organization_id", targets)
	if err != nil {
		return err
	}
	ownerOf, err := ownersOf(targets)
	if err != nil {
		return err
	}
	var ownerIDs []string
	for _, id := range ownerOf {
		if !slices.Contains(ownerIDs, id) {
			ownerIDs = append(ownerIDs, id)
		}
	}
	organizations, err := all.CountEach(ctx, members, "user_id", ownerIDs, isOwner)
	if err != nil {
		return err
	}
	infos := map[string]any{}
	for _, org := range found {
		id := org.ID()
		var info map[string]any
		raw, ok := org["subscription_info"].(json.RawMessage)
		if ok {
			_ = json.Unmarshal(raw, &info) // not an object: start again from a new plan
		}
		if len(info) == 0 {
			info = subscriptionInfo()
		}
		totals, _ := info["totals"].(map[string]any)
		if totals == nil {
			totals = map[string]any{}
		}
		var owns int64
		if owner := ownerOf[id]; owner != "" {
			owns = organizations[owner]
		}
		totals["organizations"], totals["memberships"] = owns, memberships[id]
		info["totals"] = totals
		text, err := json.Marshal(info)
		if err != nil {
			return err
		}
		if !ok || !bytes.Equal(text, raw) {
			infos[id] = json.RawMessage(text)
		}
	}
	// The plan, its limits and what the mock holds no records of stay, and so does
	// updated_at: the organizations themselves were not edited.
	return all.SetEach(ctx, orgs, "subscription_info", infos)
}

// organizationSetUp gives a new organization its admin and read_only roles, each with a
// permission on every base subject, and makes the creating user its owner.
func organizationSetUp(ctx context.Context, w *Write, org store.Record) error {
	reg := w.Tx.Registry()
	// Each type's records in one batch, and the versions of them all in another: statements
	// cost more than rows.
	versions, err := newCreateVersions(w.Actor)
	if err != nil {
		return err
	}
	roles := []store.Record{
		{"name": "admin", "kind": "admin", "organization_id": org.ID()},
		{"name": "read_only", "kind": "read_only", "organization_id": org.ID()},
	}
	if err := versions.insert(ctx, w.Tx, reg.Lookup("roles"), roles); err != nil {
		return err
	}
	admin := roles[0] // its id filled in by the store
	perms := permissionRows(w.Tx, nil, admin, models.BaseSubjects, true, true)
	perms = permissionRows(w.Tx, perms, roles[1], models.BaseSubjects, false, true)
	if err := versions.insertRows(ctx, w.Tx, reg.Lookup("permissions"), permissionColumns, perms); err != nil {
		return err
	}
	if w.Actor != nil {
		owner := store.Record{
			"user_id":         w.Actor.ID(),
			"user_email":      w.Actor["email"],
			"user_first_name": w.Actor["first_name"],
			"user_last_name":  w.Actor["last_name"],
			"status":          "active",
			"owner":           true,
			"access_scope":    "all_access",
			"test_enabled":    true,
			"organization_id": org.ID(),
			"role_id":         admin.ID(),
		}
		if err := versions.insert(ctx, w.Tx, reg.Lookup("memberships"), []store.Record{owner}); err != nil {
			return err
		}
	}
	if err := versions.put(ctx, w.Tx); err != nil {
		return err
	}
	return refreshTotals(ctx, w.Tx, org.ID())
}

// addPermissions gives a role a permission on each subject: every right when write is
// true, else reading only when read is true, else none.
func addPermissions(ctx context.Context, tx *store.Store, role store.Record, subjects []string, write, read bool, actor store.Record) error {
	if len(subjects) == 0 {
		return nil
	}
	versions, err := newCreateVersions(actor)
	if err != nil {
		return err
	}
	rows := permissionRows(tx, nil, role, subjects, write, read)
	if err := versions.insertRows(ctx, tx, tx.Registry().Lookup("permissions"), permissionColumns, rows); err != nil {
		return err
	}
	return versions.put(ctx, tx)
}

// permissionColumns are the columns of permissionRows' rows; the store fills the timestamps
// and the defaults (restrictions).
var permissionColumns = []string{"id", "subject", "role_id", "organization_id", "can_create", "can_read", "can_update", "can_destroy"}

// permissionRows appends to rows addPermissions' records, as rows of permissionColumns, each
// with a new id.
func permissionRows(tx *store.Store, rows []any, role store.Record, subjects []string, write, read bool) []any {
	rows = slices.Grow(rows, len(subjects)*len(permissionColumns))
	roleID, orgID := role["id"], role["organization_id"]
	for _, subject := range subjects {
		rows = append(rows, tx.GenerateID(), subject, roleID, orgID, write, read, write, write)
	}
	return rows
}

// keepBaseRoleNames refuses to rename the admin and read_only roles.
func keepBaseRoleNames(ctx context.Context, w *Write) error {
	name, renamed := w.Rec["name"]
	if renamed && name != w.Old["name"] && w.Old.String("kind") != "custom" {
		w.Fail(apierror.AttrInvalid("name", "can't be changed for the admin and read_only roles", "invalid", map[string]any{"value": name}))
	}
	return nil
}

// addMissingBasePermissions, on _add_missing_base_permissions: true, gives the role a
// permission with every right false for each base subject it has none on.
func addMissingBasePermissions(ctx context.Context, w *Write, role store.Record) error {
	if v, _ := w.In.Attrs["_add_missing_base_permissions"].(bool); !v {
		return nil
	}
	have, err := w.Tx.Unscoped().GetMany(ctx, w.Tx.Registry().Lookup("permissions"), "role_id", []string{role.ID()})
	if err != nil {
		return err
	}
	var missing []string
	for _, subject := range models.BaseSubjects {
		if !slices.ContainsFunc(have, func(p store.Record) bool { return p.String("subject") == subject }) {
			missing = append(missing, subject)
		}
	}
	return addPermissions(ctx, w.Tx, role, missing, false, false, w.Actor)
}

// apiCredentialDerive generates the client id, and a secret for confidential kinds; a
// sales channel is public: no secret, market-wide scope, longer-lived tokens.
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

// membershipDerive fills a new member's names from their account, when they have one, and
// keeps test_enabled in step with access_scope.
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

// keepOwnerMembership refuses to delete the owner's membership: the organization depends on
// its owner.
func keepOwnerMembership(ctx context.Context, tx *store.Store, rec, actor store.Record) error {
	if rec["owner"] == true {
		return apierror.Locked("organization")
	}
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
	roles, err := w.Tx.GetManyColumns(ctx, w.Tx.Registry().Lookup("roles"), []string{"organization_id"}, "id", []string{roleID})
	if err != nil || len(roles) == 0 {
		return err // none: already reported as "must exist"
	}
	w.Rec["organization_id"] = roles[0]["organization_id"]
	return nil
}

// resendInvitation accepts a resend for an invitation still pending.
func resendInvitation(ctx context.Context, tx *store.Store, rec store.Record, in Input, actor store.Record) error {
	if rec.String("status") != "pending" {
		return apierror.Validation("/data/attributes/status", "status", "must be pending to resend the invitation", "invalid",
			map[string]any{"value": rec.String("status")})
	}
	return nil
}

// transferOwnership moves the owner flag to the active member with new_owner_email; the
// old owner stays an admin member. Only the owner may give the organization away. Both ends
// are accounts: the owner is the user the owner membership belongs to, and the new owner the
// user whose email new_owner_email is now, through the active membership that is theirs.
func transferOwnership(ctx context.Context, tx *store.Store, org store.Record, in Input, actor store.Record) error {
	reg := tx.Registry()
	memberships := reg.Lookup("memberships")
	all := tx.Unscoped()
	current, err := all.GetMany(ctx, memberships, "organization_id", []string{org.ID()}, store.Cond{Column: "owner", Value: true})
	if err != nil {
		return err
	}
	if len(current) == 0 || actor == nil || current[0].String("user_id") != actor.ID() {
		return apierror.Unauthorized()
	}
	email, _ := in.Attrs["new_owner_email"].(string)
	notMember := apierror.AttrInvalid("new_owner_email", "must be the email of another active member", "invalid", map[string]any{"value": email})
	users, err := all.GetMany(ctx, reg.Lookup("users"), "email", []string{email})
	if err != nil {
		return err
	}
	if len(users) == 0 {
		return notMember
	}
	found, err := all.GetMany(ctx, memberships, "user_id", []string{users[0].ID()},
		store.Cond{Column: "organization_id", Value: org.ID()}, store.Cond{Column: "status", Value: "active"})
	if err != nil {
		return err
	}
	if len(found) == 0 || found[0]["owner"] == true {
		return notMember
	}
	admins, err := all.GetMany(ctx, reg.Lookup("roles"), "organization_id", []string{org.ID()}, store.Cond{Column: "kind", Value: "admin"})
	if err != nil {
		return err
	}
	for _, m := range current {
		changes := store.Record{"owner": false}
		if len(admins) > 0 {
			changes["role_id"] = admins[0].ID()
		}
		if err := update(ctx, tx, memberships, m, changes, actor); err != nil {
			return err
		}
	}
	if err := update(ctx, tx, memberships, found[0], store.Record{"owner": true}, actor); err != nil {
		return err
	}
	// Both owners' organization counts change.
	return refreshTotals(ctx, tx, org.ID(), actor.ID())
}

// showAccountOnMemberships keeps what the user's active memberships show of them (email
// and names) in step with their account. The memberships stay theirs whatever the email:
// only what is shown follows. Not a change of the memberships, so no version and the same
// updated_at.
func showAccountOnMemberships(ctx context.Context, w *Write, user store.Record) error {
	shown := map[string]string{"user_email": "email", "user_first_name": "first_name", "user_last_name": "last_name"}
	changed := false
	for _, col := range shown {
		changed = changed || user[col] != w.Old[col]
	}
	if !changed {
		return nil
	}
	all := w.Tx.Unscoped()
	memberships := w.Tx.Registry().Lookup("memberships")
	theirs, err := all.GetMany(ctx, memberships, "user_id", []string{user.ID()}, store.Cond{Column: "status", Value: "active"})
	if err != nil {
		return err
	}
	for _, m := range theirs {
		changes := store.Record{"updated_at": m["updated_at"]}
		for memberCol, userCol := range shown {
			changes[memberCol] = user[userCol]
		}
		if _, err := all.Update(ctx, memberships, m.ID(), changes); err != nil {
			return err
		}
	}
	return nil
}
