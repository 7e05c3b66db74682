package query

import (
	"encoding/json"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/commercelayer-mock/provmock/models"
)

// Op is the comparison a predicate makes, before quantifiers and negation.
type Op int

const (
	OpEq Op = iota
	OpNotEq
	OpLt
	OpLtEq
	OpGt
	OpGtEq
	OpLike    // LIKE with Pattern applied to the value
	OpNotLike // NOT LIKE with Pattern applied to the value
	OpIn
	OpNotIn
	OpPresent // not NULL and not empty; false means blank
	OpBlank   // NULL or empty; false means present
	OpNull    // NULL; false means not NULL
	OpNotNull // not NULL; false means NULL
	OpTrue    // = true; false means != true
	OpFalse   // = false; false means != false
	// OpNotInOrNull is NOT IN, or NULL (which NOT IN alone never matches).
	OpNotInOrNull
	// OpJSONContains holds where the JSON attribute contains the value's JSON object: every
	// key of it, with an equal value (objects recursively, arrays holding each element).
	OpJSONContains
)

// Quant says how a predicate combines a list of values.
type Quant int

const (
	One  Quant = iota // a single value
	Any               // OR over the comma-separated values
	All               // AND over the comma-separated values
	List              // the values form one IN list
	Flag              // the value is true or false
)

// Pattern says how a LIKE predicate turns its value into a pattern.
type Pattern int

const (
	Raw      Pattern = iota // the value is a LIKE pattern (matches)
	Prefix                  // value%, the value taken literally (start)
	Suffix                  // %value (end)
	Contains                // %value% (cont)
)

// Predicate is one of the real service's filter predicates.
type Predicate struct {
	Name    string
	Op      Op
	Quant   Quant
	Pattern Pattern
}

// predicates is every predicate of SPEC.md, the longest names first so that suffix
// matching prefers not_eq_all over eq_all over eq.
var predicates = func() []Predicate {
	ps := []Predicate{
		{"eq", OpEq, One, 0}, {"not_eq", OpNotEq, One, 0}, {"not_eq_all", OpNotEq, All, 0},
		{"matches", OpLike, One, Raw}, {"does_not_match", OpNotLike, One, Raw},
		{"matches_any", OpLike, Any, Raw}, {"matches_all", OpLike, All, Raw},
		{"does_not_match_any", OpNotLike, Any, Raw}, {"does_not_match_all", OpNotLike, All, Raw},
		{"lt", OpLt, One, 0}, {"lteq", OpLtEq, One, 0}, {"gt", OpGt, One, 0}, {"gteq", OpGtEq, One, 0},
		{"lt_any", OpLt, Any, 0}, {"lteq_any", OpLtEq, Any, 0}, {"gt_any", OpGt, Any, 0}, {"gteq_any", OpGtEq, Any, 0},
		{"lt_all", OpLt, All, 0}, {"lteq_all", OpLtEq, All, 0}, {"gt_all", OpGt, All, 0}, {"gteq_all", OpGtEq, All, 0},
		{"present", OpPresent, Flag, 0}, {"blank", OpBlank, Flag, 0}, {"null", OpNull, Flag, 0}, {"not_null", OpNotNull, Flag, 0},
		{"in", OpIn, List, 0}, {"not_in", OpNotIn, List, 0},
		{"start", OpLike, One, Prefix}, {"not_start", OpNotLike, One, Prefix},
		{"start_any", OpLike, Any, Prefix}, {"start_all", OpLike, All, Prefix},
		{"not_start_any", OpNotLike, Any, Prefix}, {"not_start_all", OpNotLike, All, Prefix},
		{"end", OpLike, One, Suffix}, {"not_end", OpNotLike, One, Suffix},
		{"end_any", OpLike, Any, Suffix}, {"end_all", OpLike, All, Suffix},
		{"not_end_any", OpNotLike, Any, Suffix}, {"not_end_all", OpNotLike, All, Suffix},
		{"cont", OpLike, One, Contains}, {"not_cont", OpNotLike, One, Contains},
		{"cont_any", OpLike, Any, Contains}, {"cont_all", OpLike, All, Contains}, {"not_cont_all", OpNotLike, All, Contains},
		{"true", OpTrue, Flag, 0}, {"false", OpFalse, Flag, 0},
		// The two the SDK treats specially: it sends an array for not_in_or_null and a
		// JSON-encoded object for jcont.
		{"not_in_or_null", OpNotInOrNull, List, 0}, {"jcont", OpJSONContains, One, 0},
	}
	// Longest first: "name_not_eq" must be tried as not_eq before eq.
	for i := 1; i < len(ps); i++ {
		for j := i; j > 0 && len(ps[j].Name) > len(ps[j-1].Name); j-- {
			ps[j], ps[j-1] = ps[j-1], ps[j]
		}
	}
	return ps
}()

// Predicates returns the names of every supported predicate.
func Predicates() []string {
	names := make([]string, len(predicates))
	for i, p := range predicates {
		names[i] = p.Name
	}
	return names
}

// AttrPath is an attribute reached from the filtered type through zero or more to-one
// relationships (organization_name: Hops [organization], Column name).
type AttrPath struct {
	Hops   []*models.Rel
	Column string
	Kind   models.Kind
}

// Filter is one validated filter[q] condition: Paths are OR'ed; Values are read as the
// attribute's kind (int64, float64, bool, or string; timestamps as canonical text).
type Filter struct {
	Key    string
	Paths  []AttrPath
	Pred   Predicate
	Values []any // read as the first path's kind
	// PathValues[i] are the values read as Paths[i]'s kind, set only when an _or_ joins
	// attributes of different kinds (name_or_expires_in_eq): each is compared as its own type.
	PathValues [][]any
}

// ValuesFor returns the values to compare with Paths[i].
func (f *Filter) ValuesFor(i int) []any {
	if i < len(f.PathValues) {
		return f.PathValues[i]
	}
	return f.Values
}

// Limits that keep every accepted filter within what SQLite accepts (LIKE patterns up to
// 50,000 bytes) and quick to resolve.
const (
	// MaxPatternLength bounds a cont/start/end/matches value, in bytes: escaping at most
	// doubles it.
	MaxPatternLength = 10000
	// maxPathLength bounds one attribute path of a condition; the longest real one (three
	// hops) is far shorter.
	maxPathLength = 256
	// maxConditionLength bounds a whole condition (room for an _or_ of hundreds of
	// attributes), which keeps resolving it quick.
	maxConditionLength = 4096
)

// parseFilter reads one filter[...] parameter: a filter[q][...] condition, or one of the
// top-level filters of jsonapi-resources (filter[id], filter[name], ...). It returns nil, nil
// for a condition that lenient mode ignores.
func parseFilter(reg *models.Registry, def *models.Resource, key, value string, opts Options) (*Filter, error) {
	_, segs, _ := splitKey(key)
	var f *Filter
	var err error
	switch {
	case len(segs) == 2 && segs[0] == "q" && segs[1] != "":
		f, err = parseCondition(reg, def, segs[1], value)
	case len(segs) == 1 && segs[0] != "q" && segs[0] != "":
		f, err = parseTopLevel(def, segs[0], value)
	default:
		name := strings.Join(segs, "][")
		if len(segs) > 0 && segs[0] == "q" {
			name = strings.Join(segs[1:], "][")
		}
		if name == "" { // filter[q], filter[q][]: no condition to name, so name the key
			name = key
		}
		err = &Error{Problem: FilterNotAllowed, Param: name}
	}
	if err != nil && opts.LenientFilters && IsProblem(err, FilterNotAllowed) {
		return nil, nil
	}
	return f, err
}

// parseCondition reads a filter[q] condition: attribute paths joined by _or_, and a predicate.
func parseCondition(reg *models.Registry, def *models.Resource, cond, value string) (*Filter, error) {
	for _, pred := range predicates {
		if len(cond) > maxConditionLength {
			break
		}
		attrs, ok := strings.CutSuffix(cond, "_"+pred.Name)
		if !ok {
			continue
		}
		paths := resolveOr(reg, def, attrs)
		if paths == nil {
			continue
		}
		if !applicable(pred, paths) {
			continue
		}
		return newFilter(cond, pred, paths, value)
	}
	return nil, &Error{Problem: FilterNotAllowed, Param: cond}
}

// newFilter reads the value for the predicate on the paths.
func newFilter(key string, pred Predicate, paths []AttrPath, value string) (*Filter, error) {
	pathValues, err := readValues(pred, paths, value)
	if err != nil {
		return nil, &Error{Problem: InvalidFilterValue, Param: key, Value: value}
	}
	f := &Filter{Key: key, Paths: paths, Pred: pred, Values: pathValues[0]}
	for _, p := range paths[1:] {
		if p.Kind != paths[0].Kind {
			f.PathValues = pathValues
			break
		}
	}
	return f, nil
}

// predicate returns the predicate with that name; the names used here are constants.
func predicate(name string) Predicate {
	for _, p := range predicates {
		if p.Name == name {
			return p
		}
	}
	panic("query: no predicate " + name)
}

// TopLevelFilter is one of a type's top-level filters, filter[{Name}]: a comma list of
// values (IN), or a time bound (from: at or after, to: at or before).
type TopLevelFilter struct {
	Name string
	Path AttrPath
	Pred Predicate
}

// TopLevelFilters returns the top-level filters of def, as the real service's
// jsonapi-resources declares them: id and ids, every filterable attribute that is not an
// object, {relationship}_id for every to-one relationship, and {timestamp}_from/_to for every
// filterable timestamp (created_at, updated_at, disabled_at).
func TopLevelFilters(def *models.Resource) []TopLevelFilter {
	in, gteq, lteq := predicate("in"), predicate("gteq"), predicate("lteq")
	idPath := AttrPath{Column: "id", Kind: models.String}
	out := []TopLevelFilter{{"id", idPath, in}, {"ids", idPath, in}}
	var bounds []TopLevelFilter
	for _, a := range def.Attrs {
		if !a.Flags.Has(models.Filterable) || a.Kind == models.Object {
			continue
		}
		path := AttrPath{Column: a.Name, Kind: a.Kind}
		out = append(out, TopLevelFilter{a.Name, path, in})
		if a.Kind == models.Time {
			bounds = append(bounds, TopLevelFilter{a.Name + "_from", path, gteq}, TopLevelFilter{a.Name + "_to", path, lteq})
		}
	}
	for i := range def.Rels {
		rel := &def.Rels[i]
		if !rel.ToMany {
			out = append(out, TopLevelFilter{rel.Name + "_id", AttrPath{Hops: []*models.Rel{rel}, Column: "id", Kind: models.String}, in})
		}
	}
	return append(out, bounds...)
}

// parseTopLevel reads filter[{name}].
func parseTopLevel(def *models.Resource, name, value string) (*Filter, error) {
	for _, t := range TopLevelFilters(def) {
		if t.Name == name {
			return newFilter(name, t.Pred, []AttrPath{t.Path}, value)
		}
	}
	return nil, &Error{Problem: FilterNotAllowed, Param: name}
}

// PredicatesFor returns the names of the predicates that apply to an attribute of the kind.
func PredicatesFor(kind models.Kind) []string {
	var names []string
	for _, p := range predicates {
		if applicable(p, []AttrPath{{Kind: kind}}) {
			names = append(names, p.Name)
		}
	}
	sort.Strings(names)
	return names
}

// applicable rules out predicates that make no sense for an attribute's kind: true/false
// only on booleans; comparisons not on objects.
func applicable(pred Predicate, paths []AttrPath) bool {
	for _, p := range paths {
		switch pred.Op {
		case OpTrue, OpFalse:
			if p.Kind != models.Boolean {
				return false
			}
		case OpLt, OpLtEq, OpGt, OpGtEq:
			if p.Kind == models.Object || p.Kind == models.Boolean {
				return false
			}
		case OpJSONContains:
			if p.Kind != models.Object {
				return false
			}
		}
	}
	return true
}

// resolveOr splits "name_or_reference" into attribute paths, trying every split at "_or_"
// since attribute names may themselves contain "or": the whole string as one path first, then
// the shortest first path whose rest splits. Results per start offset are memoized, so a
// long chain of _or_ resolves in linear time.
func resolveOr(reg *models.Registry, def *models.Resource, s string) []AttrPath {
	memo := map[int][]AttrPath{}
	failed := map[int]bool{}
	var solve func(start int) []AttrPath
	solve = func(start int) []AttrPath {
		if paths, ok := memo[start]; ok {
			return paths
		}
		if failed[start] {
			return nil
		}
		rest := s[start:]
		if len(rest) <= maxPathLength {
			if p, ok := resolvePath(reg, def, rest, 0); ok {
				memo[start] = []AttrPath{p}
				return memo[start]
			}
		}
		for i := strings.Index(rest, "_or_"); i >= 0 && i <= maxPathLength; {
			if p, ok := resolvePath(reg, def, rest[:i], 0); ok {
				if more := solve(start + i + 4); more != nil {
					memo[start] = append([]AttrPath{p}, more...)
					return memo[start]
				}
			}
			j := strings.Index(rest[i+1:], "_or_")
			if j < 0 {
				break
			}
			i += 1 + j
		}
		failed[start] = true
		return nil
	}
	return solve(0)
}

// maxHops bounds relationship traversal; the deepest chain in the API is three hops.
const maxHops = 4

// resolvePath finds a filterable attribute of def named s, or a to-one or filterable to-many
// relationship whose name prefixes s followed by a filterable attribute path of the related
// type.
func resolvePath(reg *models.Registry, def *models.Resource, s string, depth int) (AttrPath, bool) {
	if s == "id" {
		return AttrPath{Column: "id", Kind: models.String}, true
	}
	if a := def.Attr(s); a != nil && a.Flags.Has(models.Filterable) {
		return AttrPath{Column: a.Name, Kind: a.Kind}, true
	}
	if depth >= maxHops {
		return AttrPath{}, false
	}
	for i := range def.Rels {
		rel := &def.Rels[i]
		rest, ok := strings.CutPrefix(s, rel.Name+"_")
		if !ok || (rel.ToMany && !rel.Flags.Has(models.Filterable)) {
			continue
		}
		if p, ok := resolvePath(reg, reg.Lookup(rel.Type), rest, depth+1); ok {
			p.Hops = append([]*models.Rel{rel}, p.Hops...)
			return p, true
		}
	}
	return AttrPath{}, false
}

// readValues reads the parameter's value as the predicate and each attribute's kind want:
// one list of values per path. Comma lists lose repeated items, which change no answer.
func readValues(pred Predicate, paths []AttrPath, value string) ([][]any, error) {
	// SQLite reads text bound for LIKE up to a NUL, and PostgreSQL stores no NUL at all: no
	// filter value may hold one.
	if strings.IndexByte(value, 0) >= 0 {
		return nil, strconv.ErrSyntax
	}
	out := make([][]any, len(paths))
	if pred.Op == OpJSONContains {
		obj, err := readJSONObject(value)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i] = []any{obj}
		}
		return out, nil
	}
	if pred.Quant == Flag {
		b, err := ParseBool(value)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i] = []any{b}
		}
		return out, nil
	}
	raw := []string{value}
	if pred.Quant != One {
		raw = dedupe(strings.Split(value, ","))
	}
	for i, p := range paths {
		out[i] = make([]any, 0, len(raw))
		for _, r := range raw {
			if pred.Op == OpLike || pred.Op == OpNotLike {
				// Text patterns, compared with the stored text.
				if len(r) > MaxPatternLength {
					return nil, strconv.ErrRange
				}
				out[i] = append(out[i], r)
				continue
			}
			v, err := ReadValue(p.Kind, r)
			if err != nil {
				return nil, err
			}
			if p.Kind == models.Time {
				v = timeOperand(pred.Op, r, v.(string))
			}
			out[i] = append(out[i], v)
		}
	}
	return out, nil
}

// maxJSONDepth bounds the nesting of a jcont value, which nests the SQL as deep.
const maxJSONDepth = 8

// readJSONObject reads a jcont value: a JSON object, of at most MaxPatternLength bytes and
// maxJSONDepth levels, numbers kept as json.Number, no NUL in any text.
func readJSONObject(value string) (map[string]any, error) {
	if len(value) > MaxPatternLength {
		return nil, strconv.ErrRange
	}
	dec := json.NewDecoder(strings.NewReader(value))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil || obj == nil {
		return nil, strconv.ErrSyntax
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, strconv.ErrSyntax // trailing data
	}
	if !plainJSON(obj, 1) {
		return nil, strconv.ErrSyntax
	}
	return obj, nil
}

// plainJSON reports whether v nests at most maxJSONDepth levels and holds no NUL.
func plainJSON(v any, depth int) bool {
	if depth > maxJSONDepth {
		return false
	}
	switch v := v.(type) {
	case string:
		return strings.IndexByte(v, 0) < 0
	case map[string]any:
		for k, item := range v {
			if strings.IndexByte(k, 0) >= 0 || !plainJSON(item, depth+1) {
				return false
			}
		}
	case []any:
		for _, item := range v {
			if !plainJSON(item, depth+1) {
				return false
			}
		}
	}
	return true
}

func dedupe(items []string) []string {
	seen := make(map[string]bool, len(items))
	out := items[:0]
	for _, it := range items {
		if !seen[it] {
			seen[it] = true
			out = append(out, it)
		}
	}
	return out
}

// ParseBool reads true/false and 1/0.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, strconv.ErrSyntax
}

// timeLayouts are the timestamp forms a filter value may take; a zone-less one is UTC.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// TimeFormat is how timestamps are stored and rendered.
const TimeFormat = "2006-01-02T15:04:05.000Z"

// ReadValue reads a filter value as the kind of the attribute it is compared with.
func ReadValue(kind models.Kind, s string) (any, error) {
	switch kind {
	case models.Integer:
		return strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	case models.Number:
		f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err == nil && (f != f || f > 1e308 || f < -1e308) { // NaN and infinities compare with nothing
			err = strconv.ErrRange
		}
		return f, err
	case models.Boolean:
		return ParseBool(s)
	case models.Time:
		t, err := parseTime(s)
		if err != nil {
			return nil, err
		}
		return t.Format(TimeFormat), nil
	}
	return s, nil
}

func parseTime(s string) (time.Time, error) {
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, strconv.ErrSyntax
}

// timeOperand adjusts a timestamp read as canonical (millisecond) text to the comparison it
// is used in, when the value is finer than a millisecond: stored times are whole
// milliseconds, so "before 10:00:00.0001" means "at or before 10:00:00.000" (the value rounds
// up for lt and gteq, down for gt and lteq), and no stored time equals it (eq and in compare
// with a text no stored time has).
func timeOperand(op Op, raw, canonical string) string {
	t, err := parseTime(raw)
	if err != nil || t.Nanosecond()%int(time.Millisecond) == 0 {
		return canonical
	}
	switch op {
	case OpLt, OpGtEq:
		return t.Truncate(time.Millisecond).Add(time.Millisecond).Format(TimeFormat)
	case OpGt, OpLtEq:
		return canonical
	}
	return t.Format(time.RFC3339Nano)
}
