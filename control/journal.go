package control

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"hash/maphash"
	"io"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/frontdoor"
	"github.com/commercelayer-mock/provmock/store"
)

// Entry is one request the mock answered.
type Entry struct {
	ID        int64             `json:"id"`
	Time      string            `json:"time"`
	Method    string            `json:"method"`
	Path      string            `json:"path"`
	Query     string            `json:"query"`
	Headers   map[string]string `json:"headers"`
	Body      string            `json:"body"`
	Truncated bool              `json:"body_truncated,omitempty"`
	// HeadersTruncated marks an entry whose headers were cut to the per-entry cap.
	HeadersTruncated bool    `json:"headers_truncated,omitempty"`
	Status           int     `json:"status"` // 0: a fault dropped the connection
	DurationMS       float64 `json:"duration_ms"`
	// Response is the answer's body, secrets masked, as much of it as a request body would
	// be kept. It is attached just after the answer is written, so a reader as fast as the
	// client may find the entry a moment before its response.
	Response          string `json:"response,omitempty"`
	ResponseTruncated bool   `json:"response_truncated,omitempty"`
	ResponseType      string `json:"response_type,omitempty"` // its Content-Type
	// Fault is the id of the fault rule that acted on the request, if one did.
	Fault string `json:"fault,omitempty"`

	size int // bytes the entry holds, as counted against the journal's limit
	// unmasked marks a Response kept as it was sent: it is masked when first read, not on
	// the request's path, where masking a large answer cost more than serving it.
	unmasked bool
	// raw holds the request's parts as they came until the entry is first read, when they
	// are formatted and masked into Time, Query and Headers: work a request need not wait for.
	raw *rawRequest
}

// rawRequest is what an entry keeps of its request before it is first read. (Not the
// headers: the request's own would keep each token, far longer than its mask.)
type rawRequest struct {
	at    time.Time
	query string
}

// settle formats and masks what the entry kept as it came.
func (e *Entry) settle() {
	if r := e.raw; r != nil {
		e.Time, e.Query = r.at.UTC().Format(time.RFC3339Nano), maskQuery(r.query)
		e.raw = nil
	}
	if e.unmasked {
		e.Response, e.unmasked = maskBody(e.ResponseType, []byte(e.Response)), false
	}
}

// Journal limits, when the options leave them out.
const (
	DefaultJournalSize      = 1000
	DefaultJournalBytes     = 2 << 20
	DefaultJournalBodyBytes = 64 << 10
	// maxHeaderBytes bounds what the journal keeps of a request's headers.
	maxHeaderBytes = 16 << 10
	// entryOverhead is what an entry costs beyond its strings.
	entryOverhead = 128
	// sharedTrimEvery is how often the shared log is trimmed on the request path: after
	// each append whose id is a multiple of it.
	sharedTrimEvery = 32
)

// Journal keeps the last requests, oldest first, within a number of entries and of bytes:
// memory stays bounded however long the mock runs and however large the requests.
type Journal struct {
	maxEntries, maxBytes, maxBody int

	mu      sync.Mutex
	entries []Entry // oldest first
	bytes   int     // sum of the entries' sizes
	seq     int64

	// shared, when set, keeps the entries beside the records instead (a database several
	// mocks share): every instance lists the requests of all.
	shared *store.Store

	// answers are the answers kept lately: a cached read answers the same bytes again and
	// again, and its entries share one string instead of a copy each.
	answers *interner
}

// NewJournal returns a journal keeping the last size requests, at most maxBytes bytes of
// them in all and at most maxBody bytes of each body; zero or less means the defaults.
func NewJournal(size, maxBytes, maxBody int) *Journal {
	if size <= 0 {
		size = DefaultJournalSize
	}
	if maxBytes <= 0 {
		maxBytes = DefaultJournalBytes
	}
	if maxBody <= 0 {
		maxBody = DefaultJournalBodyBytes
	}
	return &Journal{maxEntries: size, maxBytes: maxBytes, maxBody: maxBody, answers: newInterner(maxBytes / 4)}
}

// add records an entry and returns its id.
func (j *Journal) add(e Entry) int64 {
	if j.shared != nil {
		e.settle()
		e.size = entrySize(e)
		// The id is the shared log's; an entry that cannot be kept is left out.
		ctx := context.Background()
		id, err := j.shared.AppendSharedEntry(ctx, encodeEntry(&e), e.size)
		if err != nil {
			return -1
		}
		if id%sharedTrimEvery == 0 {
			// Now and then, not on every request: readers trim before they read.
			_ = j.shared.TrimShared(ctx, j.maxEntries, j.maxBytes)
		}
		e.ID = id
		return id
	}
	e.size = entrySize(e)
	j.mu.Lock()
	defer j.mu.Unlock()
	j.seq++
	e.ID = j.seq
	j.entries = append(j.entries, e)
	j.bytes += e.size
	j.trim()
	return e.ID
}

// answered attaches the answer, as it was sent, to the entry with that id, if it is still
// kept. Either journal masks it when it is first read, not on the request's path.
func (j *Journal) answered(id int64, e Entry, response, contentType string, truncated bool) {
	if j.shared != nil {
		if id <= 0 {
			return
		}
		e.settle()
		e.ID, e.Response, e.ResponseType, e.ResponseTruncated, e.unmasked = id, response, contentType, truncated, true
		e.size = entrySize(e)
		_ = j.shared.ReplaceSharedEntry(context.Background(), id, encodeEntry(&e), e.size)
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	// Entries are in id order: the one sought is near the end.
	for i := len(j.entries) - 1; i >= 0 && j.entries[i].ID >= id; i-- {
		if e := &j.entries[i]; e.ID == id {
			e.Response, e.ResponseType, e.ResponseTruncated, e.unmasked = response, contentType, truncated, true
			j.bytes -= e.size
			e.size = entrySize(*e)
			j.bytes += e.size
			j.trim()
			return
		}
	}
}

// trim drops the oldest entries past the limits; the newest always stays, even alone over
// the limit (its parts are capped). Called with mu held.
func (j *Journal) trim() {
	for len(j.entries) > 1 && (len(j.entries) > j.maxEntries || j.bytes > j.maxBytes) {
		j.bytes -= j.entries[0].size
		j.entries[0] = Entry{} // let go of its strings now, not when the array is next copied
		j.entries = j.entries[1:]
	}
}

// entrySize is what the entry holds; for one not yet settled, what it will hold at most
// once masked.
func entrySize(e Entry) int {
	n := entryOverhead + len(e.Time) + len(e.Method) + len(e.Path) + len(e.Query) + len(e.Body) +
		len(e.Response) + len(e.ResponseType) + len(e.Fault)
	for k, v := range e.Headers {
		n += len(k) + len(v) + 16
	}
	if r := e.raw; r != nil {
		n += len(time.RFC3339Nano) + len(r.query) + len(Masked)*(strings.Count(r.query, "&")+1)
	}
	return n
}

// Filter selects journal entries; zero fields match everything.
type Filter struct {
	Method     string
	PathPrefix string
	Status     int
	Limit      int
}

// List returns the entries matching f, newest first, their secrets masked.
func (j *Journal) List(f Filter) []Entry {
	out := []Entry{}
	keep := func(e *Entry) bool {
		if (f.Method == "" || strings.EqualFold(f.Method, e.Method)) &&
			strings.HasPrefix(e.Path, f.PathPrefix) && (f.Status == 0 || f.Status == e.Status) {
			if e.raw != nil || e.unmasked {
				e.settle()
				if j.shared == nil { // the shared log's sizes are the database's
					j.bytes -= e.size
					e.size = entrySize(*e)
					j.bytes += e.size
				}
			}
			out = append(out, *e)
			if f.Limit > 0 && len(out) == f.Limit {
				return false
			}
		}
		return true
	}
	if j.shared != nil {
		_ = j.shared.TrimShared(context.Background(), j.maxEntries, j.maxBytes)
		_ = j.shared.SharedLog(context.Background(), func(id int64, text string) bool {
			var kept sharedEntry
			if json.Unmarshal([]byte(text), &kept) != nil {
				return true
			}
			e := kept.Entry
			e.ID, e.unmasked = id, kept.Unmasked
			return keep(&e)
		})
		return out
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	for i := len(j.entries) - 1; i >= 0; i-- {
		if !keep(&j.entries[i]) {
			break
		}
	}
	return out
}

// Bytes returns how many bytes the entries hold, as counted against the limit.
func (j *Journal) Bytes() int {
	if j.shared != nil {
		_ = j.shared.TrimShared(context.Background(), j.maxEntries, j.maxBytes)
		n, _ := j.shared.SharedLogBytes(context.Background())
		return n
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.bytes
}

// sharedEntry is an entry as the shared log keeps it: its answer, when Unmasked, as it was
// sent (the database holds the records' secrets anyway), masked by the instance that reads it.
type sharedEntry struct {
	Entry
	Unmasked bool `json:"unmasked,omitempty"`
}

// encodeEntry is an entry as the shared log keeps it.
func encodeEntry(e *Entry) string {
	b, _ := json.Marshal(sharedEntry{*e, e.unmasked}) // strings, numbers and maps of strings only
	return string(b)
}

// Clear forgets every entry.
func (j *Journal) Clear() {
	if j.shared != nil {
		_ = j.shared.ClearShared(context.Background())
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.entries, j.bytes = nil, 0
}

// maskedHeaders are recorded with their values hidden: they carry credentials.
var maskedHeaders = map[string]bool{"Authorization": true, "Proxy-Authorization": true, "Cookie": true,
	"X-Admin-Token": true, "X-Api-Key": true}

func mask(v string) string {
	if scheme, rest, ok := strings.Cut(v, " "); ok && len(rest) > 0 {
		if scheme == "Bearer" {
			return "Bearer ***" // the usual one, without a new string
		}
		return scheme + " ***"
	}
	return "***"
}

// recordHeaders copies the headers to record, credentials masked, within maxHeaderBytes;
// it reports whether some were cut.
func recordHeaders(h http.Header) (map[string]string, bool) {
	out := make(map[string]string, len(h))
	total := 0
	for k, vs := range h {
		total += len(k) + 2*len(vs)
		for _, v := range vs {
			total += len(v)
		}
	}
	if total <= maxHeaderBytes {
		// All fit: the order they are taken in does not matter.
		for k, vs := range h {
			value := strings.Join(vs, ", ")
			if maskedHeaders[k] {
				value = mask(value)
			}
			out[k] = value
		}
		return out, false
	}
	left, cut := maxHeaderBytes, false
	for _, k := range slices.Sorted(maps.Keys(h)) {
		value := strings.Join(h[k], ", ")
		if maskedHeaders[k] {
			value = mask(value)
		}
		if len(k)+len(value) > left {
			cut = true
			if left <= len(k) {
				break
			}
			value = value[:left-len(k)]
		}
		out[k] = value
		left -= len(k) + len(value)
	}
	return out, cut
}

// Middleware records every request but the control API's own. An entry is added just
// before its answer is written, so a client that got its answer finds it in the journal.
func (j *Journal) Middleware(now func() time.Time) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			start := now()
			var body []byte
			truncated := false
			if r.Body != nil && r.Body != http.NoBody {
				// Read what is recorded up front and hand the handler the same bytes.
				body, _ = io.ReadAll(io.LimitReader(r.Body, int64(j.maxBody)+1))
				r.Body = readCloser{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
				if len(body) > j.maxBody {
					body, truncated = body[:j.maxBody], true
				}
			}
			headers, headersCut := recordHeaders(r.Header)
			entry := Entry{
				Method: r.Method, Path: r.URL.Path, Headers: headers, HeadersTruncated: headersCut,
				Body: maskBody(r.Header.Get("Content-Type"), body), Truncated: truncated,
				raw: &rawRequest{at: start, query: r.URL.RawQuery},
			}
			answer := &teeWriter{ResponseWriter: c.Response().Writer, max: j.maxBody, answers: j.answers}
			defer answer.release()
			c.Response().Writer = answer
			var id int64
			record := func() {
				if id != 0 {
					return
				}
				entry.Status, entry.DurationMS = c.Response().Status, float64(now().Sub(start).Microseconds())/1000
				entry.Fault = frontdoor.FaultOf(c)
				id = j.add(entry)
			}
			// Added just before the answer's header is written, so that a client that got its
			// answer finds the request in the journal.
			c.Response().Before(record)
			if err := next(c); err != nil {
				c.Error(err) // write the error now, so that its status is what gets recorded
			}
			record() // an answer never written (a dropped connection) is recorded now
			if kept := answer.answer(); kept != "" {
				contentType := c.Response().Header().Get(echo.HeaderContentType)
				j.answered(id, entry, kept, contentType, answer.truncated)
			}
			return nil
		}
	}
}

type readCloser struct {
	io.Reader
	io.Closer
}

// answerBuffers are reused from request to request, for answers written in several parts:
// an answer is copied out of its buffer (at its own size) into the journal.
var answerBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// teeWriter keeps the first max bytes of an answer for the journal. An answer written at
// once, as most are, is kept as one string, the same one as the last identical answer's.
type teeWriter struct {
	http.ResponseWriter
	max       int
	answers   *interner
	first     string        // the answer, while it came in one write
	parts     *bytes.Buffer // the answer, once it came in more
	truncated bool
}

func (w *teeWriter) Write(b []byte) (int, error) {
	w.keep(b)
	return w.ResponseWriter.Write(b)
}

func (w *teeWriter) keep(b []byte) {
	kept := len(w.first)
	if w.parts != nil {
		kept = w.parts.Len()
	}
	if room := w.max - kept; room < len(b) {
		b, w.truncated = b[:max(room, 0)], true
	}
	switch {
	case len(b) == 0:
	case w.parts == nil && w.first == "":
		w.first = w.answers.of(b)
	default:
		if w.parts == nil {
			w.parts = answerBuffers.Get().(*bytes.Buffer)
			w.parts.WriteString(w.first)
		}
		w.parts.Write(b)
	}
}

// answer is what was kept of the answer.
func (w *teeWriter) answer() string {
	if w.parts != nil {
		return w.answers.of(w.parts.Bytes())
	}
	return w.first
}

func (w *teeWriter) release() {
	if w.parts != nil {
		w.parts.Reset()
		answerBuffers.Put(w.parts)
		w.parts = nil
	}
}

// interner hands out one string for equal answers, among those it saw lately; what it
// holds beyond the journal's entries is bounded by its budget.
type interner struct {
	mu      sync.Mutex
	seed    maphash.Seed
	strings map[uint64]string
	bytes   int
	budget  int
}

func newInterner(budget int) *interner {
	return &interner{seed: maphash.MakeSeed(), strings: map[uint64]string{}, budget: budget}
}

// of returns b as a string: the one kept for the same bytes, or a new copy, kept.
func (in *interner) of(b []byte) string {
	h := maphash.Bytes(in.seed, b)
	in.mu.Lock()
	defer in.mu.Unlock()
	if s, ok := in.strings[h]; ok && s == string(b) {
		return s
	}
	s := string(b)
	if len(s) > in.budget {
		return s
	}
	if in.bytes+len(s) > in.budget {
		clear(in.strings)
		in.bytes = 0
	}
	in.strings[h] = s
	in.bytes += len(s)
	return s
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
