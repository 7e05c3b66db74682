package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/apierror"
	"github.com/commercelayer-mock/provmock/domain"
	"github.com/commercelayer-mock/provmock/models"
)

// readBody reads a request body as a JSON object, refusing bodies over the limit, text that
// is not JSON, and JSON that is not an object. It is the "body JSON" step of the real
// service's checks, which comes before the query parameters are looked at.
func (a *api) readBody(c echo.Context) (map[string]json.RawMessage, error) {
	r := c.Request()
	body, err := io.ReadAll(http.MaxBytesReader(c.Response(), r.Body, a.cfg.MaxBody))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return nil, apierror.PayloadTooLarge(a.cfg.MaxBody)
		}
		return nil, apierror.BadRequest(err.Error())
	}
	return parseObject(body)
}

func parseObject(body []byte) (map[string]json.RawMessage, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		return map[string]json.RawMessage{}, nil // no body: "data" is missing, reported after the query checks
	}
	if err := checkJSON(trimmed); err != nil {
		return nil, apierror.BadRequest(err.Error())
	}
	if trimmed[0] != '{' {
		return nil, apierror.BadRequest("Request must be a hash")
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &doc); err != nil {
		return nil, apierror.BadRequest(err.Error())
	}
	return doc, nil
}

// maxDepth bounds nesting so that a hostile body is refused before it is walked.
const maxDepth = 64

// checkJSON validates syntax, UTF-8 and nesting depth in one streaming pass.
func checkJSON(b []byte) error {
	if !utf8.Valid(b) {
		return errors.New("the request body is not valid UTF-8")
	}
	if !json.Valid(b) {
		var v any
		err := json.Unmarshal(b, &v)
		if err == nil {
			err = errors.New("invalid JSON")
		}
		return err
	}
	depth := 0
	inString, escaped := false, false
	for _, ch := range b {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case ch == '\\':
				escaped = true
			case ch == '"':
				inString = false
			}
		case ch == '"':
			inString = true
		case ch == '{' || ch == '[':
			depth++
			if depth > maxDepth {
				return errors.New("JSON nesting too deep")
			}
		case ch == '}' || ch == ']':
			depth--
		}
	}
	return nil
}

// writeMode says which flag of the description admits an attribute or relationship.
type writeMode struct {
	flag      models.Flag
	requireID bool          // PATCH: data.id is required (KEY_ORDER_MISMATCH)
	forbidID  bool          // POST: data.id is not allowed
	urlID     string        // PATCH: the id in the URL, which data.id must equal
	attrs     []models.Attr // overrides the type's attributes (actions)
}

// decodeInput checks the members of a body against the description and returns its
// attributes and relationships; 400s first (in the order the real service checks), then
// every failing attribute value as one 422 list.
func (a *api) decodeInput(def *models.Resource, doc map[string]json.RawMessage, mode writeMode) (domain.Input, error) {
	in := domain.Input{Attrs: map[string]any{}, Rels: map[string][]string{}}
	rawData, ok := doc["data"]
	if !ok {
		return in, apierror.ParamMissing("data")
	}
	var data map[string]json.RawMessage
	if err := json.Unmarshal(rawData, &data); err != nil || data == nil {
		return in, apierror.InvalidDataFormat()
	}
	rawType, ok := data["type"]
	if !ok {
		return in, apierror.ParamMissing("type")
	}
	var typ string
	if err := json.Unmarshal(rawType, &typ); err != nil || typ != def.Type {
		return in, apierror.InvalidResource(rawText(rawType, typ))
	}
	rawID, hasID := data["id"]
	var id string
	if hasID {
		if err := json.Unmarshal(rawID, &id); err != nil {
			id = string(rawID)
		}
	}
	switch {
	case mode.forbidID && hasID:
		return in, apierror.ParamNotAllowed("id")
	case mode.requireID && !hasID:
		return in, apierror.KeyOrderMismatch()
	case hasID && mode.urlID != "" && id != mode.urlID:
		return in, apierror.KeyNotIncludedInURL(id)
	}
	for _, k := range sortedKeys(data) {
		switch k {
		case "type", "id", "attributes", "relationships", "links", "meta":
		default:
			return in, apierror.ParamNotAllowed(k)
		}
	}
	attrs := def.Attrs
	if mode.attrs != nil {
		attrs = mode.attrs
	}
	var invalid apierror.List
	if raw, ok := data["attributes"]; ok {
		var members map[string]json.RawMessage
		if err := json.Unmarshal(raw, &members); err != nil {
			return in, apierror.InvalidDataFormat()
		}
		for _, k := range sortedKeys(members) {
			attr := findAttr(attrs, k)
			if attr == nil || !attr.Flags.Has(mode.flag) || attr.Flags.Has(models.Hidden) {
				return in, apierror.ParamNotAllowed(k)
			}
			v, verr := readAttr(attr, members[k])
			if verr != nil {
				invalid = append(invalid, verr)
				continue
			}
			in.Attrs[k] = v
		}
	}
	if raw, ok := data["relationships"]; ok {
		var members map[string]json.RawMessage
		if err := json.Unmarshal(raw, &members); err != nil {
			return in, apierror.InvalidLinksObject()
		}
		for _, k := range sortedKeys(members) {
			rel := def.Rel(k)
			if rel == nil || !rel.Flags.Has(mode.flag) || mode.attrs != nil {
				return in, apierror.ParamNotAllowed(k)
			}
			ids, err := readLinkage(rel, members[k])
			if err != nil {
				return in, err
			}
			in.Rels[k] = ids
		}
	}
	if len(invalid) > 0 {
		return in, invalid
	}
	return in, nil
}

func findAttr(attrs []models.Attr, name string) *models.Attr {
	for i := range attrs {
		if attrs[i].Name == name {
			return &attrs[i]
		}
	}
	return nil
}

func rawText(raw json.RawMessage, s string) string {
	if s != "" {
		return s
	}
	return string(raw)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// readAttr reads an attribute value as its kind, as ActiveRecord would accept it.
func readAttr(attr *models.Attr, raw json.RawMessage) (any, *apierror.Error) {
	if string(raw) == "null" {
		return nil, nil
	}
	invalid := apierror.AttrInvalid(attr.Name, "is invalid", "invalid", nil)
	switch attr.Kind {
	case models.String:
		var s string
		// No text holds a NUL character (PostgreSQL stores none), whatever the database.
		if json.Unmarshal(raw, &s) != nil || strings.IndexByte(s, 0) >= 0 {
			return nil, invalid
		}
		return s, nil
	case models.Boolean:
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return nil, invalid
		}
		return b, nil
	case models.Integer, models.Number:
		var f float64
		if json.Unmarshal(raw, &f) != nil {
			return nil, apierror.AttrInvalid(attr.Name, "is not a number", "not_a_number", nil)
		}
		if attr.Kind == models.Number {
			return f, nil
		}
		if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
			return nil, apierror.AttrInvalid(attr.Name, "must be an integer", "not_an_integer", nil)
		}
		return int64(f), nil
	case models.Object:
		if raw[0] != '{' {
			return nil, invalid
		}
		var buf bytes.Buffer
		if json.Compact(&buf, raw) != nil || jsonHoldsNUL(raw) {
			return nil, invalid
		}
		return json.RawMessage(buf.Bytes()), nil
	}
	return nil, invalid
}

// identifier is a resource identifier object in relationship linkage.
type identifier struct {
	Type string `json:"type"`
	ID   string `json:"id"`
}

// readLinkage reads {"data": {...}} (to-one, or null) or {"data": [...]} (to-many).
func readLinkage(rel *models.Rel, raw json.RawMessage) ([]string, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, apierror.InvalidLinksObject()
	}
	data, ok := obj["data"]
	if !ok {
		return nil, apierror.InvalidLinksObject()
	}
	if string(data) == "null" {
		if rel.ToMany {
			return nil, apierror.InvalidLinksObject()
		}
		return []string{}, nil
	}
	var items []json.RawMessage
	if rel.ToMany {
		if err := json.Unmarshal(data, &items); err != nil {
			return nil, apierror.InvalidLinksObject()
		}
	} else {
		items = []json.RawMessage{data}
	}
	ids := make([]string, 0, len(items))
	for _, item := range items {
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(item, &fields); err != nil || fields == nil {
			return nil, apierror.InvalidLinksObject()
		}
		var ident identifier
		if json.Unmarshal(fields["type"], &ident.Type) != nil || json.Unmarshal(fields["id"], &ident.ID) != nil ||
			ident.Type == "" || ident.ID == "" {
			return nil, apierror.InvalidLinksObject()
		}
		if ident.Type != rel.Type {
			return nil, apierror.TypeMismatch(ident.Type)
		}
		ids = append(ids, ident.ID)
	}
	return ids, nil
}

// jsonHoldsNUL reports whether a key or a string of the JSON value holds a NUL character.
func jsonHoldsNUL(raw json.RawMessage) bool {
	if !bytes.Contains(raw, []byte(`\u0000`)) {
		return false // a NUL is always escaped in JSON text
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return false
	}
	var holds func(v any) bool
	holds = func(v any) bool {
		switch v := v.(type) {
		case string:
			return strings.IndexByte(v, 0) >= 0
		case []any:
			return slices.ContainsFunc(v, holds)
		case map[string]any:
			for k, e := range v {
				if strings.IndexByte(k, 0) >= 0 || holds(e) {
					return true
				}
			}
		}
		return false
	}
	return holds(v)
}
