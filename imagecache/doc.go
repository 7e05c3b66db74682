// Package imagecache keeps database images (the bytes of an SQLite database) of the
// datasets mocks load, so that the next mock with the same data starts by copying the
// image's pages instead of creating the schema, parsing the fixtures and inserting the
// records. On a small virtual machine, where a new process pays for every page of memory it
// touches first, that is the larger part of start-up.
//
// It is a package of its own because it is the one part of the mock that outlives a mock:
// images stay in memory for later mocks of the same process (test binaries start many) and,
// given a directory, on disk as plain SQLite files for later runs of the same executable.
// Keys cover everything an image depends on: the fixtures' bytes, and on disk the
// executable, whose build fixes the schema and the loader. A stale image is never found; a
// damaged file is the caller's to Remove, and then a miss.
package imagecache
