package models

import (
	"fmt"
	"sort"
	"strings"
)

// Kind is the JSON type of an attribute, which also decides how it is stored and how
// filter values are read.
type Kind int

const (
	String  Kind = iota
	Integer      // stored as INTEGER, compared as a number
	Number       // stored as REAL
	Boolean      // stored as INTEGER 0/1
	Object       // a JSON object, stored as its text
	Time         // a timestamp, stored as canonical "2006-01-02T15:04:05.000Z" text so that text order is time order
)

func (k Kind) String() string {
	switch k {
	case String:
		return "string"
	case Integer:
		return "integer"
	case Number:
		return "number"
	case Boolean:
		return "boolean"
	case Object:
		return "object"
	case Time:
		return "time"
	}
	return fmt.Sprintf("kind(%d)", int(k))
}

// Flag says what a request may do with an attribute or relationship.
type Flag uint32

const (
	Create     Flag = 1 << iota // accepted in a create body
	Update                      // accepted in an update body
	Required                    // must be present (and not null) on create
	Nullable                    // may be set to null
	Sortable                    // allowed in sort=
	Filterable                  // allowed in filter[q][...]; on a to-many relationship, filters may go through it
	Indexed                     // gets an index: lists are often filtered or sorted by it
	Trigger                     // write-only switch (_disable): accepted in bodies, never stored or rendered
	Hidden                      // stored and loadable from fixtures, never rendered or accepted in bodies
	Derived                     // with Hidden: derived from other attributes when loaded, so never written in a dataset
	// Searched: lists often filter it by prefix or substring (start, cont): it gets the
	// indexes that serve those (a case-insensitive one, and a trigram one where the engine has it).
	Searched
)

// Has reports whether all of the given flags are set.
func (f Flag) Has(g Flag) bool { return f&g == g }

// Format is a shape a string attribute's value must have.
type Format int

const (
	AnyText  Format = iota
	Email           // an email address
	URL             // an absolute http or https URL
	HexColor        // "#" and six hexadecimal digits
	TimeZone        // an IANA time zone name
)

// Range bounds an integer attribute, both ends included.
type Range struct{ Min, Max int64 }

// Attr describes one attribute of a resource type, with the validations the real service
// applies to it.
type Attr struct {
	Name    string
	Kind    Kind
	Flags   Flag
	Default any // stored when a create leaves the attribute out; nil means NULL

	Enum   []string // the values allowed ("inclusion")
	Format Format   // the shape a string must have ("invalid")
	Range  *Range   // the bounds of an integer ("greater_than_or_equal_to", ...)
	// Unique makes the value unique ("taken") among all records, or among those sharing
	// the UniqueWithin column (a membership's email within its organization).
	Unique       bool
	UniqueWithin string
	// IndexWithin, on an Indexed attribute, makes its index one on that column (a tenancy
	// column every scoped list carries) then the attribute, which also serves everything an
	// index of the column alone would, so the type has none. A new organization's records
	// then sit together in it instead of one per value across the whole index: an
	// organization's set-up writes a permission on every subject, and an index of the subject
	// alone took each of them to another page of it.
	IndexWithin string
}

// Stored reports whether the attribute has a column.
func (a *Attr) Stored() bool { return !a.Flags.Has(Trigger) }

// Rendered reports whether the attribute appears in documents.
func (a *Attr) Rendered() bool { return !a.Flags.Has(Trigger) && !a.Flags.Has(Hidden) }

// Rel describes one relationship of a resource type.
type Rel struct {
	Name   string
	Type   string // the related resource type
	ToMany bool
	// FK is, for a to-one relationship, the column on this type's table holding the related id;
	// for a to-many relationship, the column on the related table pointing back at this type.
	FK string
	// TypeColumn, for a polymorphic to-many relationship (versions), is the column on the
	// related table that holds this type's name beside FK.
	TypeColumn string
	Flags      Flag
}

// Op is an operation a resource type offers.
type Op uint8

const (
	OpList Op = 1 << iota
	OpCreate
	OpRetrieve
	OpUpdate
	OpDelete
)

// Action is a custom operation on one resource (POST /memberships/{id}/resend).
type Action struct {
	Name   string
	Method string
	Attrs  []Attr // the attributes its body accepts
}

// Tenancy says whose a record is, which decides who may see it: records inside an
// organization belong to its members, identity providers to the user who made them, and a
// version to whoever may see the record it is about.
type Tenancy struct {
	OrgColumn  string // column holding the organization id ("id" for organizations)
	UserColumn string // column holding the owning user's id ("id" for users)
	// Dimensions are the tenancy columns of another family (the Adobe family's IMS org and
	// sandbox), after the Provisioning API's.
	Dimensions []TenancyColumn
	// AboutPrefix names the {prefix}_type/{prefix}_id columns of a row about another
	// record (versions: resource_type, resource_id); such a row belongs to that record's
	// organization, which a dataset may leave for the loader to derive.
	AboutPrefix string
}

// The tenancy dimensions of the Provisioning API: a record is in an organization, or owned by
// a user. Another API family declares its own (an IMS org and a sandbox, say).
const (
	OrgDimension  = "organization"
	UserDimension = "user"
)

// TenancyColumn is one dimension of a type's tenancy and the column that holds its value.
type TenancyColumn struct {
	Dimension string
	Column    string
}

// Columns returns the dimensions a type's records are in, each with the column holding its
// value: a record is seen through a scoped store only when every one of them holds a value
// the scope allows. None: the type is seen by nobody through a scoped store.
func (t Tenancy) Columns() []TenancyColumn {
	var out []TenancyColumn
	if t.OrgColumn != "" {
		out = append(out, TenancyColumn{OrgDimension, t.OrgColumn})
	}
	if t.UserColumn != "" {
		out = append(out, TenancyColumn{UserDimension, t.UserColumn})
	}
	return append(out, t.Dimensions...)
}

// Family is what the resource types of one API family share.
type Family struct {
	Name   string // "provisioning", "adobe"
	Prefix string // the path its types are served under
	// TimeFormat is how its Time values are written, so that text order is time order;
	// Precision is what they keep of a time, in nanoseconds.
	TimeFormat string
	Precision  int64
	// NewID makes the id of a new record; nil is the store's generator.
	NewID func() string
	// CommonAttrs are added to every type of the family.
	CommonAttrs []Attr
}

// ProvisioningFamily is the Provisioning API's: millisecond times, the store's ids and the
// attributes every JSON:API type of the API has.
var ProvisioningFamily = &Family{
	Name:        "provisioning",
	Prefix:      "/api",
	TimeFormat:  "2006-01-02T15:04:05.000Z",
	Precision:   1e6,
	CommonAttrs: commonAttrs,
}

// Resource describes one resource type.
type Resource struct {
	// Family is the API family the type belongs to; nil is the Provisioning API.
	Family *Family
	Type   string // JSON:API type and table name
	// Path is the URL segment under /api: the type, except for the user singleton.
	Path      string
	Singleton bool // served at /api/{Path} without an id (the token's own user)
	Ops       Op
	Attrs     []Attr
	Rels      []Rel
	Actions   []Action
	Tenancy   Tenancy
	// Versioned types get a version (an audit record) for every create, update and delete.
	Versioned bool

	attrs map[string]*Attr
	rels  map[string]*Rel
}

// Offers reports whether the type offers the operation.
func (r *Resource) Offers(op Op) bool { return r.Ops&op != 0 }

// Attr returns the attribute with that name, rendered or hidden, or nil.
func (r *Resource) Attr(name string) *Attr { return r.attrs[name] }

// Rel returns the relationship with that name, or nil.
func (r *Resource) Rel(name string) *Rel { return r.rels[name] }

// IsField reports whether name is a field of the type in the sense of sparse fieldsets:
// a rendered attribute, a relationship, or the id.
func (r *Resource) IsField(name string) bool {
	if name == "id" {
		return true
	}
	if a := r.attrs[name]; a != nil && a.Rendered() {
		return true
	}
	return r.rels[name] != nil
}

// Of returns the types of one family, in the order of All.
func (g *Registry) Of(f *Family) []*Resource {
	var out []*Resource
	for _, d := range g.all {
		if d.Family == f {
			out = append(out, d)
		}
	}
	return out
}

// Registry holds every resource type by name.
type Registry struct {
	byType map[string]*Resource
	all    []*Resource
}

// Lookup returns the resource type with that JSON:API type name, or nil.
func (g *Registry) Lookup(typ string) *Resource { return g.byType[typ] }

// All returns the resource types in a dependency order: a type comes after every type
// its to-one relationships point to, so that rows can be inserted and tables created in it.
func (g *Registry) All() []*Resource { return g.all }

// commonAttrs exist on every type of the Provisioning API.
var commonAttrs = []Attr{
	{Name: "created_at", Kind: Time, Flags: Sortable | Filterable | Indexed},
	{Name: "updated_at", Kind: Time, Flags: Sortable | Filterable},
	{Name: "reference", Kind: String, Flags: Create | Update | Nullable | Sortable | Filterable | Indexed},
	{Name: "reference_origin", Kind: String, Flags: Create | Update | Nullable | Sortable | Filterable},
	{Name: "metadata", Kind: Object, Flags: Create | Update | Nullable | Filterable},
}

// NewRegistry indexes the given descriptions, adds the attributes every type shares, and
// checks that relationships point at known types.
func NewRegistry(defs []*Resource) (*Registry, error) {
	g := &Registry{byType: map[string]*Resource{}}
	for _, d := range defs {
		if g.byType[d.Type] != nil {
			return nil, fmt.Errorf("models: type %s described twice", d.Type)
		}
		if d.Path == "" {
			d.Path = d.Type
		}
		if d.Family == nil {
			d.Family = ProvisioningFamily
		}
		d.Attrs = append(d.Attrs, d.Family.CommonAttrs...)
		d.attrs = map[string]*Attr{}
		d.rels = map[string]*Rel{}
		for i := range d.Attrs {
			a := &d.Attrs[i]
			if d.attrs[a.Name] != nil || a.Name == "id" {
				return nil, fmt.Errorf("models: %s.%s described twice", d.Type, a.Name)
			}
			d.attrs[a.Name] = a
		}
		for _, a := range d.Attrs {
			if a.IndexWithin != "" && (!a.Flags.Has(Indexed) || !a.Stored() || !d.hasColumn(a.IndexWithin)) {
				return nil, fmt.Errorf("models: %s.%s is indexed within %q, which is not one of its stored columns (or it is not Indexed)", d.Type, a.Name, a.IndexWithin)
			}
		}
		for i := range d.Rels {
			rel := &d.Rels[i]
			if d.rels[rel.Name] != nil || d.attrs[rel.Name] != nil {
				return nil, fmt.Errorf("models: %s.%s described twice", d.Type, rel.Name)
			}
			d.rels[rel.Name] = rel
		}
		g.byType[d.Type] = d
	}
	for _, d := range defs {
		for _, rel := range d.Rels {
			if g.byType[rel.Type] == nil {
				return nil, fmt.Errorf("models: %s.%s points at unknown type %s", d.Type, rel.Name, rel.Type)
			}
		}
	}
	order, err := dependencyOrder(g.byType)
	if err != nil {
		return nil, err
	}
	g.all = order
	return g, nil
}

// hasColumn reports whether d stores col: a stored attribute or a to-one relationship's key.
func (d *Resource) hasColumn(col string) bool {
	if a := d.attrs[col]; a != nil {
		return a.Stored()
	}
	for _, rel := range d.Rels {
		if !rel.ToMany && rel.FK == col {
			return true
		}
	}
	return false
}

func dependencyOrder(byType map[string]*Resource) ([]*Resource, error) {
	names := make([]string, 0, len(byType))
	for n := range byType {
		names = append(names, n)
	}
	sort.Strings(names)
	var order []*Resource
	state := map[string]int{} // 1 visiting, 2 done
	var visit func(n string, path []string) error
	visit = func(n string, path []string) error {
		switch state[n] {
		case 1:
			return fmt.Errorf("models: to-one relationships form a cycle: %s", strings.Join(append(path, n), " -> "))
		case 2:
			return nil
		}
		state[n] = 1
		for _, rel := range byType[n].Rels {
			if !rel.ToMany && rel.Type != n {
				if err := visit(rel.Type, append(path, n)); err != nil {
					return err
				}
			}
		}
		state[n] = 2
		order = append(order, byType[n])
		return nil
	}
	for _, n := range names {
		if err := visit(n, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

// Columns returns the names of the stored attribute and foreign-key columns, in a fixed order.
func (r *Resource) Columns() []string {
	cols := []string{"id"}
	for _, a := range r.Attrs {
		if a.Stored() {
			cols = append(cols, a.Name)
		}
	}
	for _, rel := range r.Rels {
		if !rel.ToMany {
			cols = append(cols, rel.FK)
		}
	}
	return cols
}
