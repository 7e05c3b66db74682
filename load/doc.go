// Package load holds the load-measurement tools behind `make load` (load/run.sh): a static
// server that serves recorded response bytes (the baseline the mock is compared with, side
// by side on the same machine), and a start-up timer. They are programs, not part of the
// mock: nothing imports this package.
package load
