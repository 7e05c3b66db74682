package control

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// Entry is one request the mock answered.
type Entry struct {
	ID         int64             `json:"id"`
	Time       string            `json:"time"`
	Method     string            `json:"method"`
	Path       string            `json:"path"`
	Query      string            `json:"query"`
	Headers    map[string]string `json:"headers"`
	Body       string            `json:"body"`
	Truncated  bool              `json:"body_truncated,omitempty"`
	Status     int               `json:"status"` // 0: a fault dropped the connection
	DurationMS float64           `json:"duration_ms"`
	// Response is the answer's body, as much of it as a request body would be kept.
	Response          string `json:"response,omitempty"`
	ResponseTruncated bool   `json:"response_truncated,omitempty"`
	ResponseType      string `json:"response_type,omitempty"` // its Content-Type
	// Fault is the id of the fault rule that acted on the request, if one did.
	Fault string `json:"fault,omitempty"`
}

// maxBodyRecorded bounds what the journal keeps of a body.
const maxBodyRecorded = 64 << 10

// Journal keeps the last requests in a ring of fixed size: memory stays bounded however
// long the mock runs.
type Journal struct {
	mu      sync.Mutex
	entries []Entry // ring buffer
	next    int     // where the next entry goes
	full    bool
	seq     int64
}

// NewJournal returns a journal keeping the last size requests.
func NewJournal(size int) *Journal {
	if size < 1 {
		size = 1
	}
	return &Journal{entries: make([]Entry, size)}
}

func (j *Journal) add(e Entry) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.ID = j.seq
	j.entries[j.next] = e
	j.next = (j.next + 1) % len(j.entries)
	if j.next == 0 {
		j.full = true
	}
}

// Filter selects journal entries; zero fields match everything.
type Filter struct {
	Method     string
	PathPrefix string
	Status     int
	Limit      int
}

// List returns the entries matching f, newest first.
func (j *Journal) List(f Filter) []Entry {
	j.mu.Lock()
	defer j.mu.Unlock()
	n := j.next
	if j.full {
		n = len(j.entries)
	}
	out := []Entry{}
	for i := 0; i < n; i++ {
		e := j.entries[(j.next-1-i+len(j.entries))%len(j.entries)]
		if (f.Method == "" || strings.EqualFold(f.Method, e.Method)) &&
			strings.HasPrefix(e.Path, f.PathPrefix) && (f.Status == 0 || f.Status == e.Status) {
			out = append(out, e)
			if f.Limit > 0 && len(out) == f.Limit {
				break
			}
		}
	}
	return out
}

// Clear forgets every entry.
func (j *Journal) Clear() {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.entries)
	j.next, j.full = 0, false
}

// maskedHeaders are recorded with their values hidden: they carry credentials.
var maskedHeaders = map[string]bool{"Authorization": true, "Cookie": true, "X-Admin-Token": true}

// tokenInAnswer is an access token in the token endpoint's answer.
var tokenInAnswer = regexp.MustCompile(`("access_token"\s*:\s*")[^"]*"`)

// maskTokens hides the access tokens an answer hands out: the journal is readable by
// whoever reaches the control API, who must not get to act as the data's users from it.
func maskTokens(body string) string {
	return tokenInAnswer.ReplaceAllString(body, `${1}***"`)
}

func mask(v string) string {
	if scheme, rest, ok := strings.Cut(v, " "); ok && len(rest) > 0 {
		return scheme + " ***"
	}
	return "***"
}

// Middleware records every request but the control API's own.
func (j *Journal) Middleware(now func() time.Time) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if strings.HasPrefix(r.URL.Path, Prefix) {
				return next(c)
			}
			start := now()
			var body []byte
			truncated := false
			if r.Body != nil && r.Body != http.NoBody {
				// Read what is recorded up front and hand the handler the same bytes.
				body, _ = io.ReadAll(io.LimitReader(r.Body, maxBodyRecorded+1))
				r.Body = readCloser{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
				if len(body) > maxBodyRecorded {
					body, truncated = body[:maxBodyRecorded], true
				}
			}
			headers := map[string]string{}
			for k, v := range r.Header {
				value := strings.Join(v, ", ")
				if maskedHeaders[k] {
					value = mask(value)
				}
				headers[k] = value
			}
			answer := &teeWriter{ResponseWriter: c.Response().Writer}
			c.Response().Writer = answer
			err := next(c)
			if err != nil {
				c.Error(err) // write the error now, so that its status is what gets recorded
			}
			fault, _ := c.Get(faultKey).(string)
			j.add(Entry{
				Time: start.UTC().Format(time.RFC3339Nano), Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
				Headers: headers, Body: string(body), Truncated: truncated,
				Status: c.Response().Status, DurationMS: float64(now().Sub(start).Microseconds()) / 1000,
				Response: maskTokens(answer.kept.String()), ResponseTruncated: answer.truncated,
				ResponseType: c.Response().Header().Get(echo.HeaderContentType), Fault: fault,
			})
			return nil
		}
	}
}

type readCloser struct {
	io.Reader
	io.Closer
}

// teeWriter keeps the first maxBodyRecorded bytes of an answer for the journal.
type teeWriter struct {
	http.ResponseWriter
	kept      bytes.Buffer
	truncated bool
}

func (w *teeWriter) Write(b []byte) (int, error) {
	if room := maxBodyRecorded - w.kept.Len(); room < len(b) {
		w.kept.Write(b[:max(room, 0)])
		w.truncated = true
	} else {
		w.kept.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *teeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush passes on a flush, for answers that stream.
func (w *teeWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack hands over the connection, which a fault that drops it needs.
func (w *teeWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	hj, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errDropped
	}
	return hj.Hijack()
}
