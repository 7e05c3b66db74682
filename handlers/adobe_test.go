package handlers_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/models"
)

var microDate = `\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z`

// dates reads a credential's createdDate and lastModifiedDate, checking their format.
func dates(tb testing.TB, body string) (created, modified string) {
	tb.Helper()
	m := regexp.MustCompile(`"createdDate":"(` + microDate + `)","lastModifiedDate":"(` + microDate + `)"`).FindStringSubmatch(body)
	if m == nil {
		tb.Fatalf("no dates with six fractional digits in %s", body)
	}
	return m[1], m[2]
}

// credential is the whole object the service renders.
func credential(id, created, modified, rest string) string {
	return `{"instanceId":"` + id + `","createdDate":"` + created + `","lastModifiedDate":"` + modified + `",` + rest + `}`
}

// TestAdobeCredentialRoutes walks every route: create, retrieve, list, PUT as whole
// replacement, delete, and the 404s of an unknown, malformed and deleted id afterwards.
func TestAdobeCredentialRoutes(t *testing.T) {
	s := mustAdobeServer(t)
	h := s.demo(t)
	created := s.send(t, "POST", credentialsPath, `{"name":"yourdestination","basicAuthentication":{"username":"u","password":"p","url":"https://x.example"},"instanceId":"mine","createdDate":"2001-01-01T00:00:00.000000Z"}`, h...)
	id := instanceID(t, created)
	c1, m1 := dates(t, created.Body.String())
	if c1 != m1 {
		t.Errorf("createdDate %s, lastModifiedDate %s: equal on create", c1, m1)
	}
	want := credential(id, c1, c1, `"type":"BASIC","name":"yourdestination","basicAuthentication":{"username":"u","password":"p","url":"https://x.example"}`)
	wantAnswer(t, created, 200, want)
	wantAnswer(t, s.send(t, "GET", credentialsPath+"/"+id, "", h...), 200, want)

	list := s.send(t, "GET", credentialsPath+"?limit=1&page=2", "", h...) // query parameters are ignored
	wantIDs := []string{"3f1c2d7e-9b4a-4c3e-8d2f-6a5b4c3d2e1f", "8d5e4b1a-2c3f-4a6b-9e7d-1f2a3b4c5d6e", id}
	if got := listIDs(t, list); strings.Join(got, " ") != strings.Join(wantIDs, " ") {
		t.Errorf("list ids %v, want %v", got, wantIDs)
	}
	if !strings.HasSuffix(list.Body.String(), ","+want+"]}") {
		t.Errorf("list does not end with the created object: %s", list.Body)
	}

	// PUT replaces the whole object: name and basicAuthentication, left out, are gone.
	put := s.send(t, "PUT", credentialsPath+"/"+id, `{"instanceId":"other","s3Authentication":{"accessId":"a","secretKey":"k"}}`, h...)
	c2, m2 := dates(t, put.Body.String())
	if c2 != c1 || m2 <= m1 {
		t.Errorf("after PUT: createdDate %s (was %s), lastModifiedDate %s (was %s)", c2, c1, m2, m1)
	}
	replaced := credential(id, c1, m2, `"type":"S3","s3Authentication":{"accessId":"a","secretKey":"k"}`)
	wantAnswer(t, put, 200, replaced)
	wantAnswer(t, s.send(t, "GET", credentialsPath+"/"+id, "", h...), 200, replaced)

	del := s.send(t, "DELETE", credentialsPath+"/"+id, "", h...)
	if del.Code != 200 || del.Body.Len() != 0 {
		t.Errorf("DELETE = %d %q, want 200 and no body", del.Code, del.Body)
	}
	for _, method := range []string{"GET", "PUT", "DELETE"} {
		body := ""
		if method == "PUT" {
			body = `{"type":"NONE"}`
		}
		wantAnswer(t, s.send(t, method, credentialsPath+"/"+id, body, h...), 404, notFound(id))
		wantAnswer(t, s.send(t, method, credentialsPath+"/not-a-uuid", body, h...), 404, notFound("not-a-uuid"))
		unknown := "0b9e5a2c-1d3f-4e6a-8b7c-9d0e1f2a3b4c"
		wantAnswer(t, s.send(t, method, credentialsPath+"/"+unknown, body, h...), 404, notFound(unknown))
	}
	if got := listIDs(t, s.send(t, "GET", credentialsPath, "", h...)); len(got) != 2 {
		t.Errorf("after delete, list %v", got)
	}
}

// TestAdobeCredentialKinds: every auth object is stored and echoed with only its known
// fields, gives its type, and refuses a body that leaves out or empties a required field.
func TestAdobeCredentialKinds(t *testing.T) {
	s := mustAdobeServer(t)
	h := s.demo(t)
	for _, o := range models.AuthObjects {
		t.Run(o.Type, func(t *testing.T) {
			var fields, echoed []string
			for _, f := range o.Fields {
				fields = append(fields, `"`+f+`":"v-`+f+`"`)
			}
			echoed = fields
			body := `{"` + o.Member + `":{` + strings.Join(append(fields, `"unknownField":"x"`), ",") + `}}`
			rec := s.send(t, "POST", credentialsPath, body, h...)
			c, _ := dates(t, rec.Body.String())
			wantAnswer(t, rec, 200, credential(instanceID(t, rec), c, c, `"type":"`+o.Type+`","`+o.Member+`":{`+strings.Join(echoed, ",")+`}`))
			for _, req := range o.Required {
				var without, emptied []string
				for _, f := range o.Fields {
					if f == req {
						emptied = append(emptied, `"`+f+`":""`)
						continue
					}
					without = append(without, `"`+f+`":"v"`)
					emptied = append(emptied, `"`+f+`":"v"`)
				}
				for _, obj := range []string{strings.Join(without, ","), strings.Join(emptied, ",")} {
					wantAnswer(t, s.send(t, "POST", credentialsPath, `{"`+o.Member+`":{`+obj+`}}`, h...), 400,
						badRequest(o.Member+"."+req+" is required"))
				}
			}
			wantAnswer(t, s.send(t, "POST", credentialsPath, `{"`+o.Member+`":{"`+o.Fields[0]+`":5}}`, h...), 400,
				badRequest(append([]string{o.Member + "." + o.Fields[0] + " must be a string"}, requiredMessages(o, o.Fields[0])...)...))
		})
	}
}

// requiredMessages are the "is required" sentences of an object whose only field is field,
// which is not a string: that field is reported once, as not a string.
func requiredMessages(o models.AuthObject, field string) []string {
	var out []string
	for _, r := range o.Required {
		if r != field {
			out = append(out, o.Member+"."+r+" is required")
		}
	}
	return out
}

// TestAdobeTypeDerivation: type follows from the first auth object in the table's order
// when absent; when sent, its object must be there.
func TestAdobeTypeDerivation(t *testing.T) {
	s := mustAdobeServer(t)
	h := s.demo(t)
	user := `"oauth2UserAuthentication":{"url":"https://a","clientId":"c","clientSecret":"s","username":"u","password":"p"}`
	client := `"oauth2ClientAuthentication":{"url":"https://a","clientId":"c","clientSecret":"s"}`
	access := `"oauth2AccessTokenAuthentication":{"accessToken":"t"}`
	refresh := `"oauth2RefreshTokenAuthentication":{"refreshToken":"r","clientId":"c","clientSecret":"s","url":"https://a"}`
	basic := `"basicAuthentication":{"username":"u","password":"p"}`
	s3 := `"s3Authentication":{"accessId":"a","secretKey":"k"}`
	for _, c := range []struct {
		name, body string
		status     int
		typ        string // on success
		rest       string // the auth objects echoed, on success
		errs       []string
	}{
		{"the documentation's four OAuth2 objects", `{` + refresh + `,` + access + `,` + client + `,` + user + `}`, 200, "OAUTH2_USER_CREDENTIAL", user + `,` + client + `,` + access + `,` + refresh, nil},
		{"table order, not body order", `{` + s3 + `,` + basic + `}`, 200, "BASIC", basic + `,` + s3, nil},
		{"a sent type wins", `{"type":"S3",` + basic + `,` + s3 + `}`, 200, "S3", basic + `,` + s3, nil},
		{"NONE needs no object", `{"type":"NONE"}`, 200, "NONE", "", nil},
		{"a type without its object", `{"type":"SSH",` + basic + `}`, 400, "", "", []string{"type SSH needs sshAuthentication"}},
		{"an unknown type", `{"type":"OAUTH3",` + basic + `}`, 400, "", "", []string{"type OAUTH3 is not supported"}},
		{"types are case-sensitive", `{"type":"basic",` + basic + `}`, 400, "", "", []string{"type basic is not supported"}},
		{"no auth object", `{"name":"n"}`, 400, "", "", []string{"an auth object is required"}},
		{"member names are case-sensitive", `{"BasicAuthentication":{"username":"u","password":"p"}}`, 400, "", "", []string{"an auth object is required"}},
		{"an auth object that is not an object", `{"basicAuthentication":"u:p"}`, 400, "", "", []string{"basicAuthentication must be an object"}},
		{"a name that is not a string", `{"name":1,` + basic + `}`, 400, "", "", []string{"name must be a string"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := s.send(t, "POST", credentialsPath, c.body, h...)
			if c.status != 200 {
				wantAnswer(t, rec, c.status, badRequest(c.errs...))
				return
			}
			created, _ := dates(t, rec.Body.String())
			rest := `"type":"` + c.typ + `"`
			if c.rest != "" {
				rest += "," + c.rest
			}
			wantAnswer(t, rec, 200, credential(instanceID(t, rec), created, created, rest))
		})
	}
}
