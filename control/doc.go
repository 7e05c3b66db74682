// Package control is the mock's own API, under /_mock, and the request-level features test
// suites drive through it: putting the data into a known state (reset, fixtures, named
// snapshots), the journal of requests received, injected faults, and the real service's rate
// limits.
//
// It is apart from package handlers, which emulates the Provisioning API and nothing else:
// nothing here exists on the real service, and nothing in handlers knows about it. Mount adds
// the routes and middleware to the server handlers builds.
package control
