// Package handlers is the HTTP face of the mock: an Echo v4 server whose routes, request
// decoding, query handling and document rendering are all driven by the resource
// descriptions of package models, with one generic handler per operation kind (list,
// retrieve, create, update, delete, related, relationship linkage, action).
//
// Every error reaches the client through one function, handleError in errors.go, which turns
// typed errors (package apierror, store.ErrNotFound, Echo's routing errors) into the real
// service's error documents; anything else is a logged 500.
package handlers
