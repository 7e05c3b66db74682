package frontdoor

import (
	"log/slog"
	"time"

	"github.com/labstack/echo/v4"
)

// Keys of what the request log learns from the rest of the chain.
const (
	codeKey  = "frontdoor.code"
	faultKey = "frontdoor.fault"
)

// NoteCode records the error code a request was answered with, for its log line. Error
// writers call it.
func NoteCode(c echo.Context, code string) { c.Set(codeKey, code) }

// MarkFault records that a fault rule acted on the request, for the log and the journal.
func MarkFault(c echo.Context, id string) { c.Set(faultKey, id) }

// FaultOf returns the id of the fault rule that acted on the request, or "".
func FaultOf(c echo.Context) string {
	id, _ := c.Get(faultKey).(string)
	return id
}

// logRequests writes one line per request, after its answer: before CORS, so that
// preflights, and requests CORS refuses, leave a line. An error answer's line carries its
// code; a faulted request's, the rule's id.
func logRequests(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			if err := next(c); err != nil {
				c.Error(err) // answer now, so that the logged status is the one sent
			}
			r := c.Request()
			attrs := []any{"method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery,
				"status", c.Response().Status, "duration_ms", float64(time.Since(start).Microseconds()) / 1000}
			if f := FamilyOf(c); f != nil {
				attrs = append(attrs, "api", f.Name)
			}
			if code, _ := c.Get(codeKey).(string); code != "" && c.Response().Status >= 400 {
				attrs = append(attrs, "code", code)
			}
			if id := FaultOf(c); id != "" {
				attrs = append(attrs, "fault", id)
			}
			if r.Method == "OPTIONS" && r.Header.Get("Access-Control-Request-Method") != "" {
				attrs = append(attrs, "preflight", true, "origin", r.Header.Get("Origin"))
			}
			log.Info("request", attrs...)
			return nil
		}
	}
}
