package control

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
)

// Start is the control state a mock starts with, and reset goes back to: the fault rules
// and rate limits of a control file (--control-file), in the control API's own JSON.
type Start struct {
	// Faults are added in order, as POST /_mock/faults adds them.
	Faults []Fault `json:"faults"`
	// RateLimits are the settings PUT /_mock/rate-limits takes; nil keeps the real ones.
	RateLimits *Limits `json:"rate_limits"`
}

// ParseStart reads a control file: {"faults": [...], "rate_limits": {...}}, each part
// optional, in the JSON the control API takes; codes are the error codes a fault may name
// (the mounted families'). Errors name the file and, for a fault, its position.
func ParseStart(name string, data []byte, codes []string) (*Start, error) {
	var start Start
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&start); err != nil {
		return nil, fmt.Errorf("%s: a control file is a JSON object {\"faults\": [...], \"rate_limits\": {...}}: %w", name, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: a control file holds one JSON object", name)
	}
	// Checked by adding them to a rule set of their own, with the control API's checks.
	check := NewFaults(len(start.Faults)+1, codes)
	for i, rule := range start.Faults {
		if rule.ID != "" || rule.Remaining != 0 {
			return nil, fmt.Errorf("%s: faults[%d]: id and remaining are the mock's to set", name, i)
		}
		if _, err := check.Add(rule); err != nil {
			return nil, fmt.Errorf("%s: faults[%d]: %w", name, i, err)
		}
	}
	return &start, nil
}

// The parts of the mock's state a reset puts back; ?keep= names those it leaves alone.
const (
	partData       = "data"        // the records: back to the fixtures (or the last replace)
	partFaults     = "faults"      // the fault rules: back to the control file's, or none
	partJournal    = "journal"     // the request journal: emptied
	partRateLimits = "rate-limits" // settings as configured at start, counters at zero
)

// resetParts are every part, in the order a reset answer lists them.
var resetParts = []string{partData, partFaults, partJournal, partRateLimits}

// limitsAtStart are the rate-limit settings configured at start: the control file's,
// else the real ones, enforced when either the file or --rate-limits says so.
func limitsAtStart(enabled bool, start *Start) Limits {
	l := RealLimits
	if start != nil && start.RateLimits != nil {
		l = *start.RateLimits
	}
	// --rate-limits turns them on whatever the file says.
	l.Enabled = l.Enabled || enabled
	return l
}

// restoreStart puts the fault rules back to the start ones, numbered from fault-1 again.
// The rules were checked by ParseStart, and mock.New checks they fit the limit.
func (f *Faults) restoreStart(rules []Fault) error {
	_ = f.with(true, func(rules *[]*Fault, seq *int) error {
		*rules, *seq = nil, 0
		return nil
	})
	for _, rule := range rules {
		if _, err := f.Add(rule); err != nil {
			return err
		}
	}
	return nil
}

// CheckStart reports whether the control file's faults fit within max rules (0: the
// default limit).
func CheckStart(start *Start, max int) error {
	if max <= 0 {
		max = DefaultMaxFaults
	}
	if start != nil && len(start.Faults) > max {
		return fmt.Errorf("the control file has %d fault rules, over the limit of %d (--max-faults)", len(start.Faults), max)
	}
	return nil
}

// Reset returns the mock to its start state: the data to its baseline, the fault rules to
// the control file's, the journal emptied, the rate limits as configured at start with
// their counters at zero. Snapshots are kept: they are saved on purpose, and change
// nothing until restored.
func (ctl *Controller) Reset(ctx context.Context) error {
	_, err := ctl.ResetKeeping(ctx, nil)
	return err
}

// ResetKeeping resets every part but the ones named in keep ("data", "faults",
// "journal", "rate-limits"), and returns the parts it reset.
func (ctl *Controller) ResetKeeping(ctx context.Context, keep []string) ([]string, error) {
	if err := checkKeep(keep); err != nil {
		return nil, err
	}
	var reset []string
	for _, part := range resetParts {
		if slices.Contains(keep, part) {
			continue
		}
		reset = append(reset, part)
		switch part {
		case partData:
			if err := ctl.resetData(ctx); err != nil {
				return nil, err
			}
		case partFaults:
			var rules []Fault
			if ctl.start != nil {
				rules = ctl.start.Faults
			}
			if err := ctl.Faults.restoreStart(rules); err != nil {
				return nil, err
			}
		case partJournal:
			ctl.Journal.Clear()
		case partRateLimits:
			ctl.Limits.Set(ctl.startLimits)
		}
	}
	return reset, nil
}

// checkKeep refuses a part a reset does not know.
func checkKeep(keep []string) error {
	for _, k := range keep {
		if !slices.Contains(resetParts, k) {
			return fmt.Errorf("keep names parts of the mock among %s, not %q", strings.Join(resetParts, ", "), k)
		}
	}
	return nil
}

// resetData puts the records back to the baseline.
func (ctl *Controller) resetData(ctx context.Context) error {
	// Under the lock, so that a replace cannot release the baseline while it is copied.
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	if ctl.st.Shared() {
		// The environment's baseline, which a replace through another instance may have set.
		shared, ok, err := ctl.sharedBaseline(ctx)
		if err != nil {
			return err
		}
		if ok {
			_ = closeBaseline(ctl.baseline)
			ctl.baseline = shared
		}
	}
	return ctl.baseline.Restore(ctx, ctl.st)
}

// reset answers POST /_mock/reset[?keep=journal,faults].
func (ctl *Controller) reset(c echo.Context) error {
	keep := commaSeparated(c.QueryParam("keep"))
	if err := checkKeep(keep); err != nil {
		return fail(c, http.StatusBadRequest, err.Error())
	}
	parts, err := ctl.ResetKeeping(c.Request().Context(), keep)
	if err != nil {
		return err
	}
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	return c.JSON(http.StatusOK, map[string]any{"reset": true, "records": ctl.baseline.Counts(), "parts": parts})
}

// commaSeparated splits a comma-separated parameter, leaving out empty items; nil when
// there are none.
func commaSeparated(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
