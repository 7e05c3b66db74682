package store

import (
	"fmt"
	"strings"

	"gorm.io/gorm/clause"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/query"
)

// filterExpr compiles one parsed filter into SQL on def's table. Column and table names come
// from the resource descriptions; values are bound parameters.
func (s *Store) filterExpr(def *models.Resource, f query.Filter) (clause.Expr, error) {
	var parts []string
	var args []any
	for _, path := range f.Paths {
		sql, a, err := s.pathExpr(def, path, f.Pred, f.Values)
		if err != nil {
			return clause.Expr{}, err
		}
		parts = append(parts, sql)
		args = append(args, a...)
	}
	return clause.Expr{SQL: "(" + strings.Join(parts, " OR ") + ")", Vars: args}, nil
}

// pathExpr follows the path's to-one hops with IN subqueries, then applies the predicate.
func (s *Store) pathExpr(def *models.Resource, path query.AttrPath, pred query.Predicate, values []any) (string, []any, error) {
	if len(path.Hops) == 0 {
		return predicateSQL(quote(def.Type)+"."+quote(path.Column), path.Kind, pred, values)
	}
	hop := path.Hops[0]
	target := s.reg.Lookup(hop.Type)
	inner, args, err := s.pathExpr(target, query.AttrPath{Hops: path.Hops[1:], Column: path.Column, Kind: path.Kind}, pred, values)
	if err != nil {
		return "", nil, err
	}
	sql := fmt.Sprintf("%s.%s IN (SELECT %s.id FROM %s WHERE %s)", quote(def.Type), quote(hop.FK), quote(target.Type), quote(target.Type), inner)
	return sql, args, nil
}

var comparisons = map[query.Op]string{
	query.OpEq: "=", query.OpNotEq: "!=", query.OpLt: "<", query.OpLtEq: "<=", query.OpGt: ">", query.OpGtEq: ">=",
}

// escapeLike makes a value match itself literally in a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

func likePattern(p query.Pattern, v string) string {
	switch p {
	case query.Prefix:
		return escapeLike(v) + "%"
	case query.Suffix:
		return "%" + escapeLike(v)
	case query.Contains:
		return "%" + escapeLike(v) + "%"
	}
	return v
}

// predicateSQL is the condition for one column. SQLite's LIKE ignores ASCII case, as the
// real service's ILIKE does; = and IN are exact.
func predicateSQL(col string, kind models.Kind, pred query.Predicate, values []any) (string, []any, error) {
	enc := func(v any) any {
		ev, _ := encodeValue(kind, v)
		return ev
	}
	if pred.Quant == query.Flag {
		want := values[0].(bool)
		var yes, no string
		switch pred.Op {
		case query.OpPresent, query.OpBlank:
			yes, no = "(%[1]s IS NOT NULL AND %[1]s != '')", "(%[1]s IS NULL OR %[1]s = '')"
			if pred.Op == query.OpBlank {
				yes, no = no, yes
			}
		case query.OpNull, query.OpNotNull:
			yes, no = "%[1]s IS NULL", "%[1]s IS NOT NULL"
			if pred.Op == query.OpNotNull {
				yes, no = no, yes
			}
		case query.OpTrue:
			yes, no = "%[1]s = 1", "%[1]s != 1"
		case query.OpFalse:
			yes, no = "%[1]s = 0", "%[1]s != 0"
		default:
			return "", nil, fmt.Errorf("store: predicate %s takes no flag", pred.Name)
		}
		if want {
			return fmt.Sprintf(yes, col), nil, nil
		}
		return fmt.Sprintf(no, col), nil, nil
	}
	var one func(v any) (string, any)
	switch pred.Op {
	case query.OpIn, query.OpNotIn:
		marks := make([]string, len(values))
		args := make([]any, len(values))
		for i, v := range values {
			marks[i], args[i] = "?", enc(v)
		}
		op := "IN"
		if pred.Op == query.OpNotIn {
			op = "NOT IN"
		}
		return fmt.Sprintf("%s %s (%s)", col, op, strings.Join(marks, ", ")), args, nil
	case query.OpLike, query.OpNotLike:
		op := "LIKE"
		if pred.Op == query.OpNotLike {
			op = "NOT LIKE"
		}
		one = func(v any) (string, any) {
			return fmt.Sprintf(`%s %s ? ESCAPE '\'`, col, op), likePattern(pred.Pattern, v.(string))
		}
	default:
		cmp, ok := comparisons[pred.Op]
		if !ok {
			return "", nil, fmt.Errorf("store: unknown predicate %s", pred.Name)
		}
		one = func(v any) (string, any) { return col + " " + cmp + " ?", enc(v) }
	}
	join := " OR "
	if pred.Quant == query.All {
		join = " AND "
	}
	parts := make([]string, len(values))
	args := make([]any, len(values))
	for i, v := range values {
		parts[i], args[i] = one(v)
	}
	return "(" + strings.Join(parts, join) + ")", args, nil
}
