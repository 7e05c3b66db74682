package domain

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	_ "time/tzdata" // time zone names are checked the same way on every machine

	"github.com/commercelayer-mock/provmock/apierror"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

var hexColor = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

// validateAttrs applies the validations the descriptions carry (inclusion, format, range,
// uniqueness) to the attributes the write sets, in description order. A blank value of a
// required attribute has been reported as blank, and only as that: "" is as absent as null.
func validateAttrs(ctx context.Context, w *Write) error {
	for i := range w.Def.Attrs {
		a := &w.Def.Attrs[i]
		v, set := w.Rec[a.Name]
		if !set || v == nil || (a.Flags.Has(models.Required) && blank(v)) {
			continue
		}
		if e := checkValue(a, v); e != nil {
			w.Fail(e)
			continue
		}
		if a.Unique {
			taken, err := isTaken(ctx, w, a, v)
			if err != nil {
				return err
			}
			if taken {
				w.Fail(apierror.AttrInvalid(a.Name, "has already been taken", "taken", map[string]any{"value": v}))
			}
		}
	}
	return nil
}

// checkValue checks one value against its attribute's enum, format and range.
func checkValue(a *models.Attr, v any) *apierror.Error {
	if s, ok := v.(string); ok {
		if len(a.Enum) > 0 && !slices.Contains(a.Enum, s) {
			return apierror.AttrInvalid(a.Name, "is not included in the list", "inclusion", map[string]any{"value": s})
		}
		if !validFormat(a.Format, s) {
			return apierror.AttrInvalid(a.Name, "is invalid", "invalid", map[string]any{"value": s})
		}
	}
	if n, ok := v.(int64); ok && a.Range != nil {
		switch {
		case n < a.Range.Min:
			return apierror.AttrInvalid(a.Name, fmt.Sprintf("must be greater than or equal to %d", a.Range.Min),
				"greater_than_or_equal_to", map[string]any{"value": n, "count": a.Range.Min})
		case n > a.Range.Max:
			return apierror.AttrInvalid(a.Name, fmt.Sprintf("must be less than or equal to %d", a.Range.Max),
				"less_than_or_equal_to", map[string]any{"value": n, "count": a.Range.Max})
		}
	}
	return nil
}

func validFormat(f models.Format, s string) bool {
	switch f {
	case models.Email:
		addr, err := mail.ParseAddress(s)
		return err == nil && addr.Address == s && strings.Contains(s[strings.LastIndexByte(s, '@'):], ".")
	case models.URL:
		u, err := url.Parse(s)
		return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
	case models.HexColor:
		return hexColor.MatchString(s)
	case models.TimeZone:
		_, err := time.LoadLocation(s)
		return err == nil && s != "" && s != "Local"
	}
	return true
}

// isTaken reports whether another record already holds the value (within the same
// UniqueWithin column value). Uniqueness is global: it looks past the user's scope.
func isTaken(ctx context.Context, w *Write, a *models.Attr, v any) (bool, error) {
	conds := []store.Cond{{Column: a.Name, Value: v}}
	if a.UniqueWithin != "" {
		conds = append(conds, store.Cond{Column: a.UniqueWithin, Value: w.Value(a.UniqueWithin)})
	}
	others, err := w.Tx.Unscoped().GetManyColumns(ctx, w.Def, nil, a.Name, []string{fmt.Sprint(v)}, conds[1:]...)
	if err != nil {
		return false, err
	}
	for _, o := range others {
		if o.ID() != w.Old.ID() {
			return true, nil
		}
	}
	return false, nil
}

// validateSameOrganization refuses to link records of different organizations: every
// relationship of an organization's record must point inside that organization.
func validateSameOrganization(ctx context.Context, w *Write) error {
	col := w.Def.Tenancy.OrgColumn
	if col == "" || col == "id" {
		return nil
	}
	orgID, _ := w.Value(col).(string)
	if orgID == "" {
		return nil
	}
	reg := w.Tx.Registry()
	for _, rel := range w.Def.Rels {
		if rel.FK == col {
			continue
		}
		var ids []string
		if rel.ToMany {
			ids = w.In.Rels[rel.Name]
		} else if id, set := w.Rec[rel.FK].(string); set {
			ids = []string{id}
		}
		target := reg.Lookup(rel.Type)
		targetCol := target.Tenancy.OrgColumn
		if len(ids) == 0 || targetCol == "" || targetCol == "id" {
			continue
		}
		linked, err := w.Tx.Unscoped().GetManyColumns(ctx, target, []string{targetCol}, "id", ids)
		if err != nil {
			return err
		}
		for _, l := range linked {
			if l.String(targetCol) != orgID {
				w.Fail(apierror.RelInvalid(rel.Name, "must belong to the same organization", "invalid"))
				break
			}
		}
	}
	return nil
}
