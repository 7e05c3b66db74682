// Package pull is the provmock pull command: it reads everything a user can see from a
// Provisioning API (the real service by default, or another mock) through the API itself
// and writes it as a dataset the mock loads, so that a team demos or tests against a copy
// of its own organizations. It is a package of its own because it is a client of the API,
// not a part of the mock: it shares only the registry (which types, attributes and
// relationships to read) and the fixtures writer with it.
package pull
