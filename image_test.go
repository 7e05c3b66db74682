package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ciRun reports whether the tests run in CI (CI=true, 1, or any non-boolean value), where
// a missing container tool is a failure rather than a skip.
func ciRun() bool {
	v := os.Getenv("CI")
	b, err := strconv.ParseBool(v)
	return v != "" && (err != nil || b)
}

// TestContainerImage builds the image of the Containerfile with `make image` and checks what
// a user's `podman run -p 8080:8080 provmock` relies on: the entrypoint, the port, the
// address the mock listens on, an unprivileged user. It then runs it where the machine lets
// containers run, and skips that part, saying why, where it does not.
func TestContainerImage(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and the image")
	}
	tool := ""
	for _, name := range []string{"podman", "docker"} {
		if _, err := exec.LookPath(name); err == nil {
			tool = name
			break
		}
	}
	if tool == "" {
		if ciRun() {
			t.Fatal("neither podman nor docker is installed (.ci/run installs podman)")
		}
		t.Skip("neither podman nor docker is installed: the container image is not built")
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	image := "localhost/provmock-test:" + hex.EncodeToString(suffix)
	build := exec.Command("make", "image", "CONTAINER="+tool, "IMAGE="+image)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("make image: %v\n%s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command(tool, "rmi", "-f", image).Run() })

	out, err := exec.Command(tool, "image", "inspect", image).Output()
	if err != nil {
		t.Fatalf("%s image inspect: %v", tool, err)
	}
	var inspected []struct {
		Config struct {
			Entrypoint   []string
			Cmd          []string
			ExposedPorts map[string]struct{}
			Env          []string
			User         string
		}
	}
	if err := json.Unmarshal(out, &inspected); err != nil || len(inspected) != 1 {
		t.Fatalf("inspect: %v\n%s", err, out)
	}
	cfg := inspected[0].Config
	if !reflect.DeepEqual(cfg.Entrypoint, []string{"/provmock"}) || len(cfg.Cmd) != 0 {
		t.Errorf("entrypoint %q, cmd %q; want [/provmock] and no arguments", cfg.Entrypoint, cfg.Cmd)
	}
	if _, ok := cfg.ExposedPorts["8080/tcp"]; !ok || len(cfg.ExposedPorts) != 1 {
		t.Errorf("exposed ports %v, want 8080/tcp", cfg.ExposedPorts)
	}
	if !slices.Contains(cfg.Env, "ADDR=0.0.0.0:8080") {
		t.Errorf("environment %q: the mock must listen on all interfaces, port 8080", cfg.Env)
	}
	if cfg.User == "" || cfg.User == "0" || strings.HasPrefix(cfg.User, "0:") || cfg.User == "root" {
		t.Errorf("user %q, want an unprivileged one", cfg.User)
	}

	t.Run("Runs", func(t *testing.T) {
		out, err := exec.Command(tool, "run", "-d", "--rm", "-p", "127.0.0.1::8080", image).CombinedOutput()
		if err != nil {
			t.Skipf("this machine does not run containers (%s run: %s)", tool, strings.TrimSpace(string(out)))
		}
		id := strings.TrimSpace(string(out))
		t.Cleanup(func() { _ = exec.Command(tool, "rm", "-f", id).Run() })
		port, err := exec.Command(tool, "port", id, "8080/tcp").Output()
		if err != nil {
			t.Fatalf("%s port: %v", tool, err)
		}
		addr := strings.TrimSpace(strings.Split(string(port), "\n")[0])
		deadline := time.Now().Add(30 * time.Second)
		for {
			resp, err := http.Get("http://" + addr + "/api/public/resources")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET /api/public/resources in the container: %d", resp.StatusCode)
				}
				return
			}
			if time.Now().After(deadline) {
				logs, _ := exec.Command(tool, "logs", id).CombinedOutput()
				t.Fatalf("the container does not answer on %s: %v\n%s", addr, err, logs)
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}
