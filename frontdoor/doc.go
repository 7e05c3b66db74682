// Package frontdoor owns the mock's one HTTP server: the root Echo, its error handler,
// trailing slashes, CORS, /healthz, the request log, and a table of API families.
//
// It is a package of its own because the server is no family's: the Provisioning API
// (package handlers), the control API (package control) and the APIs to come each mount
// themselves onto it as a Family (its path prefixes and its error writer), and none of
// them decides how another's errors look. A request's family is the one whose prefix is
// the longest that its path lies under; every error the request ends with (a handler's,
// a routing miss, a fault, a rate limit) goes to that family's WriteError, or is written as
// plain JSON when no family owns the path.
//
// The problems in problem.go (NotFound, MethodNotAllowed, TooLarge, TooManyRequests,
// Injected) are what the front door and the request-level features produce; they say what
// happened, and each family's writer says it in its format.
//
// The request path:
//
//	drainUnreadBodies → RemoveTrailingSlash → matchFamily → request log
//	  → observers (the journal; not on internal families) → CORS (the family's; none for internal ones)
//	  → the family's Pre (the control API's host guard, the Adobe gateway's checks)
//	  → router → features on families' routes (faults, rate limits) → the route's own middleware → handler
//	errors, at any step → handleError → the family's WriteError (or WritePlain)
package frontdoor
