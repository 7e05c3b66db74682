// Package load holds the load-measurement tools behind `make load` (load/run.sh): a static
// server that serves recorded response bytes (the baseline the mock is compared with, side
// by side on the same machine), a start-up timer, and a client that loops a test suite's
// cycle of requests from several goroutines (run against the mock and against Prism, whose
// install is pinned in load/prism). load/wrk holds the wrk scripts: unique URLs that the
// response cache cannot answer, and role creates. They are programs, not part of the mock:
// nothing imports this package.
package load
