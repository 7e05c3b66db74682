//go:build !unix

package handlers_test

import "time"

func processCPU() (time.Duration, bool) { return 0, false }
