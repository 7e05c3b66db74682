package handlers_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/fixtures"
	"github.com/commercelayer-mock/provmock/handlers"
)

// sendWholeBodyThenRead writes a request with a body of size bytes over a fresh TCP
// connection and only then reads the response, as Python's urllib and requests do.
func sendWholeBodyThenRead(t *testing.T, addr, head string, size int) (*http.Response, string) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head+fmt.Sprintf("Content-Length: %d\r\n\r\n", size)); err != nil {
		t.Fatal(err)
	}
	chunk := []byte(strings.Repeat(" ", 64<<10))
	for sent := 0; sent < size; sent += len(chunk) {
		if _, err := conn.Write(chunk[:min(len(chunk), size-sent)]); err != nil {
			t.Fatalf("writing the body, after %d bytes: %v", sent, err)
		}
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the response: %v", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("reading the response body: %v", err)
	}
	return res, string(body)
}

// TestTooLargeBodyAnswerReachesClientsThatSendItAll: a 10 MB body over a 1 MiB limit (or
// refused for another reason) is read to its end after the answer, so that a client writing all of it before reading gets
// the 413 instead of a connection reset (the kernel resets a connection closed with
// unread data).
func TestTooLargeBodyAnswerReachesClientsThatSendItAll(t *testing.T) {
	s := mustServerWith(t, fixtures.Demo(), handlers.Config{BaseURL: testBase})
	srv := httptest.NewServer(s)
	defer srv.Close()
	addr := srv.Listener.Addr().String()
	const size = 10 << 20

	t.Run("API", func(t *testing.T) {
		before := s.dump(t)
		head := "POST /api/roles HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: " + handlers.MediaType +
			"\r\nAccept: " + handlers.MediaType + "\r\nAuthorization: Bearer " + s.tokenFor(t, demoOwner) + "\r\n"
		res, body := sendWholeBodyThenRead(t, addr, head, size)
		rec := httptest.NewRecorder()
		rec.Code = res.StatusCode
		for k, v := range res.Header {
			rec.Header()[k] = v
		}
		rec.Body.WriteString(body)
		mustAPIError(t, rec, http.StatusRequestEntityTooLarge, "PAYLOAD_TOO_LARGE", "Payload too large",
			"The request body exceeds the limit of 1048576 bytes.")
		if after := s.dump(t); fmt.Sprint(before) != fmt.Sprint(after) {
			t.Fatal("the refused request changed the stored data")
		}
	})
	t.Run("refused before the body is read", func(t *testing.T) {
		head := "POST /api/roles HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: " + handlers.MediaType +
			"\r\nAccept: " + handlers.MediaType + "\r\n"
		res, body := sendWholeBodyThenRead(t, addr, head, size)
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status = %d, want 401; body: %s", res.StatusCode, body)
		}
	})
	t.Run("token endpoint", func(t *testing.T) {
		head := "POST /oauth/token HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\n"
		res, body := sendWholeBodyThenRead(t, addr, head, size)
		if res.StatusCode < 400 || res.StatusCode >= 500 {
			t.Fatalf("status = %d, want a 4xx; body: %s", res.StatusCode, body)
		}
	})
}
