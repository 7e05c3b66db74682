package apierror

import (
	"errors"
	"fmt"

	"github.com/commercelayer-mock/provmock/query"
	"github.com/commercelayer-mock/provmock/store"
)

// FromProblem says a typed problem of the lower layers (a query string Parse refused, a
// list the store will not run) as the Provisioning API's error object, or returns nil when
// err is no such problem. The lower layers know no wire format: this is where they get
// this family's.
func FromProblem(err error) *Error {
	var qe *query.Error
	if errors.As(err, &qe) {
		return fromQuery(qe)
	}
	var tooMany *store.TooManyValuesError
	if errors.As(err, &tooMany) {
		return BadRequest(fmt.Sprintf("Filters may hold at most %d values.", tooMany.Max))
	}
	return nil
}

func fromQuery(e *query.Error) *Error {
	switch e.Problem {
	case query.ParamNotAllowed:
		return ParamNotAllowed(e.Param)
	case query.InvalidResource:
		return InvalidResource(e.Type)
	case query.InvalidField:
		return InvalidField(e.Type, e.Field)
	case query.InvalidInclude:
		return InvalidInclude(e.Type, e.Field)
	case query.IncludeTooDeep:
		return IncludeTooDeep(e.Value, e.Max)
	case query.IncludeTooLarge:
		return IncludeTooLarge(e.Max)
	case query.InvalidSortCriteria:
		return InvalidSortCriteria(e.Type, e.Field)
	case query.InvalidPageValue:
		return InvalidPageValue(e.Param, e.Value)
	case query.PageSizeTooLarge:
		return PageSizeTooLarge(e.Max)
	case query.FilterNotAllowed:
		return FilterNotAllowed(e.Param)
	case query.InvalidFilterValue:
		return InvalidFilterValue(e.Param, e.Value)
	}
	return BadRequest(e.Error()) // a problem added to query but not here: still the client's
}
