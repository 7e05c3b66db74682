// Package console is the mock's pages for people: the landing page at / and a console at
// /console to browse the data as one of its users, watch the request journal live and
// drive the control API (reset, snapshots, faults, rate limits, fixtures download).
//
// It is a package of its own because it is neither the emulated service (package
// handlers) nor the control API (package control): it is a client of both, in the
// browser, and takes what it shows from them over HTTP, same-origin, so every protection
// of the control API (admin token, origin checks) applies to it unchanged. Mount adds it
// to a server given only what it needs: the resource descriptions, the base URL and the
// credentials the landing page may show.
//
// The pages are html/template shells rendered here, with the resource types' columns and
// relationships in them, and one small vanilla JavaScript file that fills them from the
// API. No framework and no build step: the assets are a few embedded files (go:embed),
// nothing is fetched from the internet, the console works offline, and there is no
// toolchain beyond Go to keep up to date.
package console
