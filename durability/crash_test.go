package durability_test

import (
	"bufio"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3" // to check the file's integrity directly
)

// buildBinary builds the command once per test binary run.
var buildBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "provmock-bin")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "provmock")
	out, err := exec.Command("go", "build", "-o", bin, "..").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

var listening = regexp.MustCompile(`listening on (http://\S+)`)

// process is a running provmock binary.
type process struct {
	cmd  *exec.Cmd
	base string
}

// startBinary runs the binary on the database file and waits for its banner.
func startBinary(t *testing.T, db string) *process {
	t.Helper()
	bin, err := buildBinary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--addr", "127.0.0.1:0", "--db", db, "--quiet")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case base := <-found:
		return &process{cmd: cmd, base: base}
	case <-time.After(30 * time.Second):
		t.Fatal("the binary printed no banner")
	}
	return nil
}

func obtainToken(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Post(base+"/oauth/token", "application/json",
		strings.NewReader(`{"grant_type":"client_credentials","client_id":"demo-client-id","client_secret":"demo-client-secret"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("no token: %v", err)
	}
	return tok.AccessToken
}

// TestKilledMidWriteKeepsAcknowledgedWrites kills the mock with SIGKILL while 16 clients
// create roles, restarts it on the same file, and checks that every create it acknowledged
// is there and that SQLite finds the file intact.
func TestKilledMidWriteKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the binary")
	}
	db := filepath.Join(t.TempDir(), "crash.db")
	p := startBinary(t, db)
	c := &client{base: p.base, token: obtainToken(t, p.base), http: &http.Client{Timeout: 10 * time.Second}}

	const writers, enough = 16, 150
	var mu sync.Mutex
	var acked []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				status, body, err := c.do(http.MethodPost, "/api/roles", roleBody(fmt.Sprintf("crash %d/%d", w, i)))
				if err != nil {
					return // the process is gone: this create was not acknowledged
				}
				if status != http.StatusCreated {
					t.Errorf("create: %d %s", status, body)
					return
				}
				var doc struct {
					Data struct{ ID string } `json:"data"`
				}
				if json.Unmarshal(body, &doc) == nil && doc.Data.ID != "" {
					mu.Lock()
					acked = append(acked, doc.Data.ID)
					n := len(acked)
					mu.Unlock()
					if n == enough {
						// Kill while the other writers are still in flight.
						_ = p.cmd.Process.Signal(syscall.SIGKILL)
					}
				}
			}
		}(w)
	}
	_ = p.cmd.Wait()
	close(stop)
	wg.Wait()
	if len(acked) < enough {
		t.Fatalf("only %d creates acknowledged before the kill", len(acked))
	}

	restarted := startBinary(t, db)
	c2 := &client{base: restarted.base, token: obtainToken(t, restarted.base), http: &http.Client{Timeout: 10 * time.Second}}
	for _, id := range acked {
		if status, body, err := c2.do(http.MethodGet, "/api/roles/"+id, ""); err != nil || status != http.StatusOK {
			t.Errorf("acknowledged role %s after restart: %d %v %s", id, status, err, body)
		}
	}
	_ = restarted.cmd.Process.Signal(syscall.SIGTERM)
	_ = restarted.cmd.Wait()

	conn, err := sql.Open("sqlite3", "file:"+db+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var result string
	if err := conn.QueryRow("PRAGMA integrity_check").Scan(&result); err != nil || result != "ok" {
		t.Fatalf("integrity_check = %q, %v", result, err)
	}
}
