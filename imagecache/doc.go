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
// executable, whose build fixes the schema and the loader. A stale image is never found. A
// file's name also carries the SHA-256 of its content, checked on every read: an edited or
// truncated file is removed and reported, never used. The directory is made 0700 and the
// files 0600. A file that matches its hash but does not open is the caller's to Remove.
package imagecache
