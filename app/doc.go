// Package app assembles the mock: it reads the configuration (flags with environment
// fallbacks), opens the store, loads the fixtures, builds the HTTP server and runs it until
// its context ends. main only calls Run; tests call Run too, end to end.
package app
