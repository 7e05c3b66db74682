// Package mock assembles the whole mock — store, fixtures, API server, tokens and control
// API — behind one constructor, so that a Go test suite can run it in-process in one line
// and the command runs exactly the same thing.
//
//	srv := mock.NewTestServer(t, mock.Options{})          // demo data, closed at the end of t
//	token, _ := srv.Token("demo-client-id", "demo-client-secret")
//	... point the code under test at srv.URL ...
//	srv.Reset(ctx)                                        // a clean slate: data, faults, journal, rate limits
package mock
