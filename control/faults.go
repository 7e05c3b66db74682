package control

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/frontdoor"
	"github.com/commercelayer-mock/provmock/store"
)

// Fault is a rule that makes matching requests misbehave: wait, answer an error, or lose
// the connection.
type Fault struct {
	ID     string `json:"id"`
	Method string `json:"method,omitempty"` // empty: any method
	// Path is a pattern of the request path; * matches any run of characters, / included.
	Path    string `json:"path"`
	DelayMS int    `json:"delay_ms,omitempty"`
	// Status answers the request with this status instead of serving it.
	Status int `json:"status,omitempty"`
	// Code names an error of the API to answer with (INVALID_TOKEN, UNAUTHORIZED, ...);
	// Errors, when given, is the error document's errors member, verbatim; Body, the whole
	// answer's body, verbatim (for APIs whose errors are not an errors list).
	Code   string          `json:"code,omitempty"`
	Errors json.RawMessage `json:"errors,omitempty"`
	Body   json.RawMessage `json:"body,omitempty"`
	// Drop closes the connection without an answer.
	Drop bool `json:"drop,omitempty"`
	// Times limits the rule to the next N matching requests; 0 is every one.
	Times int `json:"times,omitempty"`
	// Probability applies the rule to a matching request with this chance; 0 means 1.
	Probability float64 `json:"probability,omitempty"`
	// Remaining is how many more requests the rule will affect (with Times).
	Remaining int `json:"remaining,omitempty"`

	pattern *regexp.Regexp
}

// Faults holds the fault rules in the order they were added.
type Faults struct {
	mu    sync.Mutex
	rules []*Fault
	seq   int
	rand  func() float64
	max   int
	codes map[string]bool // the codes a rule may name
	// shared, when set, keeps the rules beside the records instead (a database several
	// mocks share): a rule added through one instance applies on all.
	shared *store.Store
	// kept is how many rules the process holds, so that a request finds none without the lock.
	kept atomic.Int32
	// decoded are the shared rules as last read, compiled, while their text stays the same.
	decodedMu   sync.Mutex
	decoded     sharedRules
	decodedText string
	decodedOK   bool
}

// faultsKey is where shared rules are kept.
const faultsKey = "faults"

// sharedRules are the rules as kept beside the records.
type sharedRules struct {
	Seq   int      `json:"seq"`
	Rules []*Fault `json:"rules"`
}

// with runs fn on the rules and the sequence of their ids, under the lock: the process's,
// or, for shared rules, the database's (write: fn's changes are saved; a read sees one state).
func (f *Faults) with(write bool, fn func(rules *[]*Fault, seq *int) error) error {
	if f.shared == nil {
		f.mu.Lock()
		defer f.mu.Unlock()
		err := fn(&f.rules, &f.seq)
		f.kept.Store(int32(len(f.rules)))
		return err
	}
	decode := func(text string, ok bool) (sharedRules, error) {
		var kept sharedRules
		if !ok {
			return kept, nil
		}
		if err := json.Unmarshal([]byte(text), &kept); err != nil {
			return kept, err
		}
		for _, r := range kept.Rules {
			re, err := globToRegexp(r.Path)
			if err != nil {
				return kept, err
			}
			r.pattern = re
		}
		return kept, nil
	}
	ctx := context.Background()
	if !write {
		text, ok, err := f.shared.LookupShared(ctx, faultsKey)
		if err != nil {
			return err
		}
		return f.readShared(text, ok, fn)
	}
	return f.shared.UpdateShared(ctx, faultsKey, func(text string, ok bool) (string, error) {
		kept, err := decode(text, ok)
		if err != nil {
			return "", err
		}
		if err := fn(&kept.Rules, &kept.Seq); err != nil {
			return "", err
		}
		b, err := json.Marshal(kept)
		return string(b), err
	})
}

// readShared runs fn on the shared rules as read (text, ok: as LookupShared returns them),
// decoded once for as long as they stay the same. fn only reads them.
func (f *Faults) readShared(text string, ok bool, fn func(rules *[]*Fault, seq *int) error) error {
	f.decodedMu.Lock()
	kept, same := f.decoded, ok && f.decodedText == text && f.decodedOK
	f.decodedMu.Unlock()
	if !same {
		kept = sharedRules{}
		if ok {
			if err := json.Unmarshal([]byte(text), &kept); err != nil {
				return err
			}
			for _, r := range kept.Rules {
				re, err := globToRegexp(r.Path)
				if err != nil {
					return err
				}
				r.pattern = re
			}
			f.decodedMu.Lock()
			f.decoded, f.decodedText, f.decodedOK = kept, text, true
			f.decodedMu.Unlock()
		}
	}
	rules := kept.Rules // fn may reslice its copy of the slice, never the rules
	return fn(&rules, &kept.Seq)
}

// errUnchanged ends a shared update that has nothing to save.
var errUnchanged = errors.New("unchanged")

// NewFaults returns an empty rule set that holds at most max rules (0: DefaultMaxFaults),
// whose rules may name the given error codes.
func NewFaults(max int, codes []string) *Faults {
	if max <= 0 {
		max = DefaultMaxFaults
	}
	known := map[string]bool{}
	for _, c := range codes {
		known[c] = true
	}
	return &Faults{rand: rand.Float64, max: max, codes: known}
}

// errTooManyFaults refuses a rule past the limit.
var errTooManyFaults = errors.New("too many fault rules")

func globToRegexp(pattern string) (*regexp.Regexp, error) {
	parts := strings.Split(pattern, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.Compile("^" + strings.Join(parts, ".*") + "$")
}

// Add validates a rule and adds it.
func (f *Faults) Add(rule Fault) (Fault, error) {
	switch {
	case rule.Path == "":
		return Fault{}, errors.New("path is required (a pattern such as /api/roles*)")
	case rule.Status == 0 && rule.Code == "" && rule.DelayMS == 0 && !rule.Drop:
		return Fault{}, errors.New("a fault needs delay_ms, status, code or drop")
	case rule.Status != 0 && (rule.Status < 400 || rule.Status > 599):
		return Fault{}, errors.New("status must be an error status, 400 to 599")
	case (rule.Status != 0 || rule.Code != "" || len(rule.Errors) > 0 || len(rule.Body) > 0) && rule.Drop:
		return Fault{}, errors.New("drop answers nothing: it excludes status, code, errors and body")
	case len(rule.Errors) > 0 && len(rule.Body) > 0:
		return Fault{}, errors.New("give errors or body, not both")
	case len(rule.Body) > 0 && (rule.Status == 0 || !json.Valid(rule.Body)):
		return Fault{}, errors.New("body needs a status and must be JSON")
	case rule.DelayMS < 0 || rule.DelayMS > 60000:
		return Fault{}, errors.New("delay_ms must lie in 0..60000")
	case rule.Times < 0 || rule.Probability < 0 || rule.Probability > 1:
		return Fault{}, errors.New("times must be >= 0 and probability in 0..1")
	case rule.Code != "" && !f.codes[rule.Code]:
		return Fault{}, fmt.Errorf("unknown code %q", rule.Code)
	}
	if len(rule.Errors) > 0 {
		var list []map[string]any
		if err := json.Unmarshal(rule.Errors, &list); err != nil {
			return Fault{}, errors.New("errors must be a list of error objects")
		}
		if rule.Status == 0 {
			return Fault{}, errors.New("errors needs a status")
		}
	}
	re, err := globToRegexp(rule.Path)
	if err != nil {
		return Fault{}, err
	}
	err = f.with(true, func(rules *[]*Fault, seq *int) error {
		if len(*rules) >= f.max {
			return fmt.Errorf("%w: at most %d are kept", errTooManyFaults, f.max)
		}
		*seq++
		rule.ID = fmt.Sprintf("fault-%d", *seq)
		rule.Method = strings.ToUpper(rule.Method)
		rule.Remaining = rule.Times
		rule.pattern = re
		added := rule
		*rules = append(*rules, &added)
		return nil
	})
	if err != nil {
		return Fault{}, err
	}
	return rule, nil
}

// List returns the rules.
func (f *Faults) List() []Fault {
	var out []Fault
	_ = f.with(false, func(rules *[]*Fault, _ *int) error {
		out = make([]Fault, len(*rules))
		for i, r := range *rules {
			out[i] = *r
		}
		return nil
	})
	if out == nil {
		out = []Fault{}
	}
	return out
}

// Remove deletes a rule; it reports whether there was one.
func (f *Faults) Remove(id string) bool {
	found := false
	_ = f.with(true, func(rules *[]*Fault, _ *int) error {
		for i, r := range *rules {
			if r.ID == id {
				*rules = append((*rules)[:i], (*rules)[i+1:]...)
				found = true
				return nil
			}
		}
		return errUnchanged
	})
	return found
}

// Clear deletes every rule.
func (f *Faults) Clear() {
	_ = f.with(true, func(rules *[]*Fault, _ *int) error {
		*rules = nil
		return nil
	})
}

// match returns the first rule that applies to the request, using up one of its times.
// values, when set, are the shared values the request read already (the rules among them).
func (f *Faults) match(method, path string, values map[string]string) (Fault, bool) {
	find := func(rules []*Fault) (int, bool) {
		for i, r := range rules {
			if (r.Method != "" && r.Method != method) || !r.pattern.MatchString(path) {
				continue
			}
			if r.Probability > 0 && f.rand() >= r.Probability {
				continue
			}
			return i, true
		}
		return 0, false
	}
	if f.shared == nil && f.kept.Load() == 0 {
		return Fault{}, false
	}
	var hit Fault
	found, counted := false, false
	// Shared rules are first read: only a rule with times to use up needs a write.
	read := func(rules *[]*Fault, _ *int) error {
		i, ok := find(*rules)
		if ok {
			hit, found, counted = *(*rules)[i], true, (*rules)[i].Times > 0
		}
		return nil
	}
	if text, ok := values[faultsKey]; f.shared != nil && values != nil {
		_ = f.readShared(text, ok, read)
	} else {
		_ = f.with(false, read)
	}
	if !found || !counted {
		return hit, found
	}
	found = false
	_ = f.with(true, func(rules *[]*Fault, _ *int) error {
		// Found again under the write lock: another request may have used the last time.
		for i, r := range *rules {
			if r.ID != hit.ID {
				continue
			}
			hit, found = *r, true
			r.Remaining--
			if r.Remaining == 0 {
				*rules = append((*rules)[:i], (*rules)[i+1:]...)
			}
			return nil
		}
		return errUnchanged
	})
	return hit, found
}

// sharedValuesKey holds, in the request's context, the shared values the faults read for the
// request, for the rate limits after them.
const sharedValuesKey = "control.sharedValues"

// errDropped tells the journal that the connection was dropped on purpose.
var errDropped = errors.New("control: connection dropped by a fault")

// Middleware applies the rules to the requests it sees: the front door runs it on the
// emulated APIs' requests only. The answer it asks for is a frontdoor.Injected problem,
// which the request's API writes in its own format.
func (f *Faults) Middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			var values map[string]string
			if f.shared != nil {
				// The rules, the rate limits' settings and the generation the response cache
				// checks, in one round trip for all.
				if ctx, v, err := f.shared.ReadShared(r.Context(), faultsKey, rateLimitsKey); err == nil {
					values = v
					c.Set(sharedValuesKey, v)
					r = r.WithContext(ctx)
					c.SetRequest(r)
				}
			}
			rule, ok := f.match(r.Method, r.URL.Path, values)
			if !ok {
				return next(c)
			}
			frontdoor.MarkFault(c, rule.ID) // for the journal and the request log
			if rule.DelayMS > 0 {
				select {
				case <-time.After(time.Duration(rule.DelayMS) * time.Millisecond):
				case <-r.Context().Done():
					return r.Context().Err()
				}
			}
			switch {
			case rule.Drop:
				return drop(c)
			case len(rule.Body) > 0:
				return frontdoor.Injected{Status: rule.Status, Code: rule.Code, Body: rule.Body}
			case len(rule.Errors) > 0:
				body := append(append([]byte(`{"errors":`), rule.Errors...), '}')
				return frontdoor.Injected{Status: rule.Status, Code: rule.Code, Body: body}
			case rule.Code != "" || rule.Status != 0:
				return frontdoor.Injected{Status: rule.Status, Code: rule.Code}
			}
			return next(c)
		}
	}
}

// drop closes the client's connection without a response.
func drop(c echo.Context) error {
	hj, ok := c.Response().Writer.(http.Hijacker)
	if !ok {
		return errDropped
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return err
	}
	// Nothing was answered: the journal and the request log record status 0, not the 200
	// a response starts with.
	c.Response().Committed, c.Response().Status = true, 0
	return conn.Close()
}
