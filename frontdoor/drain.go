package frontdoor

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
)

// Bounds of reading what a handler left of a request body.
const (
	// drainLimit is how much of a body is read past what the handler read.
	drainLimit = 16 << 20
	// drainTimeout is how long the reading may take.
	drainTimeout = 5 * time.Second
)

// trackedBody records how much of a body was read and how reading it ended.
type trackedBody struct {
	io.ReadCloser
	n      int64
	eof    bool
	failed bool // the connection failed or timed out: nothing more will come
}

func (b *trackedBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	switch {
	case errors.Is(err, io.EOF):
		b.eof = true
	case err != nil:
		b.failed = true
	}
	return n, err
}

// drainUnreadBodies reads what a handler left of a request body (a body refused as too
// large, or at all), after the answer has been sent. Closing a connection with unread
// data makes the kernel reset it, and a client that writes the whole body before reading
// (Python's urllib and requests, many others) then sees "connection reset" instead of the
// 413; net/http itself reads at most 256 KiB of what a handler left. Beyond drainLimit or
// drainTimeout (or the server's ReadTimeout, if shorter) the connection is closed as
// before, so that neither a refused upload nor a stalled client can hold the server.
func drainUnreadBodies(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Body == nil || r.Body == http.NoBody {
			return next(c)
		}
		body := &trackedBody{ReadCloser: r.Body}
		r.Body = body
		if err := next(c); err != nil {
			c.Error(err) // write the answer now, so that it leaves before the drain
		}
		if body.eof || body.failed || (r.ContentLength > 0 && r.ContentLength-body.n > drainLimit) {
			return nil // all read, nothing more to come, or more than the bound: net/http closes as ever
		}
		timeout := drainTimeout
		if srv, ok := r.Context().Value(http.ServerContextKey).(*http.Server); ok && srv.ReadTimeout > 0 {
			timeout = min(timeout, srv.ReadTimeout)
		}
		// The writer under Echo's: Echo's own Flush panics when that writer cannot flush.
		rc := http.NewResponseController(c.Response().Writer)
		if rc.Flush() != nil || rc.SetReadDeadline(time.Now().Add(timeout)) != nil {
			return nil // a hijacked connection, or a writer that is no connection
		}
		_, _ = io.CopyN(io.Discard, body.ReadCloser, drainLimit)
		_ = rc.SetReadDeadline(time.Time{})
		return nil
	}
}
