package frontdoor

import (
	"fmt"
	"strings"
	"time"
)

// The problems below are what the front door and the request-level features (faults, rate
// limits) produce. They say what went wrong, never how it looks on the wire: each family's
// WriteError renders them in its own format.

// NotFound is a path no route serves.
type NotFound struct{}

func (NotFound) Error() string { return "not found" }

// MethodNotAllowed is a path served, but not with the request's method. Allow lists the
// methods it is served with, as the router computed them (OPTIONS and HEAD left out: CORS
// answers the one, GET implies the other).
type MethodNotAllowed struct {
	Method string
	Allow  []string
}

func (p MethodNotAllowed) Error() string {
	return fmt.Sprintf("%s not allowed; allowed: %s", p.Method, strings.Join(p.Allow, ", "))
}

// TooLarge is a request body over the limit, in bytes.
type TooLarge struct{ Limit int64 }

func (p TooLarge) Error() string { return fmt.Sprintf("request body over %d bytes", p.Limit) }

// TooManyRequests is a request past an emulated rate limit; the client may try again after
// RetryAfter. Detail says which limit, in a sentence.
type TooManyRequests struct {
	RetryAfter time.Duration
	Detail     string
}

func (p TooManyRequests) Error() string { return p.Detail }

// RetryAfterSeconds is RetryAfter as a Retry-After header says it: whole seconds, at least one.
func (p TooManyRequests) RetryAfterSeconds() int {
	return max(int((p.RetryAfter+time.Second-1)/time.Second), 1)
}

// Injected is an answer a fault rule asked for. Status is the HTTP status (0: the one the
// family gives Code); Code names an error of the family ("UNAUTHORIZED"), or is empty; Body,
// when set, is the whole answer's body, written verbatim in the family's media type.
type Injected struct {
	Status int
	Code   string
	Body   []byte
}

func (p Injected) Error() string {
	return fmt.Sprintf("injected fault: status %d, code %q", p.Status, p.Code)
}
