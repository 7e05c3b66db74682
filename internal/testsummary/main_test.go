package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestSummaryShowsOnlyFailuresSkipsOnceAndCounts(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"run","Package":"p","Test":"TestOK"}`,
		`{"Action":"output","Package":"p","Test":"TestOK","Output":"=== RUN   TestOK\n"}`,
		`{"Action":"output","Package":"p","Test":"TestOK","Output":"noise of a passing test\n"}`,
		`{"Action":"pass","Package":"p","Test":"TestOK","Elapsed":0.1}`,
		`{"Action":"output","Package":"p","Test":"TestBad/case","Output":"    x_test.go:9: want 1, got 2\n"}`,
		`{"Action":"fail","Package":"p","Test":"TestBad/case","Elapsed":0}`,
		`{"Action":"fail","Package":"p","Test":"TestBad","Elapsed":0}`,
		`{"Action":"output","Package":"p","Test":"TestSpec","Output":"    s_test.go:3: no file at /x: skipped\n"}`,
		`{"Action":"skip","Package":"p","Test":"TestSpec","Elapsed":0}`,
		`{"Action":"output","Package":"q","Test":"TestSpec2","Output":"    t_test.go:4: no file at /x: skipped\n"}`,
		`{"Action":"skip","Package":"q","Test":"TestSpec2","Elapsed":0}`,
		`{"Action":"fail","Package":"p","Elapsed":1.5}`,
		`{"Action":"pass","Package":"q","Elapsed":0.5}`,
		`{"Action":"skip","Package":"r","Elapsed":0}`,
	}, "\n")
	var out bytes.Buffer
	clock := time.Unix(0, 0)
	status := summarize(strings.NewReader(in), &out, func() time.Time { clock = clock.Add(time.Second); return clock })
	want := `=== FAIL p TestBad/case
    x_test.go:9: want 1, got 2
skipped 2 tests (p TestSpec, ...): no file at /x: skipped
FAIL p 1.5s
ok   q 0.5s
go: 1 passed, 1 failed, 2 skipped in 1.0s
FAIL
`
	if out.String() != want || status != 1 {
		t.Errorf("status %d, report:\n%s\nwant:\n%s", status, out.String(), want)
	}
}

func TestSummaryOfNothingFails(t *testing.T) {
	var out bytes.Buffer
	if status := summarize(strings.NewReader(""), &out, time.Now); status != 1 || !strings.Contains(out.String(), "no test events") {
		t.Errorf("status %d: %s", status, out.String())
	}
}
