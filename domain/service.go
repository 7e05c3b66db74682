package domain

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/commercelayer-mock/provmock/apierror"
	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// Input is a decoded request body: the attributes and relationships it carried.
type Input struct {
	Attrs map[string]any      // present attributes, as their kind's Go value; nil for JSON null
	Rels  map[string][]string // present relationships: the linked ids (none for a null to-one)
}

// Has reports whether the body carried the attribute.
func (in Input) Has(name string) bool { _, ok := in.Attrs[name]; return ok }

// Service applies writes with the real service's rules.
type Service struct {
	st    *store.Store
	reg   *models.Registry
	rules map[string]*Rules
}

// New returns a service writing to st.
func New(st *store.Store) *Service {
	return &Service{st: st, reg: st.Registry(), rules: rulesByType}
}

// Write is one create or update under way, handed to a type's rules.
type Write struct {
	Tx    *store.Store
	Def   *models.Resource
	In    Input
	Actor store.Record // the user making the request
	Old   store.Record // the record before an update; nil on create
	Rec   store.Record // the columns to store: on create all of them, on update the changes
	errs  apierror.List
}

// Fail records a failing validation; the write is refused when any was recorded.
func (w *Write) Fail(e *apierror.Error) { w.errs = append(w.errs, e) }

// Value returns a column as it will be after the write.
func (w *Write) Value(col string) any {
	if v, ok := w.Rec[col]; ok {
		return v
	}
	return w.Old[col]
}

func (w *Write) failed() error {
	if len(w.errs) == 0 {
		return nil
	}
	return w.errs
}

// Create stores a new record of def from in, with the type's rules, and returns it.
func (s *Service) Create(ctx context.Context, def *models.Resource, in Input, actor store.Record) (store.Record, error) {
	var out store.Record
	err := s.st.Tx(ctx, func(tx *store.Store) error {
		w := &Write{Tx: tx, Def: def, In: in, Actor: actor, Rec: store.Record{}}
		for _, a := range def.Attrs {
			if a.Flags.Has(models.Create|models.Required) && (!in.Has(a.Name) || blank(in.Attrs[a.Name])) {
				w.Fail(apierror.AttrInvalid(a.Name, "can't be blank", "blank", nil))
			}
		}
		for _, rel := range def.Rels {
			if rel.Flags.Has(models.Create|models.Required) && len(in.Rels[rel.Name]) == 0 {
				// Absent is "can't be blank", as the SDK's README shows the real service
				// answering; "must exist" is for a linked id that does not.
				w.Fail(apierror.RelInvalid(rel.Name, "can't be blank", "blank"))
			}
		}
		r := s.rules[def.Type]
		if err := s.check(ctx, w, r.hook(func(r *Rules) hook { return r.BeforeCreate })); err != nil {
			return err
		}
		rec, err := tx.Insert(ctx, def, w.Rec)
		if err != nil {
			return err
		}
		if err := s.linkToMany(ctx, tx, def, rec.ID(), in); err != nil {
			return err
		}
		out = rec // the insert read it back; the write rights checked above let the user see it
		if r != nil && r.AfterCreate != nil {
			if err := r.AfterCreate(ctx, w, rec); err != nil {
				return err
			}
			// The rule may have changed it (an organization's totals), or made it visible (its
			// owner membership).
			if out, err = tx.Get(ctx, def, rec.ID()); err != nil {
				return err
			}
		}
		return recordVersion(ctx, tx, def, eventCreate, nil, out, actor)
	})
	return out, err
}

// Update changes the record of def with that id as in says, and returns it.
func (s *Service) Update(ctx context.Context, def *models.Resource, id string, in Input, actor store.Record) (store.Record, error) {
	var out store.Record
	err := s.st.Tx(ctx, func(tx *store.Store) error {
		old, err := tx.Get(ctx, def, id)
		if err != nil {
			return err
		}
		if err := authorize(ctx, tx, def, old); err != nil {
			return err
		}
		w := &Write{Tx: tx, Def: def, In: in, Actor: actor, Old: old, Rec: store.Record{}}
		for _, a := range def.Attrs { // description order, so that several errors come in a stable order
			v, ok := in.Attrs[a.Name]
			if !ok || a.Flags.Has(models.Trigger) {
				continue
			}
			if (v == nil && !a.Flags.Has(models.Nullable)) || (a.Flags.Has(models.Required) && blank(v)) {
				w.Fail(apierror.AttrInvalid(a.Name, "can't be blank", "blank", nil))
			}
		}
		for _, rel := range def.Rels { // a required link cannot be cleared either
			if ids, ok := in.Rels[rel.Name]; ok && !rel.ToMany && rel.Flags.Has(models.Required) && len(ids) == 0 {
				w.Fail(apierror.RelInvalid(rel.Name, "can't be blank", "blank"))
			}
		}
		r := s.rules[def.Type]
		if err := s.check(ctx, w, r.hook(func(r *Rules) hook { return r.BeforeUpdate })); err != nil {
			return err
		}
		if _, err := tx.Update(ctx, def, id, w.Rec); err != nil {
			return err
		}
		if err := s.linkToMany(ctx, tx, def, id, in); err != nil {
			return err
		}
		out, err = tx.Get(ctx, def, id)
		if err != nil {
			return err
		}
		if err := recordVersion(ctx, tx, def, eventUpdate, old, out, actor); err != nil {
			return err
		}
		if r != nil && r.AfterUpdate != nil {
			if err := r.AfterUpdate(ctx, w, out); err != nil {
				return err
			}
			out, err = tx.Get(ctx, def, id)
		}
		return err
	})
	return out, err
}

// hook is a type's rule run before a create or an update.
type hook = func(ctx context.Context, w *Write) error

// hook returns the rule pick chooses, or nil for a type without rules.
func (r *Rules) hook(pick func(*Rules) hook) hook {
	if r == nil {
		return nil
	}
	return pick(r)
}

// check runs what a create and an update share after their blank checks: the linked
// records, the type's rule, on create the write rights the new record needs (an update's
// were checked on the record as it was), and the validations the descriptions declare.
// Any failing rule refuses the write.
func (s *Service) check(ctx context.Context, w *Write, before hook) error {
	if err := s.collect(ctx, w); err != nil {
		return err
	}
	if before != nil {
		if err := before(ctx, w); err != nil {
			return err
		}
	}
	if w.Old == nil {
		// After the rule: it may derive the organization (a permission's, from its role).
		if err := authorize(ctx, w.Tx, w.Def, w.Rec); err != nil {
			return err
		}
	}
	if err := validate(ctx, w); err != nil {
		return err
	}
	return w.failed()
}

// validate applies the checks every type shares, driven by the descriptions.
func validate(ctx context.Context, w *Write) error {
	if err := validateAttrs(ctx, w); err != nil {
		return err
	}
	return validateSameOrganization(ctx, w)
}

// collect copies the stored attributes of the input into the record and resolves its
// relationships, failing "must exist" for linked ids that do not.
func (s *Service) collect(ctx context.Context, w *Write) error {
	for name, v := range w.In.Attrs {
		if a := w.Def.Attr(name); a != nil && a.Stored() {
			w.Rec[name] = v
		}
	}
	for _, rel := range w.Def.Rels {
		ids, ok := w.In.Rels[rel.Name]
		if !ok {
			continue
		}
		target := s.reg.Lookup(rel.Type)
		found, err := w.Tx.GetManyColumns(ctx, target, nil, "id", ids) // whether they exist: ids only
		if err != nil {
			return err
		}
		if len(found) != len(unique(ids)) {
			w.Fail(apierror.RelInvalid(rel.Name, "must exist", "blank"))
			continue
		}
		if !rel.ToMany {
			if len(ids) == 0 {
				w.Rec[rel.FK] = nil
			} else {
				w.Rec[rel.FK] = ids[0]
			}
		}
	}
	return nil
}

// blank reports what ActiveRecord's presence validation calls blank: nil, or a string of
// nothing but white space.
func blank(v any) bool {
	if v == nil {
		return true
	}
	s, ok := v.(string)
	return ok && strings.TrimSpace(s) == ""
}

func unique(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// linkToMany points the records named by the input's to-many relationships at the record.
// Records that pointed at it before and are no longer named keep their link: the real
// service's to-many relationships of this API are additive.
func (s *Service) linkToMany(ctx context.Context, tx *store.Store, def *models.Resource, id string, in Input) error {
	for _, rel := range def.Rels {
		ids, ok := in.Rels[rel.Name]
		if !ok || !rel.ToMany {
			continue
		}
		if err := tx.SetColumn(ctx, s.reg.Lookup(rel.Type), ids, rel.FK, id); err != nil {
			return err
		}
	}
	return nil
}

// Delete removes the record of def with that id, unless other records depend on it.
func (s *Service) Delete(ctx context.Context, def *models.Resource, id string, actor store.Record) error {
	return s.st.Tx(ctx, func(tx *store.Store) error {
		rec, err := tx.Get(ctx, def, id)
		if err != nil {
			return err
		}
		if err := authorize(ctx, tx, def, rec); err != nil {
			return err
		}
		if r := s.rules[def.Type]; r != nil && r.BeforeDelete != nil {
			if err := r.BeforeDelete(ctx, tx, rec, actor); err != nil {
				return err
			}
		}
		if err := s.checkDependents(ctx, tx, def, id); err != nil {
			return err
		}
		if err := tx.Delete(ctx, def, id); err != nil {
			return err
		}
		if r := s.rules[def.Type]; r != nil && r.AfterDelete != nil {
			if err := r.AfterDelete(ctx, tx, rec, actor); err != nil {
				return err
			}
		}
		return recordVersion(ctx, tx, def, eventDestroy, rec, nil, actor)
	})
}

// checkDependents refuses a delete while records of another type point at the record.
func (s *Service) checkDependents(ctx context.Context, tx *store.Store, def *models.Resource, id string) error {
	for _, other := range s.reg.All() {
		for _, rel := range other.Rels {
			if rel.ToMany || rel.Type != def.Type {
				continue
			}
			n, err := tx.Count(ctx, other, store.Cond{Column: rel.FK, Value: id})
			if err != nil {
				return err
			}
			if n > 0 {
				return apierror.Locked(dependentName(def, other))
			}
		}
	}
	return nil
}

// dependentName is the name the real service gives dependents: the deleted type's
// relationship to them when it has one, else their type.
func dependentName(def, other *models.Resource) string {
	for _, rel := range def.Rels {
		if rel.ToMany && rel.Type == other.Type {
			return rel.Name
		}
	}
	return other.Type
}

// ErrUnknownAction is returned for an action no rule implements.
var ErrUnknownAction = errors.New("domain: unknown action")

// Action runs the custom action name on the record of def with that id.
func (s *Service) Action(ctx context.Context, def *models.Resource, id, name string, in Input, actor store.Record) error {
	r := s.rules[def.Type]
	if r == nil || r.Actions[name] == nil {
		return fmt.Errorf("%w: %s/%s", ErrUnknownAction, def.Type, name)
	}
	return s.st.Tx(ctx, func(tx *store.Store) error {
		rec, err := tx.Get(ctx, def, id)
		if err != nil {
			return err
		}
		if err := authorize(ctx, tx, def, rec); err != nil {
			return err
		}
		// The action's required parameters, blank as on a create ("" too).
		var errs apierror.List
		for _, act := range def.Actions {
			if act.Name != name {
				continue
			}
			for _, a := range act.Attrs {
				if a.Flags.Has(models.Required) && blank(in.Attrs[a.Name]) {
					errs = append(errs, apierror.AttrInvalid(a.Name, "can't be blank", "blank", nil))
				}
			}
		}
		if len(errs) > 0 {
			return errs
		}
		return r.Actions[name](ctx, tx, rec, in, actor)
	})
}
