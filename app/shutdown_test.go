package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// closeBound is how long a test waits for the server to close a connection whose timeout
// is a fraction of a second: an upper bound generous enough for a loaded machine, and below
// the default timeouts, so that a timeout flag that is not applied fails the test.
const closeBound = 5 * time.Second

// addFault adds a fault rule through the control API.
func addFault(t *testing.T, in *instance, rule string) {
	t.Helper()
	resp, err := http.Post(in.base+"/_mock/faults", "application/json", strings.NewReader(rule))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("POST /_mock/faults %s = %d %s", rule, resp.StatusCode, b)
	}
}

// faultCount returns how many fault rules are active.
func faultCount(t *testing.T, in *instance) int {
	t.Helper()
	resp, err := http.Get(in.base + "/_mock/faults")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rules []json.RawMessage
	if err := json.NewDecoder(resp.Body).Decode(&rules); err != nil {
		t.Fatalf("GET /_mock/faults: %v", err)
	}
	return len(rules)
}

// waitUntil polls cond until it holds, failing the test after waitLimit.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, waitLimit)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

type result struct {
	status  int
	body    []byte
	err     error
	elapsed time.Duration
}

// getAsync sends GET path with the demo owner's token from another goroutine; the token
// must have been obtained already (in.do does it).
func getAsync(in *instance, path string) <-chan result {
	out := make(chan result, 1)
	req, err := http.NewRequest(http.MethodGet, in.base+path, nil)
	if err != nil {
		out <- result{err: err}
		return out
	}
	req.Header.Set("Accept", mediaType)
	req.Header.Set("Authorization", "Bearer "+in.token)
	go func() {
		begin := time.Now()
		resp, err := (&http.Client{Timeout: waitLimit}).Do(req)
		if err != nil {
			out <- result{err: err, elapsed: time.Since(begin)}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		out <- result{status: resp.StatusCode, body: b, err: err, elapsed: time.Since(begin)}
	}()
	return out
}

// refused reports whether a new TCP connection to the instance is refused.
func refused(in *instance) bool {
	conn, err := net.DialTimeout("tcp", in.addr, time.Second)
	if err != nil {
		return true
	}
	conn.Close()
	return false
}

// TestRunShutdownDrainsInFlightRequests cancels Run while a request is held by a delay
// fault: the request still gets its whole answer, Run returns nil once it is sent, and the
// address accepts no connection afterwards.
func TestRunShutdownDrainsInFlightRequests(t *testing.T) {
	in := start(t, []string{"--addr", "127.0.0.1:0"}, nil)
	in.list(t, "/api/organizations") // obtains the token
	const delay = 1500 * time.Millisecond
	addFault(t, in, fmt.Sprintf(`{"method":"GET","path":"/api/organizations","delay_ms":%d,"times":1}`, delay.Milliseconds()))
	slow := getAsync(in, "/api/organizations")
	// The rule is used up when the request reaches it: from then on the request is in
	// flight, waiting out the delay.
	waitUntil(t, "the slow request reaches the fault", func() bool { return faultCount(t, in) == 0 })

	if err := in.stop(t); err != nil {
		t.Fatalf("Run = %v after cancel with a request in flight, want nil", err)
	}
	var r result
	select {
	case r = <-slow:
	case <-time.After(waitLimit):
		t.Fatalf("the in-flight request got no answer within %v of the shutdown", waitLimit)
	}
	if r.err != nil {
		t.Fatalf("the in-flight request failed: %v (the shutdown cut it off)", r.err)
	}
	if r.status != http.StatusOK {
		t.Fatalf("the in-flight request = %d %s, want 200", r.status, r.body)
	}
	var doc listDoc
	if err := json.Unmarshal(r.body, &doc); err != nil || len(doc.Data) != len(demoOrganizations) {
		t.Fatalf("the in-flight request's answer is not the whole list (%v): %s", err, r.body)
	}
	if r.elapsed < delay {
		t.Fatalf("the request took %v, less than the %v delay: it was not the delayed one", r.elapsed, delay)
	}
	if !refused(in) {
		t.Fatal("a new connection was accepted after Run returned")
	}
}

// TestRunShutdownRefusesNewConnectionsWhileDraining holds a request in flight for as long
// as the test wants (its body is not sent yet), cancels Run, and checks that the listener
// is closed while Run still waits for the request, which then completes normally.
func TestRunShutdownRefusesNewConnectionsWhileDraining(t *testing.T) {
	in := start(t, []string{"--addr", "127.0.0.1:0"}, nil)
	in.list(t, "/api/organizations") // obtains the token
	conn, err := net.Dial("tcp", in.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(waitLimit)); err != nil {
		t.Fatal(err)
	}
	body := `{"data":{"type":"organizations","attributes":{"name":"Drained Shop"}}}`
	fmt.Fprintf(conn, "POST /api/organizations HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nAccept: %s\r\n"+
		"Content-Type: %s\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", in.addr, in.token, mediaType, mediaType, len(body))
	// The server answers 100 Continue when the handler starts reading the body: the request
	// is in flight.
	br := bufio.NewReader(conn)
	line, err := br.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "HTTP/1.1 100 ") {
		t.Fatalf("interim answer %q, %v; want 100 Continue", line, err)
	}
	if blank, err := br.ReadString('\n'); err != nil || blank != "\r\n" {
		t.Fatalf("after 100 Continue: %q, %v", blank, err)
	}

	in.cancel()
	waitUntil(t, "new connections refused after cancel", func() bool { return refused(in) })
	select {
	case err := <-in.done:
		in.stopped = true
		t.Fatalf("Run returned %v while a request was in flight", err)
	default:
	}

	if _, err := io.WriteString(conn, body); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("the in-flight request got no answer: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(b), `"name":"Drained Shop"`) {
		t.Fatalf("the in-flight request = %d %s, want 201 with the organization", resp.StatusCode, b)
	}
	if err := in.stop(t); err != nil {
		t.Fatalf("Run = %v, want nil", err)
	}
}

// TestRunShutdownTimeoutCutsOffRequests: a request still in flight when the shutdown limit
// passes has its connection closed, and Run says so, instead of leaving it running.
func TestRunShutdownTimeoutCutsOffRequests(t *testing.T) {
	in := start(t, []string{"--addr", "127.0.0.1:0", "--shutdown-timeout", "200ms"}, nil)
	in.list(t, "/api/organizations") // obtains the token
	addFault(t, in, `{"method":"GET","path":"/api/organizations","delay_ms":30000,"times":1}`)
	slow := getAsync(in, "/api/organizations")
	waitUntil(t, "the slow request reaches the fault", func() bool { return faultCount(t, in) == 0 })

	err := in.stop(t)
	if err == nil || !strings.Contains(err.Error(), "shutdown") || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Run = %v, want a shutdown error wrapping context.DeadlineExceeded", err)
	}
	select {
	case r := <-slow:
		if r.err == nil {
			t.Fatalf("the request left in flight got an answer %d %s, want its connection closed", r.status, r.body)
		}
	case <-time.After(closeBound):
		t.Fatalf("the request left in flight was not cut off within %v of Run's return", closeBound)
	}
}

// readUntilClosed reads from conn until the server closes it, and fails the test if that
// does not happen within closeBound. It returns what was read.
func readUntilClosed(t *testing.T, conn net.Conn) string {
	t.Helper()
	if err := conn.SetReadDeadline(time.Now().Add(closeBound)); err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(conn) // nil at EOF
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the server kept the connection open for %v (read %q)", closeBound, b)
	}
	return string(b)
}

// TestRunClosesSlowConnections: with short timeouts, a client that sends part of a request
// and then nothing, or that keeps an idle connection, or whose answer takes too long, has
// its connection closed by the server: slow clients cannot pin connections.
func TestRunClosesSlowConnections(t *testing.T) {
	// A key file: the first token must not wait for a key to be generated, which under the
	// race detector on a busy machine can take longer than the write timeout.
	in := start(t, []string{"--addr", "127.0.0.1:0", "--read-header-timeout", "200ms", "--read-timeout", "400ms",
		"--write-timeout", "600ms", "--idle-timeout", "200ms", "--token-key", writeTokenKey(t)}, nil)
	in.list(t, "/api/organizations") // obtains the token
	dial := func(t *testing.T) net.Conn {
		t.Helper()
		conn, err := net.Dial("tcp", in.addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	write := func(t *testing.T, conn net.Conn, s string) {
		t.Helper()
		if _, err := io.WriteString(conn, s); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("partial request line", func(t *testing.T) {
		conn := dial(t)
		write(t, conn, "GET /healthz HT")
		readUntilClosed(t, conn)
	})
	t.Run("header never finished", func(t *testing.T) {
		conn := dial(t)
		write(t, conn, "GET /healthz HTTP/1.1\r\nHost: "+in.addr+"\r\nAccept: */*\r\n")
		readUntilClosed(t, conn)
	})
	t.Run("connection opened and nothing sent", func(t *testing.T) {
		readUntilClosed(t, dial(t))
	})
	t.Run("body never sent", func(t *testing.T) {
		conn := dial(t)
		write(t, conn, fmt.Sprintf("POST /api/organizations HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"+
			"Accept: %s\r\nContent-Type: %s\r\nContent-Length: 100\r\n\r\n{\"data\":", in.addr, in.token, mediaType, mediaType))
		got := readUntilClosed(t, conn)
		// Whatever the server managed to answer, it is not a server error.
		if strings.HasPrefix(got, "HTTP/1.1 5") {
			t.Fatalf("a stalled body was answered with a server error:\n%s", got)
		}
	})
	t.Run("body stalled after a refusal", func(t *testing.T) {
		// The server reads the rest of a refused request's body (so that the client can read
		// the answer), but no longer than the read timeout: well within 3s here, where
		// reading for its own bound of 5s would not be.
		conn := dial(t)
		write(t, conn, fmt.Sprintf("POST /api/roles HTTP/1.1\r\nHost: %s\r\nAccept: %s\r\nContent-Type: %s\r\n"+
			"Content-Length: 1000000\r\n\r\n%s", in.addr, mediaType, mediaType, strings.Repeat(" ", 100<<10)))
		if err := conn.SetReadDeadline(time.Now().Add(3 * time.Second)); err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(conn)
		if err != nil {
			t.Fatalf("the connection was not closed (%v); read %q", err, got)
		}
		if !strings.HasPrefix(string(got), "HTTP/1.1 401") {
			t.Fatalf("answer:\n%s\nwant a 401", got)
		}
	})
	t.Run("idle keep-alive connection", func(t *testing.T) {
		conn := dial(t)
		write(t, conn, "GET /healthz HTTP/1.1\r\nHost: "+in.addr+"\r\n\r\n")
		if err := conn.SetReadDeadline(time.Now().Add(waitLimit)); err != nil {
			t.Fatal(err)
		}
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Close {
			t.Fatalf("GET /healthz = %d (close %v), want 200 on a kept-alive connection", resp.StatusCode, resp.Close)
		}
		if err := conn.SetReadDeadline(time.Now().Add(closeBound)); err != nil {
			t.Fatal(err)
		}
		rest, err := io.ReadAll(br)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("the idle connection was kept open for %v (read %q)", closeBound, rest)
		}
	})
	t.Run("answer slower than the write timeout", func(t *testing.T) {
		addFault(t, in, `{"method":"GET","path":"/api/user","delay_ms":1500,"times":1}`)
		conn := dial(t)
		write(t, conn, fmt.Sprintf("GET /api/user HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nAccept: %s\r\n\r\n",
			in.addr, in.token, mediaType))
		if got := readUntilClosed(t, conn); got != "" {
			t.Fatalf("an answer past the write timeout reached the client:\n%s", got)
		}
	})

	// The server still serves normally.
	if res := in.do(t, http.MethodGet, "/api/user", ""); res.status != http.StatusOK {
		t.Fatalf("GET /api/user after the slow clients = %d %s", res.status, res.body)
	}
}
