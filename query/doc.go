// Package query turns the query string of a JSON:API request (include, fields[...], sort,
// page[...], filter[q][...]) into typed, validated parameters, checked against the resource
// descriptions of package models.
//
// It is separate from the HTTP layer so that the whole query language can be tested and
// fuzzed without a server, and separate from the store so that the store never sees query
// text: it receives columns taken from the descriptions and values already read as their type.
//
// A query string Parse refuses is an *Error with a Problem (ParamNotAllowed,
// InvalidFilterValue, ...) and what it is about, in no wire format: each API family maps it
// to its own (the Provisioning API's: apierror.FromProblem).
package query
