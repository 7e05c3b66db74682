// Package apierror defines the typed error values of the Provisioning API and one
// constructor per error of SPEC.md's table, worded as the real service (a Rails app on the
// jsonapi-resources gem) words them.
//
// It is its own package so that the query parser, the body decoder and the domain rules can
// all return the API's errors as values without depending on the HTTP layer; handlers turn
// them into responses in exactly one place (handlers/errors.go).
package apierror
