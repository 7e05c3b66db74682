// Package e2e holds end-to-end tests that need a program outside Go: a headless Chromium
// that loads a page from one origin and calls the mock on another with fetch, the way a
// browser app does. It proves what a Go HTTP client cannot: that a real browser's CORS
// checks (preflight, Access-Control-Allow-Origin on answers and on errors) pass, and that an
// allow-list really blocks other origins.
//
// It is a package of its own so that the browser's cost and its skip-or-fail policy stay out
// of the unit tests: without chromium, chromium-browser or google-chrome on PATH the tests
// skip, except when the environment variable CI is set (CI=true, as CI systems and .ci/run
// set it, the latter after installing Debian's chromium package), where a missing browser
// fails them.
package e2e
