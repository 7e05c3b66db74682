package apierror

import (
	"errors"
	"fmt"
	"strings"
)

// Source points at the part of a request body an error is about.
type Source struct {
	Pointer string `json:"pointer,omitempty"`
}

// Error is one JSON:API error object. Field order is the wire order of the real service.
type Error struct {
	Title  string         `json:"title,omitempty"`
	Detail string         `json:"detail,omitempty"`
	Code   string         `json:"code,omitempty"`
	Source *Source        `json:"source,omitempty"`
	Status string         `json:"status,omitempty"`
	Meta   map[string]any `json:"meta,omitempty"`

	HTTPStatus int               `json:"-"`
	Header     map[string]string `json:"-"` // extra response headers (Allow, Retry-After)
}

func (e *Error) Error() string { return e.Code + ": " + e.Detail }

// List is several errors answered together (a 422 with one object per failing rule).
type List []*Error

func (l List) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "; ")
}

// As returns the errors that err carries, or nil if it is not an API error.
func As(err error) List {
	var one *Error
	if errors.As(err, &one) {
		return List{one}
	}
	var many List
	if errors.As(err, &many) {
		return many
	}
	return nil
}

func newError(status int, code, title, detail string) *Error {
	return &Error{Title: title, Detail: detail, Code: code, Status: fmt.Sprint(status), HTTPStatus: status}
}

// Mirrors JSONAPI::Exceptions::BadRequest.
func BadRequest(detail string) *Error {
	return newError(400, "BAD_REQUEST", "Bad Request", detail)
}

// Mirrors JSONAPI::Exceptions::ParameterMissing.
func ParamMissing(param string) *Error {
	return newError(400, "PARAM_MISSING", "Missing Parameter", fmt.Sprintf("The required parameter, %s, is missing.", param))
}

// Mirrors JSONAPI::Exceptions::InvalidDataFormat.
func InvalidDataFormat() *Error {
	return newError(400, "INVALID_DATA_FORMAT", "Invalid data format", "Data must be a hash.")
}

// Mirrors JSONAPI::Exceptions::InvalidResource.
func InvalidResource(typ string) *Error {
	return newError(400, "INVALID_RESOURCE", "Invalid resource", fmt.Sprintf("%s is not a valid resource.", typ))
}

// Mirrors JSONAPI::Exceptions::TypeMismatch.
func TypeMismatch(typ string) *Error {
	return newError(400, "TYPE_MISMATCH", "Type Mismatch", fmt.Sprintf("%s is not a valid type for this operation.", typ))
}

// Mirrors JSONAPI::Exceptions::InvalidLinksObject.
func InvalidLinksObject() *Error {
	return newError(400, "INVALID_LINKS_OBJECT", "Invalid Links Object", "Data is not a valid Links Object.")
}

// Mirrors JSONAPI::Exceptions::KeyNotIncludedInURL.
func KeyNotIncludedInURL(key string) *Error {
	return newError(400, "KEY_NOT_INCLUDED_IN_URL", "Key is not included in URL", fmt.Sprintf("The URL does not support the key %s", key))
}

// Mirrors JSONAPI::Exceptions::MissingKey.
func KeyOrderMismatch() *Error {
	return newError(400, "KEY_ORDER_MISMATCH", "A key is required", "The resource object does not contain a key.")
}

// Mirrors JSONAPI::Exceptions::ParameterNotAllowed.
func ParamNotAllowed(key string) *Error {
	return newError(400, "PARAM_NOT_ALLOWED", "Param not allowed", fmt.Sprintf("%s is not allowed.", key))
}

// Mirrors JSONAPI::Exceptions::InvalidField.
func InvalidField(typ, field string) *Error {
	return newError(400, "INVALID_FIELD", "Invalid field", fmt.Sprintf("%s is not a valid field for %s.", field, typ))
}

// Mirrors JSONAPI::Exceptions::InvalidInclude.
func InvalidInclude(typ, name string) *Error {
	return newError(400, "INVALID_INCLUDE", "Invalid field", fmt.Sprintf("%s is not a valid includable relationship of %s", name, typ))
}

// IncludeTooDeep answers an include path longer than the mock allows; path is shown cut
// after the first segment too many. The real service sets no such bound; the mock does so
// that one request cannot make it run a query per level of an endless path.
func IncludeTooDeep(path string, max int) *Error {
	return newError(400, "INVALID_INCLUDE", "Invalid field", fmt.Sprintf("%s goes deeper than %d relationships", path, max))
}

// IncludeTooLarge answers an include tree of more relationships than the mock allows.
func IncludeTooLarge(max int) *Error {
	return newError(400, "INVALID_INCLUDE", "Invalid field", fmt.Sprintf("include names more than %d relationships", max))
}

// Mirrors JSONAPI::Exceptions::InvalidSortCriteria.
func InvalidSortCriteria(typ, field string) *Error {
	return newError(400, "INVALID_SORT_CRITERIA", "Invalid sort criteria", fmt.Sprintf("%s is not a valid sort criteria for %s", field, typ))
}

// Mirrors JSONAPI::Exceptions::InvalidPageValue for a value that is not a positive number.
func InvalidPageValue(param, value string) *Error {
	return newError(400, "INVALID_PAGE_VALUE", "Invalid page value", fmt.Sprintf("%s is not a valid value for %s page parameter.", value, param))
}

// Mirrors JSONAPI::Exceptions::InvalidPageValue for a size over the maximum.
func PageSizeTooLarge(max int) *Error {
	return newError(400, "INVALID_PAGE_VALUE", "Invalid page value", fmt.Sprintf("size exceeds maximum page size of %d.", max))
}

// Mirrors JSONAPI::Exceptions::FilterNotAllowed.
func FilterNotAllowed(key string) *Error {
	return newError(400, "FILTER_NOT_ALLOWED", "Filter not allowed", fmt.Sprintf("%s is not allowed.", key))
}

// Mirrors JSONAPI::Exceptions::InvalidFilterValue.
func InvalidFilterValue(filter, value string) *Error {
	return newError(400, "INVALID_FILTER_VALUE", "Invalid filter value", fmt.Sprintf("%s is not a valid value for %s.", value, filter))
}

// Unauthorized is the real service's answer to a missing or invalid token and to a write the
// user's role does not allow.
func Unauthorized() *Error {
	return newError(401, "UNAUTHORIZED", "Access denied", "You are not authorized to perform this action on the requested resource.")
}

// InvalidToken is the Core API's answer to an expired token (the provisioning API answers
// Unauthorized); faults can answer it, since the SDK refreshes on both.
func InvalidToken() *Error {
	return newError(401, "INVALID_TOKEN", "Invalid token", "The access token you provided has expired.")
}

// Mirrors JSONAPI::Exceptions::RecordNotFound; also the answer to an unknown route and to
// a record the user may not see.
func RecordNotFound() *Error {
	return newError(404, "RECORD_NOT_FOUND", "Record not found", "The requested resource was not found. Please double-check the resource id.")
}

// MethodNotAllowed answers an operation the type does not offer; allow lists the methods it does.
func MethodNotAllowed(method string, allow []string) *Error {
	e := newError(405, "METHOD_NOT_ALLOWED", "Method not allowed",
		fmt.Sprintf("%s is not allowed on this resource. Allowed methods: %s.", method, strings.Join(allow, ", ")))
	e.Header = map[string]string{"Allow": strings.Join(allow, ", ")}
	return e
}

// Mirrors JSONAPI::Exceptions::NotAcceptableError.
func NotAcceptable(accept string) *Error {
	return newError(406, "NOT_ACCEPTABLE", "Not acceptable",
		fmt.Sprintf("All requests must use the 'application/vnd.api+json' Accept without media type parameters. This request specified '%s'.", accept))
}

// Mirrors JSONAPI::Exceptions::UnsupportedMediaTypeError.
func UnsupportedMediaType(contentType string) *Error {
	return newError(415, "UNSUPPORTED_MEDIA_TYPE", "Unsupported media type",
		fmt.Sprintf("All requests that create or update must use the 'application/vnd.api+json' Content-Type. This request specified '%s'.", contentType))
}

// PayloadTooLarge answers a body over the configured limit.
func PayloadTooLarge(limit int64) *Error {
	return newError(413, "PAYLOAD_TOO_LARGE", "Payload too large", fmt.Sprintf("The request body exceeds the limit of %d bytes.", limit))
}

// Validation is one failing ActiveRecord validation: title is the message, detail
// "{attribute} - {message}", meta.error the rule. pointer is the JSON pointer into the body.
func Validation(pointer, attribute, message, rule string, extra map[string]any) *Error {
	e := newError(422, "VALIDATION_ERROR", message, attribute+" - "+message)
	e.Source = &Source{Pointer: pointer}
	e.Meta = map[string]any{"error": rule}
	for k, v := range extra {
		e.Meta[k] = v
	}
	return e
}

// AttrInvalid is a validation error on /data/attributes/{name}.
func AttrInvalid(name, message, rule string, extra map[string]any) *Error {
	return Validation("/data/attributes/"+name, name, message, rule, extra)
}

// RelInvalid is a validation error on /data/relationships/{name}.
func RelInvalid(name, message, rule string) *Error {
	return Validation("/data/relationships/"+name, name, message, rule, nil)
}

// Mirrors ActiveRecord::DeleteRestrictionError as the real service reports it.
func Locked(dependent string) *Error {
	return newError(423, "LOCKED", "Locked resource", fmt.Sprintf("Cannot delete record because of dependent %s", dependent))
}

// TooManyRequests answers a request past an emulated rate limit.
func TooManyRequests(detail string) *Error {
	return newError(429, "TOO_MANY_REQUESTS", "Too many requests", detail)
}

// InsufficientStorage answers a write the database refused for lack of room: nothing was
// stored, and reads go on. The real service never says it; the mock's disk can fill.
func InsufficientStorage() *Error {
	return newError(507, "INSUFFICIENT_STORAGE", "Insufficient storage", "database or disk is full")
}

// Internal is the only 500: a bug, never bad input.
func Internal() *Error {
	return newError(500, "INTERNAL_SERVER_ERROR", "Internal Server Error", "Internal Server Error")
}
