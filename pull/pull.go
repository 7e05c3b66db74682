package pull

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/commercelayer-mock/provmock/models"
	"github.com/commercelayer-mock/provmock/store"
)

// PageSize is the largest page the API serves, so the fewest requests.
const PageSize = 25

// Options say where to pull from and as whom.
type Options struct {
	BaseURL      string // the API's base: {BaseURL}/api/...
	AuthURL      string // the token endpoint's base: {AuthURL}/oauth/token
	ClientID     string
	ClientSecret string
	// Progress gets a line per type pulled and a line per note; nil discards them.
	Progress io.Writer
	// Client makes the requests; nil is a client with a one-minute timeout.
	Client *http.Client
	// Wait waits out a 429's Retry-After; nil sleeps (unless ctx ends first).
	Wait func(ctx context.Context, d time.Duration) error
}

// Result is what a pull read: the records by type, as the fixtures writer takes them, and
// the email of the user it signed in as.
type Result struct {
	Records store.Snapshot
	Email   string
}

// maxRetries bounds how often one request is repeated after a 429.
const maxRetries = 5

// puller holds one pull's token and notes.
type puller struct {
	opts  Options
	reg   *models.Registry
	token string
}

// Pull signs in with the client credentials and reads every record the user can see: the
// user singleton, then every type with a list endpoint, page by page, in the registry's
// dependency order, each list including its to-one relationships so that the foreign keys
// are known. Attributes the API does not render (the user's credentials, a membership's
// account) are not in its documents and so not in the result, except the user's client
// credentials, which are the ones given, so that the dataset signs in the same way.
func Pull(ctx context.Context, reg *models.Registry, opts Options) (*Result, error) {
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: time.Minute}
	}
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.Wait == nil {
		opts.Wait = sleep
	}
	opts.BaseURL = strings.TrimRight(opts.BaseURL, "/")
	opts.AuthURL = strings.TrimRight(opts.AuthURL, "/")
	p := &puller{opts: opts, reg: reg}
	if err := p.signIn(ctx); err != nil {
		return nil, err
	}
	out := &Result{Records: store.Snapshot{}}
	for _, def := range reg.All() {
		var recs []store.Record
		var err error
		switch {
		case def.Singleton:
			var rec store.Record
			rec, err = p.singleton(ctx, def)
			if rec != nil {
				rec["client_id"], rec["client_secret"] = opts.ClientID, opts.ClientSecret
				out.Email = rec.String("email")
				recs = []store.Record{rec}
			}
		case def.Offers(models.OpList):
			recs, err = p.list(ctx, def)
		default:
			continue
		}
		if err != nil {
			return nil, err
		}
		out.Records[def.Type] = recs
		fmt.Fprintf(opts.Progress, "%s: %d\n", def.Type, len(recs))
	}
	p.completeMembers(out)
	p.dropDanglingReferences(out.Records)
	p.dropOrphanVersions(out.Records)
	return out, nil
}

func (p *puller) notef(format string, args ...any) {
	fmt.Fprintf(p.opts.Progress, "  note: "+format+"\n", args...)
}

// signIn gets an access token for the client credentials.
func (p *puller) signIn(ctx context.Context) error {
	body, _ := json.Marshal(map[string]string{
		"grant_type": "client_credentials", "client_id": p.opts.ClientID, "client_secret": p.opts.ClientSecret,
	})
	tokenURL := p.opts.AuthURL + "/oauth/token"
	data, err := p.do(ctx, http.MethodPost, tokenURL, body, false)
	if err != nil {
		return err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(data, &tok); err != nil || tok.AccessToken == "" {
		return fmt.Errorf("POST %s: the answer holds no access token", tokenURL)
	}
	p.token = tok.AccessToken
	return nil
}

// do sends a request, waiting out a 429 and signing in again after a 401 of the API (a
// token that expired during a long pull), and returns the body of a 2xx answer.
func (p *puller) do(ctx context.Context, method, target string, body []byte, api bool) ([]byte, error) {
	signedInAgain := false
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("User-Agent", "provmock-pull")
		if api {
			req.Header.Set("Accept", "application/vnd.api+json")
			req.Header.Set("Authorization", "Bearer "+p.token)
		} else {
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
		}
		resp, err := p.opts.Client.Do(req)
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
		resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, target, err)
		}
		switch {
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			return data, nil
		case resp.StatusCode == http.StatusTooManyRequests && attempt < maxRetries:
			wait := retryAfter(resp.Header.Get("Retry-After"))
			p.notef("%s %s: 429, waiting %v as Retry-After says", method, target, wait)
			if err := p.opts.Wait(ctx, wait); err != nil {
				return nil, err
			}
			continue
		case resp.StatusCode == http.StatusUnauthorized && api && !signedInAgain:
			signedInAgain = true
			if err := p.signIn(ctx); err != nil {
				return nil, err
			}
			continue
		}
		return nil, fmt.Errorf("%s %s: %s%s", method, target, resp.Status, errorDetail(data))
	}
}

// retryAfter reads a Retry-After in seconds, bounded to a minute; 10 s when it is absent.
func retryAfter(v string) time.Duration {
	secs, err := strconv.Atoi(strings.TrimSpace(v))
	switch {
	case err != nil || secs < 0:
		return 10 * time.Second
	case secs > 60:
		return time.Minute
	}
	return time.Duration(secs) * time.Second
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errorDetail is ": {title}: {detail}" of an error document's first error, if it is one.
func errorDetail(data []byte) string {
	var doc struct {
		Errors []struct {
			Title  string `json:"title"`
			Detail string `json:"detail"`
		} `json:"errors"`
	}
	if json.Unmarshal(data, &doc) != nil || len(doc.Errors) == 0 {
		return ""
	}
	e := doc.Errors[0]
	if e.Detail == "" || e.Detail == e.Title {
		return ": " + e.Title
	}
	return ": " + e.Title + ": " + e.Detail
}

// resource is a JSON:API resource object as the pull reads it.
type resource struct {
	Type          string                     `json:"type"`
	ID            string                     `json:"id"`
	Attributes    map[string]json.RawMessage `json:"attributes"`
	Relationships map[string]struct {
		Data json.RawMessage `json:"data"`
	} `json:"relationships"`
}

func (p *puller) singleton(ctx context.Context, def *models.Resource) (store.Record, error) {
	data, err := p.do(ctx, http.MethodGet, p.opts.BaseURL+"/api/"+def.Path, nil, true)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Data *resource `json:"data"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("GET /api/%s: not a JSON:API document: %w", def.Path, err)
	}
	if doc.Data == nil {
		return nil, nil
	}
	return p.record(def, doc.Data)
}

// list reads every page of a type's list, including its to-one relationships.
func (p *puller) list(ctx context.Context, def *models.Resource) ([]store.Record, error) {
	var includes []string
	for _, rel := range def.Rels {
		if !rel.ToMany {
			includes = append(includes, rel.Name)
		}
	}
	var out []store.Record
	seen := map[string]bool{}
	for page := 1; ; page++ {
		q := url.Values{}
		q.Set("page[size]", strconv.Itoa(PageSize))
		q.Set("page[number]", strconv.Itoa(page))
		if len(includes) > 0 {
			q.Set("include", strings.Join(includes, ","))
		}
		data, err := p.do(ctx, http.MethodGet, p.opts.BaseURL+"/api/"+def.Path+"?"+q.Encode(), nil, true)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Data []*resource `json:"data"`
			Meta struct {
				PageCount *int `json:"page_count"`
			} `json:"meta"`
			Links struct {
				Next string `json:"next"`
			} `json:"links"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			return nil, fmt.Errorf("GET /api/%s page %d: not a JSON:API list: %w", def.Path, page, err)
		}
		for _, res := range doc.Data {
			// A record created meanwhile shifts the pages: one seen already comes again.
			if seen[res.ID] {
				continue
			}
			seen[res.ID] = true
			rec, err := p.record(def, res)
			if err != nil {
				return nil, err
			}
			out = append(out, rec)
		}
		more := doc.Links.Next != ""
		if doc.Meta.PageCount != nil {
			more = page < *doc.Meta.PageCount
		}
		if !more || len(doc.Data) == 0 {
			return out, nil
		}
	}
}

// record turns a resource object into a record as the store holds it: the rendered
// attributes of the registry under their names, to-one relationships whose linkage the
// document carries under their foreign keys. A value the attribute's kind cannot hold is
// left out with a note, so that an API that changed does not stop the pull.
func (p *puller) record(def *models.Resource, res *resource) (store.Record, error) {
	if res.Type != def.Type || res.ID == "" {
		return nil, fmt.Errorf("GET /api/%s: a resource of type %q with id %q, want %s", def.Path, res.Type, res.ID, def.Type)
	}
	rec := store.Record{"id": res.ID}
	for _, a := range def.Attrs {
		raw, ok := res.Attributes[a.Name]
		if !a.Rendered() || !ok {
			continue
		}
		v, err := decode(a.Kind, raw)
		if err != nil {
			p.notef("%s %s: %s: %v: left out", def.Type, res.ID, a.Name, err)
			continue
		}
		rec[a.Name] = v
	}
	for _, rel := range def.Rels {
		r, ok := res.Relationships[rel.Name]
		if rel.ToMany || !ok || r.Data == nil {
			continue // not included: the foreign key is unknown
		}
		var link *struct {
			Type string `json:"type"`
			ID   string `json:"id"`
		}
		if err := json.Unmarshal(r.Data, &link); err != nil {
			return nil, fmt.Errorf("%s %s: %s: not a to-one linkage: %w", def.Type, res.ID, rel.Name, err)
		}
		if link == nil {
			rec[rel.FK] = nil
		} else {
			rec[rel.FK] = link.ID
		}
	}
	return rec, nil
}

// decode reads an attribute's JSON value as the store holds a value of its kind.
func decode(kind models.Kind, raw json.RawMessage) (any, error) {
	if string(raw) == "null" {
		return nil, nil
	}
	switch kind {
	case models.String:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errors.New("not a string")
		}
		return s, nil
	case models.Integer:
		var n int64
		if err := json.Unmarshal(raw, &n); err != nil {
			return nil, errors.New("not a whole number")
		}
		return n, nil
	case models.Number:
		var f float64
		if err := json.Unmarshal(raw, &f); err != nil {
			return nil, errors.New("not a number")
		}
		return f, nil
	case models.Boolean:
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, errors.New("not true or false")
		}
		return b, nil
	case models.Object:
		var obj map[string]any
		if err := json.Unmarshal(raw, &obj); err != nil {
			return nil, errors.New("not an object")
		}
		var b bytes.Buffer
		if err := json.Compact(&b, raw); err != nil {
			return nil, err
		}
		return json.RawMessage(b.Bytes()), nil
	case models.Time:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errors.New("not a timestamp")
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return nil, errors.New("not a timestamp")
		}
		return t.UTC().Format(store.TimeFormat), nil
	}
	return nil, fmt.Errorf("unsupported kind %s", kind)
}

// completeMembers gives every active membership a user of the dataset, as the loader
// requires: the API shows only the signed-in user, so a colleague's account is made from
// what its first membership says of it (email, first and last name, created_at), with a stable id drawn from the email and no credentials: it cannot sign
// in, as it cannot in the real service with these credentials.
func (p *puller) completeMembers(out *Result) {
	byEmail := map[string]store.Record{}
	ids := map[string]bool{}
	for _, u := range out.Records["users"] {
		byEmail[u.String("email")] = u
		ids[u.ID()] = true
	}
	made := 0
	for _, m := range out.Records["memberships"] {
		email := m.String("user_email")
		if m.String("status") != "active" || email == "" {
			continue
		}
		if byEmail[email] != nil {
			continue
		}
		id := userID(email, ids)
		u := store.Record{"id": id, "email": email}
		if v, ok := m["user_first_name"]; ok {
			u["first_name"] = v
		}
		if v, ok := m["user_last_name"]; ok {
			u["last_name"] = v
		}
		if created, ok := m["created_at"]; ok {
			u["created_at"], u["updated_at"] = created, created
		}
		out.Records["users"] = append(out.Records["users"], u)
		byEmail[email], ids[id] = u, true
		made++
	}
	if made > 0 {
		p.notef("users: %d more, made from active memberships (their accounts are not visible): no credentials", made)
	}
}

// userID is "usr" and the start of the email's SHA-256, so a later pull makes the same id;
// longer if it is taken.
func userID(email string, taken map[string]bool) string {
	sum := sha256.Sum256([]byte(email))
	h := hex.EncodeToString(sum[:])
	for n := 7; ; n++ {
		if id := "usr" + h[:n]; !taken[id] {
			return id
		}
	}
}

// dropDanglingReferences clears a to-one relationship whose record the user cannot see,
// which the loader would refuse; each is noted.
func (p *puller) dropDanglingReferences(recs store.Snapshot) {
	ids := map[string]map[string]bool{}
	for typ, list := range recs {
		ids[typ] = map[string]bool{}
		for _, r := range list {
			ids[typ][r.ID()] = true
		}
	}
	for _, def := range p.reg.All() {
		for _, r := range recs[def.Type] {
			for _, rel := range def.Rels {
				target := r.String(rel.FK)
				if rel.ToMany || target == "" || ids[rel.Type][target] {
					continue
				}
				p.notef("%s %s: %s: %s %s is not visible: left empty", def.Type, r.ID(), rel.Name, rel.Type, target)
				r[rel.FK] = nil
			}
		}
	}
}

// dropOrphanVersions leaves out the versions about records that are gone: the API does not
// say their organization, which the loader finds through the record, so no one would see
// them once loaded.
func (p *puller) dropOrphanVersions(recs store.Snapshot) {
	for _, def := range p.reg.All() {
		prefix := def.Tenancy.AboutPrefix
		if prefix == "" || len(recs[def.Type]) == 0 {
			continue
		}
		kept := recs[def.Type][:0]
		dropped := 0
		for _, r := range recs[def.Type] {
			if found(recs[r.String(prefix+"_type")], r.String(prefix+"_id")) {
				kept = append(kept, r)
			} else {
				dropped++
			}
		}
		recs[def.Type] = kept
		if dropped > 0 {
			p.notef("%s: %d left out: about records that are gone, whose organization the API does not say", def.Type, dropped)
		}
	}
}

func found(list []store.Record, id string) bool {
	for _, r := range list {
		if r.ID() == id {
			return true
		}
	}
	return false
}
