// Package domain is what the real service does on a write beyond storing what it was sent:
// checking required attributes and that linked records exist, deriving and generating
// read-only values (slugs, client ids, TXT records), the side effects of a create (an
// organization's owner membership and default roles), refusing deletes that would break
// integrity, and the custom actions.
//
// It sits between the HTTP layer, which only decodes and renders, and the store, which only
// persists, so that every write — from a request or from anything else — follows the same
// rules in one transaction. The generic path is driven by the resource descriptions; what is
// specific to one type is a Rules value in rules.go.
package domain
