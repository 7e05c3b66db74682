// Package seen remembers, by hash, the keys met once, so that a cache can keep a thing the
// second time it is asked for: the store's prepared statements and the handlers' response
// cache both do, and a package of its own lets them share one bounded set rather than two
// copies of it.
package seen
