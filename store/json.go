package store

import (
	"encoding/json"
	"fmt"
	"sort"
)

// jsonContainsSQL is the condition that the JSON text in col contains obj, as PostgreSQL's
// jsonb @> has it: every key of obj is in the stored object with a contained value (objects
// recursively; an array contains each element of the wanted array; scalars are equal, numbers
// as numbers). Keys and values are bound. It is the only dialect-specific SQL of filtering: on
// PostgreSQL the whole condition is col::jsonb @> ?::jsonb.
func jsonContainsSQL(col string, obj map[string]any) (string, []any) {
	b := &jsonContains{}
	cond := b.object(col, obj)
	// CASE, unlike AND (whose terms the planner may reorder), surely keeps the JSON functions
	// off text that is not JSON, or JSON that is not an object.
	return fmt.Sprintf("(CASE WHEN json_valid(%[1]s) THEN CASE WHEN json_type(%[1]s) = 'object' THEN %[2]s ELSE 0 END ELSE 0 END)", col, cond), b.args
}

// jsonContains builds one containment condition: its bound values in placeholder order, and a
// counter naming the json_each aliases uniquely.
type jsonContains struct {
	args    []any
	aliases int
}

func (b *jsonContains) alias() string {
	b.aliases++
	return fmt.Sprintf(`"jcont%d"`, b.aliases)
}

// object is the condition that the JSON object expr (the caller checks that it is one)
// contains obj.
func (b *jsonContains) object(expr string, obj map[string]any) string {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := []string{"1"}
	for _, k := range keys {
		a := b.alias()
		b.args = append(b.args, k)
		parts = append(parts, fmt.Sprintf("EXISTS (SELECT 1 FROM json_each(%s) AS %s WHERE %s.key = ? AND %s)", expr, a, a, b.element(a, obj[k])))
	}
	return balanced(parts, " AND ")
}

// element is the condition that the json_each row a holds a value containing v.
func (b *jsonContains) element(a string, v any) string {
	switch v := v.(type) {
	case nil:
		return a + ".type = 'null'"
	case bool:
		if v {
			return a + ".type = 'true'"
		}
		return a + ".type = 'false'"
	case string:
		b.args = append(b.args, v)
		return "(" + a + ".type = 'text' AND " + a + ".value = ?)"
	case json.Number:
		if n, err := v.Int64(); err == nil {
			b.args = append(b.args, n)
		} else {
			f, _ := v.Float64()
			b.args = append(b.args, f)
		}
		return "(" + a + ".type IN ('integer', 'real') AND " + a + ".value = ?)"
	case map[string]any:
		return "(CASE WHEN " + a + ".type = 'object' THEN " + b.object(a+".value", v) + " ELSE 0 END)"
	case []any:
		parts := []string{"1"}
		for _, item := range v {
			e := b.alias()
			parts = append(parts, fmt.Sprintf("EXISTS (SELECT 1 FROM json_each(%s.value) AS %s WHERE %s)", a, e, b.element(e, item)))
		}
		return "(CASE WHEN " + a + ".type = 'array' THEN " + balanced(parts, " AND ") + " ELSE 0 END)"
	}
	return "0" // not a value of encoding/json: never contained
}
