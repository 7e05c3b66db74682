package models

import (
	"crypto/rand"
	"fmt"
)

// The Adobe Experience Platform Destination SDK family (SPEC-ADOBE.md): the integrations
// whose client credentials obtain IMS tokens, and the credentials configurations of
// /data/core/activation/authoring/credentials. Their records live in the same store as the
// Provisioning API's, each in one (IMS org, sandbox) pair.

// The tenancy dimensions of the Adobe family.
const (
	IMSOrgDimension  = "ims_org"
	SandboxDimension = "sandbox_name"
)

// DefaultSandbox is the sandbox of a request without x-sandbox-name, and of a dataset's
// credential that names none.
const DefaultSandbox = "prod"

// AdobeTimeFormat is the Destination SDK's date format: UTC with six fractional digits, whose
// text order is time order.
const AdobeTimeFormat = "2006-01-02T15:04:05.000000Z"

// AdobeFamily is what the Adobe types share: microsecond times, UUID ids, and only the
// store's own timestamps as common attributes.
var AdobeFamily = &Family{
	Name:        "adobe",
	Prefix:      "/data/core/activation/authoring",
	TimeFormat:  AdobeTimeFormat,
	Precision:   1000, // nanoseconds: microseconds
	NewID:       NewUUID,
	CommonAttrs: []Attr{{Name: "created_at", Kind: Time}, {Name: "updated_at", Kind: Time}},
}

// NewUUID returns a random (version 4) UUID in lowercase, as instanceId values are.
func NewUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// AuthObject is one kind of credential the Destination SDK stores: the body member that
// carries it, the type it gives the credential, and its fields (all strings).
type AuthObject struct {
	Member   string
	Type     string
	Fields   []string
	Required []string
}

// AuthObjects are the credential kinds in SPEC-ADOBE.md's table order, which is also the
// order a missing type is derived in and the order a credential renders its objects.
var AuthObjects = []AuthObject{
	{"basicAuthentication", "BASIC", []string{"username", "password", "url"}, []string{"username", "password"}},
	{"s3Authentication", "S3", []string{"accessId", "secretKey"}, []string{"accessId", "secretKey"}},
	{"sshAuthentication", "SSH", []string{"username", "sshKey"}, []string{"username", "sshKey"}},
	{"azureAuthentication", "AZURE_SERVICE_PRINCIPAL", []string{"url", "tenant", "servicePrincipalId", "servicePrincipalKey"}, nil},
	{"azureConnectionStringAuthentication", "AZURE_CONNECTION_STRING", []string{"connectionString"}, []string{"connectionString"}},
	{"oauth1Authentication", "OAUTH1", []string{"apiKey", "apiSecret", "accessToken", "tokenSecret"}, []string{"apiKey", "apiSecret", "accessToken", "tokenSecret"}},
	{"oauth2UserAuthentication", "OAUTH2_USER_CREDENTIAL", []string{"url", "clientId", "clientSecret", "username", "password", "header"}, []string{"url", "clientId", "clientSecret", "username", "password"}},
	{"oauth2ClientAuthentication", "OAUTH2_CLIENT_CREDENTIAL", []string{"url", "clientId", "clientSecret", "header", "developerToken"}, []string{"url", "clientId", "clientSecret"}},
	{"oauth2AccessTokenAuthentication", "OAUTH2_ACCESS_TOKEN", []string{"accessToken", "expiration", "username", "userId", "url", "header"}, []string{"accessToken"}},
	{"oauth2RefreshTokenAuthentication", "OAUTH2_REFRESH_TOKEN", []string{"refreshToken", "clientId", "clientSecret", "url", "expiration", "header"}, []string{"refreshToken", "clientId", "clientSecret", "url"}},
}

// NoAuthType is the credential type that carries no auth object.
const NoAuthType = "NONE"

// AuthObjectOfType returns the auth object a type needs, or nil (NONE, or an unknown type).
func AuthObjectOfType(typ string) *AuthObject {
	for i := range AuthObjects {
		if AuthObjects[i].Type == typ {
			return &AuthObjects[i]
		}
	}
	return nil
}

var adobeIntegrations = &Resource{
	Family: AdobeFamily,
	Type:   "adobe_integrations",
	Ops:    0, // no route: the IMS token endpoint reads them
	Attrs: []Attr{
		{Name: "client_id", Kind: String, Flags: Required | Indexed, Unique: true},
		{Name: "client_secret", Kind: String, Flags: Hidden | Required},
		{Name: "ims_org", Kind: String, Flags: Required},
		{Name: "technical_account_id", Kind: String},
		{Name: "name", Kind: String},
	},
}

var adobeCredentials = &Resource{
	Family: AdobeFamily,
	Type:   "adobe_credentials",
	Path:   "credentials",
	Tenancy: Tenancy{Dimensions: []TenancyColumn{
		{Dimension: IMSOrgDimension, Column: "ims_org"},
		{Dimension: SandboxDimension, Column: "sandbox_name"},
	}},
	Ops: OpList | OpCreate | OpRetrieve | OpUpdate | OpDelete,
	Attrs: append([]Attr{
		{Name: "ims_org", Kind: String, Flags: Required | Indexed},
		{Name: "sandbox_name", Kind: String, Default: DefaultSandbox},
		{Name: "type", Kind: String},
		{Name: "name", Kind: String},
	}, authObjectAttrs()...),
}

func authObjectAttrs() []Attr {
	out := make([]Attr, len(AuthObjects))
	for i, o := range AuthObjects {
		out[i] = Attr{Name: o.Member, Kind: Object}
	}
	return out
}

func adobeDefs() []*Resource { return []*Resource{adobeIntegrations, adobeCredentials} }

// Adobe returns a fresh registry of the Adobe family's resource types alone.
func Adobe() *Registry { return registryOf(adobeDefs()) }

// All returns a fresh registry of every family's resource types: what the store holds, so
// that the schema, fixtures, snapshots, images and reset cover them all. Each family's code
// picks its own types with Registry.Of.
func All() *Registry { return registryOf(append(provisioningDefs(), adobeDefs()...)) }
