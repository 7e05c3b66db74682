package main

import (
	"bufio"
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildCommand builds the command as a user would, so that main's own wiring (signals,
// the exit status, the one-line reason) is what is tested.
func buildCommand(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "provmock")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func TestCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the command")
	}
	bin := buildCommand(t)

	t.Run("BadFlagExitsNonZeroWithOneLine", func(t *testing.T) {
		for _, args := range [][]string{{"--no-such-flag"}, {"--fixtures", "/no/such/file.yaml"}} {
			cmd := exec.Command(bin, args...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() == 0 {
				t.Fatalf("%v: err = %v, want a non-zero exit", args, err)
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if last := lines[len(lines)-1]; !strings.HasPrefix(last, "provmock: ") {
				t.Fatalf("%v: last stderr line %q, want the reason after \"provmock: \"", args, last)
			}
		}
	})

	t.Run("SIGTERMShutsDownCleanly", func(t *testing.T) {
		cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--quiet")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		banner := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			banner <- sc.Scan() && strings.Contains(sc.Text(), "listening on")
			for sc.Scan() {
			}
		}()
		select {
		case ok := <-banner:
			if !ok {
				t.Fatal("no banner")
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatal("no banner within 30s")
		}
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("exit after SIGTERM: %v, want status 0", err)
			}
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			t.Fatal("still running 15s after SIGTERM")
		}
	})
}
