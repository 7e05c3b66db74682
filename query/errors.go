package query

import (
	"errors"
	"fmt"
)

// Problem is what is wrong with a query string; each API family says it in its own wire
// format (the Provisioning API's JSON:API errors: apierror.FromProblem).
type Problem int

// The problems a query string can have. Which fields of Error each one sets is in its comment.
const (
	ParamNotAllowed     Problem = iota + 1 // Param: a parameter the API does not know
	InvalidResource                        // Type: fields[Type] names no resource type
	InvalidField                           // Type, Field: fields[Type] lists a field Type lacks
	InvalidInclude                         // Type, Field: include names a relationship Type lacks
	IncludeTooDeep                         // Value (the path, cut), Max: more than Max hops
	IncludeTooLarge                        // Max: more than Max relationships in all
	InvalidSortCriteria                    // Type, Field: sort by a field Type cannot sort by
	InvalidPageValue                       // Param (number or size), Value: not a positive number
	PageSizeTooLarge                       // Max: page[size] over Max
	FilterNotAllowed                       // Param: a filter key that names no filter
	InvalidFilterValue                     // Param (the filter), Value: a value the filter cannot read
)

var problemNames = map[Problem]string{
	ParamNotAllowed: "param not allowed", InvalidResource: "invalid resource", InvalidField: "invalid field",
	InvalidInclude: "invalid include", IncludeTooDeep: "include too deep", IncludeTooLarge: "include too large",
	InvalidSortCriteria: "invalid sort criteria", InvalidPageValue: "invalid page value",
	PageSizeTooLarge: "page size too large", FilterNotAllowed: "filter not allowed",
	InvalidFilterValue: "invalid filter value",
}

func (p Problem) String() string {
	if name, ok := problemNames[p]; ok {
		return name
	}
	return fmt.Sprintf("query problem %d", int(p))
}

// Error is a query string that Parse refuses: the problem and what it is about. It knows no
// wire format; callers map it to theirs in one place.
type Error struct {
	Problem Problem
	Param   string // the parameter or filter key
	Value   string // the value refused
	Type    string // the resource type
	Field   string // the field or relationship
	Max     int    // the bound exceeded
}

func (e *Error) Error() string {
	return fmt.Sprintf("query: %s (param %q, value %q, type %q, field %q, max %d)", e.Problem, e.Param, e.Value, e.Type, e.Field, e.Max)
}

// IsProblem reports whether err is a query Error of that problem.
func IsProblem(err error, p Problem) bool {
	var qe *Error
	return errors.As(err, &qe) && qe.Problem == p
}
