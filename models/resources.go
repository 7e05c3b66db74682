package models

// The ten resource types of the Provisioning API (OpenAPI description 1.0.15). Flags mirror
// the description: Create/Update list the attributes its Create/Update schemas accept,
// Required its required ones; Sortable and Filterable follow SPEC.md's per-type table (id,
// reference, reference_origin, created_at, updated_at and metadata are added to every type).
// A Filterable to-many relationship may be filtered through (organizations'
// memberships_user_email_cont); to-one relationships always may. The versions trails are not.
// Defaults of organization settings are the description's examples.

const (
	writable = Create | Update
	query    = Sortable | Filterable
)

var apiCredentials = &Resource{
	Tenancy: Tenancy{OrgColumn: "organization_id"},
	Type:    "api_credentials",
	Ops:     OpList | OpCreate | OpRetrieve | OpUpdate | OpDelete,
	Attrs: []Attr{
		{Name: "name", Kind: String, Flags: writable | Required | Filterable | Indexed | Searched},
		{Name: "kind", Kind: String, Flags: Create | Required | Filterable, Enum: CredentialKinds},
		{Name: "confidential", Kind: Boolean, Flags: Filterable, Default: true},
		{Name: "redirect_uri", Kind: String, Flags: writable | Nullable | Filterable, Format: URL},
		{Name: "client_id", Kind: String, Flags: Filterable | Indexed},
		{Name: "client_secret", Kind: String},
		{Name: "scopes", Kind: String, Flags: Filterable},
		{Name: "expires_in", Kind: Integer, Flags: writable | Nullable | Filterable, Range: &Range{7200, 31536000}},
		{Name: "mode", Kind: String, Flags: Create | Nullable | query, Default: "test", Enum: []string{"test", "live"}},
		{Name: "custom", Kind: Boolean, Flags: Create | Nullable | Filterable, Default: false},
	},
	Rels: []Rel{
		{Name: "organization", Type: "organizations", FK: "organization_id", Flags: Create | Required},
		{Name: "role", Type: "roles", FK: "role_id", Flags: writable},
	},
}

var applicationMemberships = &Resource{
	Tenancy: Tenancy{OrgColumn: "organization_id"},
	Type:    "application_memberships",
	Ops:     OpList | OpCreate | OpRetrieve | OpUpdate | OpDelete,
	Attrs: []Attr{
		{Name: "filters", Kind: Object, Flags: writable | Nullable | Filterable},
	},
	Rels: []Rel{
		{Name: "api_credential", Type: "api_credentials", FK: "api_credential_id", Flags: Create | Required},
		{Name: "membership", Type: "memberships", FK: "membership_id", Flags: Create},
		{Name: "membership_profile", Type: "membership_profiles", FK: "membership_profile_id", Flags: writable},
		{Name: "organization", Type: "organizations", FK: "organization_id", Flags: Create | Required},
		{Name: "role", Type: "roles", FK: "role_id", Flags: writable | Required},
	},
}

var identityProviders = &Resource{
	Tenancy: Tenancy{UserColumn: "user_id"},
	Type:    "identity_providers",
	Ops:     OpList | OpCreate | OpRetrieve | OpUpdate | OpDelete,
	Attrs: []Attr{
		{Name: "name", Kind: String, Flags: writable | Required | query | Indexed | Searched},
		{Name: "client_id", Kind: String, Flags: writable | Required | query},
		{Name: "client_secret", Kind: String, Flags: writable | Required | query},
		{Name: "issuer", Kind: String, Flags: writable | Required | query, Format: URL},
		{Name: "status", Kind: String, Flags: query, Default: "pending"},
		{Name: "domains", Kind: String, Flags: writable | Required | query},
		{Name: "token_url", Kind: String, Flags: writable | Required | query, Format: URL},
		{Name: "authorize_url", Kind: String, Flags: writable | Required | query, Format: URL},
		{Name: "jwks_url", Kind: String, Flags: writable | Required | query, Format: URL},
		{Name: "txt_record", Kind: String, Flags: query},
		{Name: "organization", Kind: String, Flags: writable | Nullable | query},
		{Name: "disabled_at", Kind: Time, Flags: query},
		{Name: "_disable", Kind: Boolean, Flags: writable | Trigger},
		{Name: "_enable", Kind: Boolean, Flags: writable | Trigger},
	},
	Rels: []Rel{
		{Name: "user", Type: "users", FK: "user_id"},
	},
}

var memberships = &Resource{
	Versioned: true,
	Tenancy:   Tenancy{OrgColumn: "organization_id"},
	Type:      "memberships",
	Ops:       OpList | OpCreate | OpRetrieve | OpUpdate | OpDelete,
	Actions:   []Action{{Name: "resend", Method: "POST"}},
	Attrs: []Attr{
		{Name: "user_email", Kind: String, Flags: Create | Required | Filterable | Indexed, Format: Email, Unique: true, UniqueWithin: "organization_id"},
		{Name: "user_first_name", Kind: String},
		{Name: "user_last_name", Kind: String},
		{Name: "status", Kind: String, Flags: query, Default: "pending"},
		{Name: "owner", Kind: Boolean, Flags: Filterable, Default: false},
		{Name: "test_enabled", Kind: Boolean, Default: false},
		{Name: "access_scope", Kind: String, Flags: writable | Nullable | Filterable, Default: "live_access", Enum: AccessScopes},
		// The account an active membership belongs to, which is what grants access; empty
		// while it is an invitation to user_email. Not in the API's documents.
		{Name: "user_id", Kind: String, Flags: Hidden | Derived | Indexed},
	},
	Rels: []Rel{
		{Name: "organization", Type: "organizations", FK: "organization_id", Flags: Create | Required},
		{Name: "role", Type: "roles", FK: "role_id", Flags: writable | Required},
		{Name: "application_memberships", Type: "application_memberships", ToMany: true, FK: "membership_id", Flags: writable | Filterable},
		{Name: "membership_profile", Type: "membership_profiles", FK: "membership_profile_id", Flags: writable},
		{Name: "versions", Type: "versions", ToMany: true, FK: "resource_id", TypeColumn: "resource_type"},
	},
}

var membershipProfiles = &Resource{
	Tenancy: Tenancy{OrgColumn: "organization_id"},
	Type:    "membership_profiles",
	Ops:     OpList | OpCreate | OpRetrieve | OpUpdate | OpDelete,
	Attrs: []Attr{
		{Name: "name", Kind: String, Flags: writable | Required | query | Indexed | Searched},
		{Name: "test_enabled", Kind: Boolean, Default: false},
		{Name: "access_scope", Kind: String, Flags: writable | Required | Filterable, Enum: AccessScopes},
	},
	Rels: []Rel{
		{Name: "organization", Type: "organizations", FK: "organization_id", Flags: Create | Required},
		{Name: "application_memberships", Type: "application_memberships", ToMany: true, FK: "membership_profile_id", Flags: writable | Filterable},
	},
}

var organizations = &Resource{
	Tenancy: Tenancy{OrgColumn: "id"},
	Type:    "organizations",
	Ops:     OpList | OpCreate | OpRetrieve | OpUpdate,
	Actions: []Action{{Name: "transfer_ownership", Method: "PATCH", Attrs: []Attr{
		{Name: "new_owner_email", Kind: String, Flags: Update | Required},
	}}},
	Attrs: []Attr{
		{Name: "name", Kind: String, Flags: writable | Required | query | Indexed | Searched},
		{Name: "slug", Kind: String, Flags: query | Indexed},
		{Name: "domain", Kind: String, Flags: query},
		{Name: "support_phone", Kind: String, Flags: writable | Nullable},
		{Name: "support_email", Kind: String, Flags: writable | Nullable, Format: Email},
		{Name: "logo_url", Kind: String, Flags: writable | Nullable, Format: URL},
		{Name: "favicon_url", Kind: String, Flags: writable | Nullable, Format: URL},
		{Name: "primary_color", Kind: String, Flags: writable | Nullable, Format: HexColor},
		{Name: "contrast_color", Kind: String, Flags: writable | Nullable | Filterable, Format: HexColor},
		{Name: "gtm_id", Kind: String, Flags: writable | Nullable},
		{Name: "gtm_id_test", Kind: String, Flags: writable | Nullable},
		{Name: "region", Kind: String, Flags: Create | Nullable | Filterable, Default: "eu-west-1"},
		{Name: "can_switch_live", Kind: Boolean, Default: false},
		{Name: "subscription_info", Kind: Object},
		{Name: "config", Kind: Object, Flags: writable | Nullable},
		{Name: "api_auth_redirect", Kind: Boolean, Default: true},
		{Name: "api_rules_engine", Kind: Boolean, Default: false},
		{Name: "api_rules_engine_max_conditions_size", Kind: Integer, Default: 150},
		{Name: "api_rules_engine_max_rules_size", Kind: Integer, Default: 15},
		{Name: "api_new_auth", Kind: Boolean, Default: true},
		{Name: "api_purge_single_resource", Kind: Boolean, Default: false},
		{Name: "api_max_regex_length", Kind: Integer, Default: 5000},
		{Name: "addresses_avs_check", Kind: Boolean, Default: true},
		{Name: "addresses_phone_required", Kind: Boolean, Default: true},
		{Name: "orders_sales_channel_guest_only", Kind: Boolean, Default: true},
		{Name: "orders_min_rebuild_shipments_lapse", Kind: Number, Default: 0},
		{Name: "orders_min_refresh_lapse", Kind: Number, Default: 0},
		{Name: "orders_autorefresh_cutoff_test", Kind: Integer, Default: 50},
		{Name: "orders_autorefresh_cutoff_live", Kind: Integer, Default: 500},
		{Name: "orders_number_editable_test", Kind: Boolean, Default: false},
		{Name: "orders_number_editable_live", Kind: Boolean, Default: false},
		{Name: "orders_number_as_reference", Kind: Boolean, Default: true},
		{Name: "orders_invalid_coupon_errors", Kind: Boolean, Default: true},
		{Name: "orders_invalid_gift_card_errors", Kind: Boolean, Default: true},
		{Name: "orders_validate_shipping_stock", Kind: Boolean, Default: false},
		{Name: "bundles_max_items_count", Kind: Integer, Default: 10},
		{Name: "coupons_min_code_length", Kind: Integer, Default: 8},
		{Name: "coupons_max_code_length", Kind: Integer, Default: 40},
		{Name: "gift_cards_exact_code_matching", Kind: Boolean, Default: false},
		{Name: "gift_cards_min_code_length", Kind: Integer, Default: 8},
		{Name: "gift_cards_max_code_length", Kind: Integer, Default: 40},
		{Name: "cleanups_max_concurrent_count", Kind: Integer, Default: 10},
		{Name: "exports_max_concurrent_count", Kind: Integer, Default: 10},
		{Name: "imports_max_concurrent_count", Kind: Integer, Default: 10},
		{Name: "imports_purge_cache", Kind: Boolean, Default: true},
		{Name: "imports_skip_errors", Kind: Boolean, Default: false},
		{Name: "inventory_models_max_stock_locations_cutoff", Kind: Integer, Default: 10},
		{Name: "promotions_max_concurrent_count", Kind: Integer, Default: 10},
		{Name: "promotions_max_conditions_size", Kind: Integer, Default: 150},
		{Name: "promotions_max_rules_size", Kind: Integer, Default: 15},
		{Name: "price_lists_max_conditions_size", Kind: Integer, Default: 150},
		{Name: "price_lists_max_rules_size", Kind: Integer, Default: 15},
		{Name: "imports_trigger_webhooks", Kind: Integer, Default: 0},
		{Name: "discount_engines_enabled", Kind: Boolean, Default: false},
		{Name: "discount_engines_errors", Kind: Boolean, Default: false},
		{Name: "tags_max_name_length", Kind: Integer, Default: 25},
		{Name: "tags_max_allowed_number", Kind: Integer, Default: 10},
		{Name: "tax_calculators_errors", Kind: Boolean, Default: false},
		{Name: "external_promotions_errors", Kind: Boolean, Default: false},
		{Name: "external_prices_errors", Kind: Boolean, Default: true},
	},
	Rels: []Rel{
		{Name: "memberships", Type: "memberships", ToMany: true, FK: "organization_id", Flags: Filterable},
		{Name: "roles", Type: "roles", ToMany: true, FK: "organization_id", Flags: Filterable},
		{Name: "permissions", Type: "permissions", ToMany: true, FK: "organization_id", Flags: Filterable},
		{Name: "api_credentials", Type: "api_credentials", ToMany: true, FK: "organization_id", Flags: Filterable},
	},
}

var permissions = &Resource{
	Versioned: true,
	Tenancy:   Tenancy{OrgColumn: "organization_id"},
	Type:      "permissions",
	Ops:       OpList | OpCreate | OpRetrieve | OpUpdate,
	Attrs: []Attr{
		{Name: "can_create", Kind: Boolean, Flags: writable | Required | Filterable},
		{Name: "can_read", Kind: Boolean, Flags: writable | Required | Filterable},
		{Name: "can_update", Kind: Boolean, Flags: writable | Required | Filterable},
		{Name: "can_destroy", Kind: Boolean, Flags: writable | Required | Filterable},
		// Indexed within the organization: every list of permissions is, and so is a new
		// organization's set-up, which writes one on every subject.
		{Name: "subject", Kind: String, Flags: Create | Required | Filterable | Indexed, Enum: BaseSubjects, Unique: true, UniqueWithin: "role_id",
			IndexWithin: "organization_id"},
		{Name: "restrictions", Kind: Object, Flags: Filterable, Default: map[string]any{}},
	},
	Rels: []Rel{
		{Name: "organization", Type: "organizations", FK: "organization_id"},
		{Name: "role", Type: "roles", FK: "role_id", Flags: Create | Required},
		{Name: "versions", Type: "versions", ToMany: true, FK: "resource_id", TypeColumn: "resource_type"},
	},
}

var roles = &Resource{
	Versioned: true,
	Tenancy:   Tenancy{OrgColumn: "organization_id"},
	Type:      "roles",
	Ops:       OpList | OpCreate | OpRetrieve | OpUpdate,
	Attrs: []Attr{
		{Name: "name", Kind: String, Flags: writable | Required | Filterable | Indexed | Searched},
		{Name: "kind", Kind: String, Flags: Filterable, Default: "custom"},
		{Name: "_add_missing_base_permissions", Kind: Boolean, Flags: Update | Trigger},
	},
	Rels: []Rel{
		{Name: "organization", Type: "organizations", FK: "organization_id", Flags: Create | Required},
		{Name: "permissions", Type: "permissions", ToMany: true, FK: "role_id", Flags: Filterable},
		{Name: "memberships", Type: "memberships", ToMany: true, FK: "role_id", Flags: Filterable},
		{Name: "api_credentials", Type: "api_credentials", ToMany: true, FK: "role_id", Flags: Filterable},
		{Name: "versions", Type: "versions", ToMany: true, FK: "resource_id", TypeColumn: "resource_type"},
	},
}

var users = &Resource{
	Tenancy:   Tenancy{UserColumn: "id"},
	Type:      "users",
	Path:      "user",
	Singleton: true,
	Ops:       OpRetrieve | OpUpdate,
	Attrs: []Attr{
		{Name: "email", Kind: String, Flags: Update | query | Indexed, Format: Email, Unique: true},
		{Name: "first_name", Kind: String, Flags: Update | query},
		{Name: "last_name", Kind: String, Flags: Update | query},
		{Name: "time_zone", Kind: String, Flags: Update | Nullable | Filterable, Default: "UTC", Format: TimeZone},
		{Name: "otp_required_for_login", Kind: Boolean, Default: false},
		// Credentials of the Provisioning API clients that act as this user (fixtures only).
		{Name: "client_id", Kind: String, Flags: Hidden | Indexed},
		{Name: "client_secret", Kind: String, Flags: Hidden},
	},
}

var versions = &Resource{
	Type: "versions",
	// A version stays visible to the organization of the record it is about, also after
	// that record is destroyed.
	Tenancy: Tenancy{OrgColumn: "organization_id", AboutPrefix: "resource"},
	Ops:     OpList | OpRetrieve,
	Attrs: []Attr{
		{Name: "resource_type", Kind: String, Flags: Filterable},
		{Name: "resource_id", Kind: String, Flags: Filterable | Indexed},
		{Name: "event", Kind: String},
		{Name: "changes", Kind: Object},
		{Name: "who", Kind: Object},
		{Name: "organization_id", Kind: String, Flags: Hidden | Indexed},
	},
}

func provisioningDefs() []*Resource {
	return []*Resource{apiCredentials, applicationMemberships, identityProviders, memberships,
		membershipProfiles, organizations, permissions, roles, users, versions}
}

// Provisioning returns a fresh registry of the Provisioning API's resource types alone.
func Provisioning() *Registry { return registryOf(provisioningDefs()) }

// registryOf indexes copies of the descriptions, so that each registry owns its attributes.
func registryOf(defs []*Resource) *Registry {
	copies := make([]*Resource, len(defs))
	for i, d := range defs {
		c := *d
		c.Attrs = append([]Attr(nil), d.Attrs...)
		c.Rels = append([]Rel(nil), d.Rels...)
		copies[i] = &c
	}
	g, err := NewRegistry(copies)
	if err != nil {
		panic(err) // the descriptions are constant: a failure is a programming error
	}
	return g
}
