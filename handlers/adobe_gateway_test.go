package handlers_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"mime/multipart"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/commercelayer-mock/provmock/auth"
	"github.com/commercelayer-mock/provmock/handlers"
)

const (
	errTokenMissing = `{"error_code":"403010","message":"Oauth token is missing."}`
	errTokenInvalid = `{"error_code":"401013","message":"Oauth token is not valid"}`
	errNoAPIKey     = `{"error_code":"403000","message":"Api Key is required"}`
	errBadAPIKey    = `{"error_code":"403003","message":"Api Key is invalid"}`
	errNoOrg        = `{"error_code":"400003","message":"Missing header"}`
	errBadOrg       = `{"error_code":"403025","message":"Profile is not valid"}`
	errContentType  = `{"type":"/placeholder/type/uri","status":400,"title":"BadRequestError","detail":"A valid content-type must be specified"}`
)

// TestAdobeHeaderErrorsInOrder: the gateway's checks run in order, each with its verbatim
// body and the status its code starts with, before routing and before the Content-Type check.
func TestAdobeHeaderErrorsInOrder(t *testing.T) {
	s := mustAdobeServer(t)
	tok := s.imsToken(t, demoAdobeClient, demoAdobeOrg)
	expired, err := s.tokens.IssueIMS(demoAdobeClient, "tech", demoAdobeOrg, "", -time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	provisioning, err := s.tokens.Issue("usrDemoOwn", "demo-client-id")
	if err != nil {
		t.Fatal(err)
	}
	forger := auth.NewIssuer(auth.Options{}) // another key
	forged, err := forger.IssueIMS(demoAdobeClient, "tech", demoAdobeOrg, "", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	// A token whose payload was edited to another org, signature kept.
	parts := strings.Split(tok, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	edited := parts[0] + "." + base64.RawURLEncoding.EncodeToString(bytes.Replace(payload, []byte(demoAdobeOrg), []byte(otherAdobeOrg), 1)) + "." + parts[2]

	bearer := "Bearer " + tok
	for _, c := range []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		want                     string
	}{
		{"no Authorization", "GET", credentialsPath, "", nil, 403, errTokenMissing},
		{"no Authorization, nor anything else, on an unknown path", "DELETE", "/data/nope", "", nil, 403, errTokenMissing},
		{"an empty Authorization", "GET", credentialsPath, "", []string{"Authorization", ""}, 403, errTokenMissing},
		{"not Bearer", "GET", credentialsPath, "", []string{"Authorization", "Basic " + tok}, 401, errTokenInvalid},
		{"Bearer without a token", "GET", credentialsPath, "", []string{"Authorization", "Bearer "}, 401, errTokenInvalid},
		{"garbage", "GET", credentialsPath, "", []string{"Authorization", "Bearer abc.def.ghi"}, 401, errTokenInvalid},
		{"forged", "GET", credentialsPath, "", []string{"Authorization", "Bearer " + forged.AccessToken}, 401, errTokenInvalid},
		{"edited", "GET", credentialsPath, "", []string{"Authorization", "Bearer " + edited}, 401, errTokenInvalid},
		{"expired", "GET", credentialsPath, "", []string{"Authorization", "Bearer " + expired.AccessToken, "x-api-key", demoAdobeClient, "x-gw-ims-org-id", demoAdobeOrg}, 401, errTokenInvalid},
		{"a Provisioning token", "GET", credentialsPath, "", []string{"Authorization", "Bearer " + provisioning.AccessToken, "x-api-key", demoAdobeClient, "x-gw-ims-org-id", demoAdobeOrg}, 401, errTokenInvalid},
		{"no x-api-key", "GET", credentialsPath, "", []string{"Authorization", bearer}, 403, errNoAPIKey},
		{"no x-api-key, nor org", "POST", credentialsPath, "x", []string{"Authorization", bearer, "Content-Type", "text/plain"}, 403, errNoAPIKey},
		{"another client's x-api-key", "GET", credentialsPath, "", []string{"Authorization", bearer, "x-api-key", otherAdobeClient}, 403, errBadAPIKey},
		{"no org", "GET", credentialsPath, "", []string{"Authorization", bearer, "x-api-key", demoAdobeClient}, 400, errNoOrg},
		{"another org", "GET", credentialsPath, "", []string{"Authorization", bearer, "x-api-key", demoAdobeClient, "x-gw-ims-org-id", otherAdobeOrg}, 403, errBadOrg},
		{"org names are case-sensitive", "GET", credentialsPath, "", []string{"Authorization", bearer, "x-api-key", demoAdobeClient, "x-gw-ims-org-id", strings.ToLower(demoAdobeOrg)}, 403, errBadOrg},
		{"the first of repeated headers counts", "GET", credentialsPath, "", []string{"Authorization", bearer, "Authorization", "Bearer x",
			"x-api-key", otherAdobeClient, "x-api-key", demoAdobeClient, "x-gw-ims-org-id", demoAdobeOrg}, 403, errBadAPIKey},
		{"then the router's 404", "POST", "/data/nope", "x", []string{"Authorization", bearer, "x-api-key", demoAdobeClient, "x-gw-ims-org-id", demoAdobeOrg, "Content-Type", "text/plain"},
			404, problem(404, "Not Found", "No resource was found at /data/nope.")},
		{"then the Content-Type", "POST", credentialsPath, "a=b", []string{"Authorization", bearer, "x-api-key", demoAdobeClient, "x-gw-ims-org-id", demoAdobeOrg, "Content-Type", "application/x-www-form-urlencoded"}, 400, errContentType},
		{"no Content-Type", "PUT", credentialsPath + "/3f1c2d7e-9b4a-4c3e-8d2f-6a5b4c3d2e1f", "{}", []string{"Authorization", bearer, "x-api-key", demoAdobeClient, "x-gw-ims-org-id", demoAdobeOrg, "Content-Type", ""}, 400, errContentType},
		{"JSON:API is not JSON", "POST", credentialsPath, "{}", []string{"Authorization", bearer, "x-api-key", demoAdobeClient, "x-gw-ims-org-id", demoAdobeOrg, "Content-Type", handlers.MediaType}, 400, errContentType},
		{"Content-Type parameters are allowed", "POST", credentialsPath, `{"type":"NONE"}`, []string{"Authorization", bearer, "x-api-key", demoAdobeClient, "x-gw-ims-org-id", demoAdobeOrg, "Content-Type", "application/json; charset=utf-8"}, 200, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := s.count(t, demoAdobeOrg, "prod")
			rec := s.send(t, c.method, c.path, c.body, c.headers...)
			if c.status == 200 {
				if rec.Code != 200 {
					t.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				return
			}
			wantAnswer(t, rec, c.status, c.want)
			if after := s.count(t, demoAdobeOrg, "prod"); after != before {
				t.Errorf("a refused request changed the credentials: %d, then %d", before, after)
			}
		})
	}
}

// count is how many credentials an org's sandbox holds.
func (s *adobeServer) count(t *testing.T, org, sandbox string) int {
	t.Helper()
	var recs []string
	h := s.gateway(t, map[string]string{demoAdobeOrg: demoAdobeClient, otherAdobeOrg: otherAdobeClient}[org], org, sandbox)
	recs = listIDs(t, s.send(t, "GET", credentialsPath, "", h...))
	return len(recs)
}

// TestAdobeTenancy: each (org, sandbox) pair sees and touches its own records only; a
// foreign id is the same 404 as an unknown one, and a missing x-sandbox-name is prod.
func TestAdobeTenancy(t *testing.T) {
	s := mustAdobeServer(t)
	pairs := []struct{ client, org, sandbox string }{
		{demoAdobeClient, demoAdobeOrg, "prod"}, {demoAdobeClient, demoAdobeOrg, "dev"},
		{otherAdobeClient, otherAdobeOrg, "prod"}, {otherAdobeClient, otherAdobeOrg, "dev"},
	}
	ids := map[int]string{}
	for i, p := range pairs {
		rec := s.send(t, "POST", credentialsPath, `{"name":"`+p.org+` `+p.sandbox+`","type":"NONE"}`, s.gateway(t, p.client, p.org, p.sandbox)...)
		if rec.Code != 200 {
			t.Fatalf("create in %s/%s: %d %s", p.org, p.sandbox, rec.Code, rec.Body)
		}
		ids[i] = instanceID(t, rec)
	}
	// The demo data: two credentials of the demo org in prod, two in dev, none of the other org.
	wantCounts := []int{3, 3, 1, 1}
	for i, p := range pairs {
		h := s.gateway(t, p.client, p.org, p.sandbox)
		got := listIDs(t, s.send(t, "GET", credentialsPath, "", h...))
		if len(got) != wantCounts[i] || got[len(got)-1] != ids[i] {
			t.Errorf("%s/%s lists %v, want %d ending with its own %s", p.org, p.sandbox, got, wantCounts[i], ids[i])
		}
		for j, foreign := range ids {
			if j == i {
				continue
			}
			for _, method := range []string{"GET", "PUT", "DELETE"} {
				body := ""
				if method == "PUT" {
					body = `{"type":"NONE","name":"taken over"}`
				}
				wantAnswer(t, s.send(t, method, credentialsPath+"/"+foreign, body, h...), 404,
					problemIn(404, "Not Found", "No credential with instanceId "+foreign+" was found.", p.org, p.sandbox))
			}
		}
	}
	// Nothing foreign was changed or deleted.
	for i, p := range pairs {
		rec := s.send(t, "GET", credentialsPath+"/"+ids[i], "", s.gateway(t, p.client, p.org, p.sandbox)...)
		if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"name":"`+p.org+` `+p.sandbox+`"`) {
			t.Errorf("%s/%s's own credential: %d %s", p.org, p.sandbox, rec.Code, rec.Body)
		}
	}
	// No x-sandbox-name is prod; a sandbox name is taken as sent.
	if n, m := len(listIDs(t, s.send(t, "GET", credentialsPath, "", s.demo(t)...))), s.count(t, demoAdobeOrg, "prod"); n != m {
		t.Errorf("no sandbox header lists %d, prod %d", n, m)
	}
	if n := s.count(t, demoAdobeOrg, "Prod"); n != 0 {
		t.Errorf("sandbox Prod lists %d, want its own empty partition", n)
	}
}

// TestAdobeBadBodies: a body that is not one JSON object in UTF-8 within the limit is a 4xx,
// never a 5xx, and stores nothing.
func TestAdobeBadBodies(t *testing.T) {
	s := mustAdobeServer(t)
	h := s.demo(t)
	notObject := badRequest("the body must be one JSON object")
	tooLarge := problem(413, "Payload Too Large", "The request body is over 1048576 bytes.")
	big := `{"name":"` + strings.Repeat("x", 2<<20) + `","type":"NONE"}`
	for _, c := range []struct {
		name, body string
		status     int
		want       string
	}{
		{"not JSON", `{"type":`, 400, notObject},
		{"an array", `[{"type":"NONE"}]`, 400, notObject},
		{"a string", `"NONE"`, 400, notObject},
		{"null", `null`, 400, notObject},
		{"two objects", `{"type":"NONE"} {"type":"NONE"}`, 400, notObject},
		{"invalid UTF-8", "{\"type\":\"NONE\",\"name\":\"\xff\xfe\"}", 400, notObject},
		{"deep nesting", `{"basicAuthentication":` + strings.Repeat(`{"a":`, 10000) + `1` + strings.Repeat(`}`, 10000) + `}`, 400, notObject},
		{"2 MB", big, 413, tooLarge},
	} {
		for _, method := range []string{"POST", "PUT"} {
			t.Run(c.name+" "+method, func(t *testing.T) {
				path := credentialsPath
				if method == "PUT" {
					path += "/3f1c2d7e-9b4a-4c3e-8d2f-6a5b4c3d2e1f"
				}
				before := s.send(t, "GET", credentialsPath, "", h...).Body.String()
				wantAnswer(t, s.send(t, method, path, c.body, h...), c.status, c.want)
				if after := s.send(t, "GET", credentialsPath, "", h...).Body.String(); after != before {
					t.Errorf("the refused body changed the data:\n%s\n%s", before, after)
				}
			})
		}
	}
	// An empty body is not one object either.
	wantAnswer(t, s.send(t, "POST", credentialsPath, "", append(h, "Content-Type", "application/json")...), 400, notObject)
}

// TestIMSTokenEndpoint: the client_credentials grant in a form, multipart body or the query
// string, on v3 and v2; the token's claims; IMS's errors.
func TestIMSTokenEndpoint(t *testing.T) {
	s := mustAdobeServer(t)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {demoAdobeClient}, "client_secret": {demoAdobeSecret}, "scope": {"openid,AdobeID,read_organizations"}}
	var multi bytes.Buffer
	mw := multipart.NewWriter(&multi)
	for k, v := range form {
		_ = mw.WriteField(k, v[0])
	}
	mw.Close()
	formType := []string{"Content-Type", "application/x-www-form-urlencoded"}
	for _, c := range []struct {
		name, path, body string
		headers          []string
	}{
		{"form on v3", "/ims/token/v3", form.Encode(), formType},
		{"form on v2", "/ims/token/v2", form.Encode(), formType},
		{"query string", "/ims/token/v3?" + form.Encode(), "", nil},
		{"multipart", "/ims/token/v3", multi.String(), []string{"Content-Type", mw.FormDataContentType()}},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := s.send(t, "POST", c.path, c.body, c.headers...)
			if rec.Code != 200 || rec.Header().Get("Cache-Control") != "no-store" {
				t.Fatalf("%d, Cache-Control %q: %s", rec.Code, rec.Header().Get("Cache-Control"), rec.Body)
			}
			var body map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			tok, _ := body["access_token"].(string)
			if len(body) != 3 || body["token_type"] != "bearer" || body["expires_in"] != float64(86399) || tok == "" {
				t.Fatalf("token response %s", rec.Body)
			}
			payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
			var claims map[string]any
			if err := json.Unmarshal(payload, &claims); err != nil {
				t.Fatal(err)
			}
			created, _ := claims["created_at"].(string)
			exp, _ := claims["exp"].(float64)
			want := map[string]any{"type": "access_token", "client_id": demoAdobeClient, "user_id": "DEMO5678901234ABCDEF0123@techacct.adobe.com",
				"org": demoAdobeOrg, "as": "ims-na1", "scope": "openid,AdobeID,read_organizations", "created_at": created, "expires_in": "86400000",
				"family": "adobe", "exp": exp}
			if len(created) != 13 || exp == 0 || len(claims) != len(want) {
				t.Errorf("claims %v", claims)
			}
			for k, v := range want {
				if claims[k] != v {
					t.Errorf("claim %s = %v, want %v", k, claims[k], v)
				}
			}
			// The token opens the credentials API, and not the Provisioning API.
			if rec := s.send(t, "GET", credentialsPath, "", "Authorization", "Bearer "+tok, "x-api-key", demoAdobeClient, "x-gw-ims-org-id", demoAdobeOrg); rec.Code != 200 {
				t.Errorf("credentials with the token: %d %s", rec.Code, rec.Body)
			}
			if rec := s.send(t, "GET", "/api/user", "", "Authorization", "Bearer "+tok, "Accept", handlers.MediaType); rec.Code != 401 {
				t.Errorf("the Provisioning API with an IMS token: %d %s", rec.Code, rec.Body)
			}
		})
	}
	with := func(k, v string) string {
		f := url.Values{}
		for key, vals := range form {
			f[key] = vals
		}
		if v == "" {
			f.Del(k)
		} else {
			f.Set(k, v)
		}
		return f.Encode()
	}
	for _, c := range []struct {
		name, body string
		headers    []string
		want       string
	}{
		{"no client_id", with("client_id", ""), formType, `{"error":"invalid_client","error_description":"invalid client_id parameter"}`},
		{"an unknown client_id", with("client_id", "nobody"), formType, `{"error":"invalid_client","error_description":"invalid client_id parameter"}`},
		{"a Provisioning client", with("client_id", "demo-client-id"), formType, `{"error":"invalid_client","error_description":"invalid client_id parameter"}`},
		{"a wrong secret", with("client_secret", "guess"), formType, `{"error":"invalid_client","error_description":"invalid client_secret parameter"}`},
		{"another org's secret", with("client_secret", otherAdobeSecret), formType, `{"error":"invalid_client","error_description":"invalid client_secret parameter"}`},
		{"no secret", with("client_secret", ""), formType, `{"error":"invalid_client","error_description":"invalid client_secret parameter"}`},
		{"another grant", with("grant_type", "authorization_code"), formType, `{"error":"unsupported_grant_type","error_description":"unsupported grant_type parameter: authorization_code"}`},
		{"no grant", with("grant_type", ""), formType, `{"error":"invalid_request","error_description":"missing grant_type parameter"}`},
		{"a JSON body", `{"grant_type":"client_credentials","client_id":"demo-adobe-client-id","client_secret":"demo-adobe-client-secret"}`, []string{"Content-Type", "application/json"},
			`{"error":"invalid_request","error_description":"the parameters must come as a form or in the query string, not as JSON"}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec := s.send(t, "POST", "/ims/token/v3", c.body, c.headers...)
			wantAnswer(t, rec, 400, c.want)
			if rec.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", rec.Header().Get("Cache-Control"))
			}
		})
	}
}

// TestAdobeResponseCache: a repeated list or retrieve is served from the cache, per org and
// sandbox, and a write is seen at once.
func TestAdobeResponseCache(t *testing.T) {
	s := mustAdobeServer(t)
	prod, dev := s.demo(t), s.gateway(t, demoAdobeClient, demoAdobeOrg, "dev")
	first := s.send(t, "GET", credentialsPath, "", prod...)
	etag := first.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag on a list")
	}
	if again := s.send(t, "GET", credentialsPath, "", append(prod, "If-None-Match", etag)...); again.Code != 304 {
		t.Errorf("If-None-Match: %d", again.Code)
	}
	if other := s.send(t, "GET", credentialsPath, "", dev...); other.Body.String() == first.Body.String() {
		t.Errorf("dev was answered from prod's cache entry: %s", other.Body)
	}
	s.send(t, "POST", credentialsPath, `{"type":"NONE"}`, prod...)
	if after := s.send(t, "GET", credentialsPath, "", prod...); len(listIDs(t, after)) != 3 {
		t.Errorf("after a create, list %s", after.Body)
	}
}
