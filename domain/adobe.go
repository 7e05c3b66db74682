package domain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// The Destination SDK's credential rules (SPEC-ADOBE.md "Writes"): which auth objects a body
// carries, the type they give it, their required fields, and PUT as whole replacement.

// AdobeScope is the Adobe family's tenancy: the records of one IMS org's sandbox.
func AdobeScope(clientID, org, sandbox string) *store.Scope {
	allowed := store.Allowed{models.IMSOrgDimension: {org}, models.SandboxDimension: {sandbox}}
	return &store.Scope{Actor: clientID, Allowed: func(context.Context, *store.Store) (store.Allowed, error) {
		return allowed, nil
	}}
}

// CredentialViolations is a body the credential rules refuse: one sentence per violation,
// as a 400's report.errors lists them.
type CredentialViolations []string

func (v CredentialViolations) Error() string {
	return fmt.Sprintf("invalid credential: %v", []string(v))
}

// ErrNotOneObject is the sentence of a body that is not one JSON object.
const ErrNotOneObject = "the body must be one JSON object"

// CredentialFields checks a write body's members and returns the columns a credential gets
// from it: type, name and every auth object, nil when the body leaves it out, so that an
// update with them replaces the whole credential. Unknown members and fields are dropped;
// instanceId and the dates are ignored.
func CredentialFields(body map[string]json.RawMessage) (store.Record, error) {
	rec := store.Record{"type": nil, "name": nil}
	var errs CredentialViolations
	var derived string
	for _, o := range models.AuthObjects {
		rec[o.Member] = nil
		raw, ok := body[o.Member]
		if !ok || isNull(raw) {
			continue
		}
		obj, problems := authObject(o, raw)
		errs = append(errs, problems...)
		rec[o.Member] = obj
		if derived == "" {
			derived = o.Type
		}
	}
	if raw, ok := body["name"]; ok && !isNull(raw) {
		var name string
		if json.Unmarshal(raw, &name) != nil {
			errs = append(errs, "name must be a string")
		} else {
			rec["name"] = name
		}
	}
	typ := derived
	if raw, ok := body["type"]; ok && !isNull(raw) {
		if json.Unmarshal(raw, &typ) != nil {
			errs = append([]string{"type must be a string"}, errs...)
			typ = derived
		} else if typ != models.NoAuthType {
			switch o := models.AuthObjectOfType(typ); {
			case o == nil:
				errs = append([]string{fmt.Sprintf("type %s is not supported", typ)}, errs...)
			case rec[o.Member] == nil:
				errs = append([]string{fmt.Sprintf("type %s needs %s", typ, o.Member)}, errs...)
			}
		}
	}
	if typ == "" {
		errs = append([]string{"an auth object is required"}, errs...)
	}
	if len(errs) > 0 {
		return nil, errs
	}
	rec["type"] = typ
	return rec, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// authObject keeps an auth object's known fields, in the table's order, and names what is
// wrong with it.
func authObject(o models.AuthObject, raw json.RawMessage) (json.RawMessage, []string) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil || fields == nil {
		return nil, []string{o.Member + " must be an object"}
	}
	var errs []string
	var out bytes.Buffer
	out.WriteByte('{')
	for _, f := range o.Fields {
		v, ok := fields[f]
		if !ok || isNull(v) {
			continue
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			errs = append(errs, o.Member+"."+f+" must be a string")
			continue
		}
		if out.Len() > 1 {
			out.WriteByte(',')
		}
		k, _ := json.Marshal(f)
		val, _ := json.Marshal(s)
		out.Write(k)
		out.WriteByte(':')
		out.Write(val)
	}
	out.WriteByte('}')
	for _, f := range o.Required {
		v, ok := fields[f]
		var s string
		isString := ok && json.Unmarshal(v, &s) == nil
		if !ok || isNull(v) || isString && s == "" {
			errs = append(errs, o.Member+"."+f+" is required")
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return json.RawMessage(out.Bytes()), nil
}

// CreateCredential stores a new credential in the scope's org and sandbox: a UUID, equal
// dates. st is scoped; fields are CredentialFields' answer.
func CreateCredential(ctx context.Context, st *store.Store, def *models.Resource, org, sandbox string, fields store.Record) (store.Record, error) {
	rec := store.Record{"id": def.Family.NewID(), "ims_org": org, "sandbox_name": sandbox}
	for k, v := range fields {
		if v != nil {
			rec[k] = v
		}
	}
	now := st.NowTextFor(def)
	rec["created_at"], rec["updated_at"] = now, now
	return st.Insert(ctx, def, rec)
}

// ReplaceCredential replaces the whole of a credential the scoped store sees, moving only
// lastModifiedDate; an id it does not see is store.ErrNotFound, never a create.
func ReplaceCredential(ctx context.Context, st *store.Store, def *models.Resource, id string, fields store.Record) (store.Record, error) {
	changes := store.Record{"updated_at": st.NowTextFor(def)}
	for k, v := range fields {
		changes[k] = v
	}
	return st.Update(ctx, def, id, changes)
}

// DeleteCredential deletes a credential the scoped store sees.
func DeleteCredential(ctx context.Context, st *store.Store, def *models.Resource, id string) error {
	return st.Delete(ctx, def, id)
}

// ErrBadIMSClient and ErrBadIMSSecret are the two ways client credentials fail at the IMS
// token endpoint.
var (
	ErrBadIMSClient = errors.New("unknown IMS client")
	ErrBadIMSSecret = errors.New("wrong IMS client secret")
)

// IntegrationByCredentials returns the Adobe integration with that client id and secret.
func IntegrationByCredentials(ctx context.Context, st *store.Store, clientID, secret string) (store.Record, error) {
	if clientID == "" {
		return nil, ErrBadIMSClient
	}
	recs, err := st.Unscoped().GetMany(ctx, st.Registry().Lookup("adobe_integrations"), "client_id", []string{clientID})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, ErrBadIMSClient
	}
	if recs[0].String("client_secret") != secret || secret == "" {
		return nil, ErrBadIMSSecret
	}
	return recs[0], nil
}
