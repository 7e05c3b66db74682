// Command testsummary reads `go test -json` on stdin and prints a short report: a line per
// package (ok, FAIL or "no test files" left out), the output of each failed test or package
// and nothing of the tests that passed, each distinct skip reason once, and a closing line
// "go: N passed, N failed, N skipped in Ts". It exits 1 when anything failed, so that
// `go test -json ./... | go run ./internal/testsummary` fails as `go test` would.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"
)

// event is a line of `go test -json` (cmd/test2json).
type event struct {
	Action      string
	Package     string
	Test        string
	Output      string
	Elapsed     float64
	ImportPath  string // build-output and build-fail
	FailedBuild string
}

func main() {
	os.Exit(summarize(os.Stdin, os.Stdout, time.Now))
}

// summarize writes the report of the events read from r and returns the exit status.
func summarize(r io.Reader, w io.Writer, now func() time.Time) int {
	start := now()
	type key struct{ pkg, test string }
	output := map[key][]string{}
	builds := map[string][]string{}
	var passed, failed, skipped int
	var failures []key
	skips := map[string][]string{} // reason: tests
	var pkgLines []string
	events := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			// Not an event (go's own error before any test ran): shown as it is.
			fmt.Fprintln(w, sc.Text())
			failed++
			continue
		}
		events++
		k := key{e.Package, e.Test}
		switch e.Action {
		case "build-output":
			builds[e.ImportPath] = append(builds[e.ImportPath], e.Output)
		case "build-fail":
			fmt.Fprintf(w, "build failed: %s\n%s", e.ImportPath, strings.Join(builds[e.ImportPath], ""))
			failed++
		case "output":
			output[k] = append(output[k], e.Output)
		case "pass":
			if e.Test != "" {
				passed++
			} else {
				pkgLines = append(pkgLines, fmt.Sprintf("ok   %s %.1fs", e.Package, e.Elapsed))
			}
			delete(output, k)
		case "skip":
			if e.Test == "" {
				delete(output, k) // no test files
				continue
			}
			skipped++
			reason := skipReason(output[k])
			skips[reason] = append(skips[reason], e.Package+" "+e.Test)
			delete(output, k)
		case "fail":
			if e.Test != "" {
				failed++
				failures = append(failures, k)
				continue
			}
			pkgLines = append(pkgLines, fmt.Sprintf("FAIL %s %.1fs", e.Package, e.Elapsed))
			if !slices.ContainsFunc(failures, func(f key) bool { return f.pkg == e.Package }) {
				failed++ // the package failed outside any test: a panic, TestMain, a timeout
				failures = append(failures, k)
			}
		}
	}
	// A test whose subtests failed failed with them: only the subtests are reported.
	failures = slices.DeleteFunc(failures, func(f key) bool {
		parent := f.test != "" && slices.ContainsFunc(failures, func(g key) bool {
			return g.pkg == f.pkg && strings.HasPrefix(g.test, f.test+"/")
		})
		if parent {
			failed--
		}
		return parent
	})
	for _, f := range failures {
		name := f.pkg
		if f.test != "" {
			name += " " + f.test
		}
		fmt.Fprintf(w, "=== FAIL %s\n%s", name, strings.Join(output[f], ""))
	}
	for _, reason := range slices.Sorted(maps.Keys(skips)) {
		tests := skips[reason]
		if len(tests) == 1 {
			fmt.Fprintf(w, "skipped %s: %s\n", tests[0], reason)
		} else {
			fmt.Fprintf(w, "skipped %d tests (%s, ...): %s\n", len(tests), tests[0], reason)
		}
	}
	for _, l := range pkgLines {
		fmt.Fprintln(w, l)
	}
	if events == 0 && failed == 0 {
		fmt.Fprintln(w, "no test events read: did go test run?")
		failed++
	}
	fmt.Fprintf(w, "go: %d passed, %d failed, %d skipped in %.1fs\n", passed, failed, skipped, now().Sub(start).Seconds())
	if failed > 0 {
		fmt.Fprintln(w, "FAIL")
		return 1
	}
	fmt.Fprintln(w, "PASS")
	return 0
}

// skipReason is what a skipped test said, without the "--- SKIP" line and file positions.
func skipReason(lines []string) string {
	var out []string
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- SKIP") {
			continue
		}
		if file, rest, ok := strings.Cut(l, ": "); ok && strings.Contains(file, ".go:") {
			l = rest
		}
		out = append(out, l)
	}
	if len(out) == 0 {
		return "(no reason given)"
	}
	return strings.Join(out, " ")
}
