package main

import (
	"bufio"
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/fixtures"
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

	t.Run("UnknownFlagIsOneLinePointingToHelp", func(t *testing.T) {
		cmd := exec.Command(bin, "--no-such-flag")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		_ = cmd.Run()
		if got, want := stderr.String(), "provmock: flag provided but not defined: -no-such-flag; see --help\n"; got != want {
			t.Fatalf("stderr %q, want %q", got, want)
		}
	})

	t.Run("VersionNamesTheRevision", func(t *testing.T) {
		out, err := exec.Command(bin, "--version").Output()
		if err != nil {
			t.Fatal(err)
		}
		head, gitErr := exec.Command("git", "rev-parse", "HEAD").Output()
		if gitErr != nil || strings.Contains(string(out), "revision unknown") {
			// GOFLAGS=-buildvcs=false, or no git: app's TestVersionLine covers the format.
			t.Skipf("the build recorded no VCS revision (%v): %s", gitErr, out)
		}
		if want := "revision " + strings.TrimSpace(string(head)); !strings.HasPrefix(string(out), "provmock ") || !strings.Contains(string(out), want) {
			t.Fatalf("--version printed %q, want it to name %s", out, want)
		}
	})

	t.Run("TheDemoStartsFromTheImageBuiltIn", func(t *testing.T) {
		if !fixtures.HasDemoImage() {
			t.Skip("built without the demo image (the tag provmock_demo_image; make test builds with it)")
		}
		cache := t.TempDir()
		if loaded := runUntilLoaded(t, bin, cache); !strings.Contains(loaded, "roles 5") {
			t.Fatalf("the demo start loaded %q", loaded)
		}
		// A start that loaded the fixtures would have cached their image.
		if files, _ := filepath.Glob(filepath.Join(cache, "*")); len(files) != 0 {
			t.Fatalf("the demo's start wrote %v to the cache", files)
		}
	})

	t.Run("LaterStartsCopyTheCachedImage", func(t *testing.T) {
		cache := t.TempDir()
		// Fixtures of their own: the demo's image is built into the binary, never cached.
		data := filepath.Join(t.TempDir(), "fixtures.yaml")
		if err := os.WriteFile(data, append(fixtures.Demo(), "\n# not the demo\n"...), 0o600); err != nil {
			t.Fatal(err)
		}
		first := runUntilLoaded(t, bin, cache, "--fixtures", data)
		files, _ := filepath.Glob(filepath.Join(cache, "*.sqlite"))
		if len(files) != 1 {
			t.Fatalf("after the first start the cache holds %v, want one image", files)
		}
		before, err := os.Stat(files[0])
		if err != nil {
			t.Fatal(err)
		}
		if second := runUntilLoaded(t, bin, cache, "--fixtures", data); second != first {
			t.Fatalf("the second start loaded %q, the first %q", second, first)
		}
		// A start that missed the image would have written a new file in its place.
		after, err := os.Stat(files[0])
		if err != nil || !os.SameFile(before, after) {
			t.Fatalf("the image was written again (%v)", err)
		}
	})

	t.Run("SIGTERMShutsDownCleanly", func(t *testing.T) {
		cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--quiet", "--cache-dir", t.TempDir())
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

// runUntilLoaded starts the command with the demo data and the image cache in dir, and
// stops it once its banner has said what it loaded, which it returns.
func runUntilLoaded(t *testing.T, bin, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--quiet", "--cache-dir", dir}, args...)...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	loaded := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); strings.HasPrefix(line, "loaded:") {
				loaded <- line
			}
		}
		close(loaded)
	}()
	select {
	case line, ok := <-loaded:
		if !ok {
			t.Fatal("the banner has no loaded: line")
		}
		return line
	case <-time.After(30 * time.Second):
		t.Fatal("no loaded: line within 30s")
	}
	return ""
}
