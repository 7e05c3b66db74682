package mock_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/commercelayer-mock/provmock/mock"
)

// A Go test suite starts the mock in one line (in a test, mock.NewTestServer(t, opts) also
// stops it when the test ends), points the code under test at its URL, and puts the data
// back with Reset between tests.
func ExampleStart() {
	ctx := context.Background()
	srv, err := mock.Start(ctx, mock.Options{}) // the demo fixtures, on a loopback address
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()

	// A token, as a client gets it from the token endpoint (srv.Token signs one directly).
	resp, err := http.Post(srv.URL+"/oauth/token", "application/json", strings.NewReader(
		`{"grant_type":"client_credentials","client_id":"demo-client-id","client_secret":"demo-client-secret"}`))
	if err != nil {
		log.Fatal(err)
	}
	var token struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&token); err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println("token:", resp.StatusCode, token.TokenType)

	// call sends a JSON:API request and returns the status and the names in the answer.
	call := func(method, path, body string) (int, []string) {
		var r *http.Request
		if body == "" {
			r, _ = http.NewRequest(method, srv.URL+path, nil)
		} else {
			r, _ = http.NewRequest(method, srv.URL+path, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/vnd.api+json")
		}
		r.Header.Set("Authorization", "Bearer "+token.AccessToken)
		r.Header.Set("Accept", "application/vnd.api+json")
		resp, err := http.DefaultClient.Do(r)
		if err != nil {
			log.Fatal(err)
		}
		defer resp.Body.Close()
		var doc struct {
			Data json.RawMessage `json:"data"`
		}
		_ = json.NewDecoder(resp.Body).Decode(&doc)
		type resource struct {
			Attributes struct {
				Name string `json:"name"`
			} `json:"attributes"`
		}
		var list []resource
		if json.Unmarshal(doc.Data, &list) != nil {
			var one resource
			_ = json.Unmarshal(doc.Data, &one)
			list = []resource{one}
		}
		names := []string{}
		for _, res := range list {
			names = append(names, res.Attributes.Name)
		}
		return resp.StatusCode, names
	}

	status, names := call("GET", "/api/organizations?sort=name", "")
	fmt.Println("organizations:", status, strings.Join(names, ", "))

	status, names = call("POST", "/api/roles", `{"data":{"type":"roles","attributes":{"name":"Support agent"},
		"relationships":{"organization":{"data":{"type":"organizations","id":"orgBlueBrd"}}}}}`)
	fmt.Println("created:", status, names[0])
	_, names = call("GET", "/api/organizations/orgBlueBrd/roles?fields[roles]=name", "")
	fmt.Println("roles:", len(names), strings.Join(names, ", "))

	if err := srv.Reset(ctx); err != nil { // back to the fixtures
		log.Fatal(err)
	}
	_, names = call("GET", "/api/organizations/orgBlueBrd/roles?fields[roles]=name", "")
	fmt.Println("roles after reset:", len(names), strings.Join(names, ", "))
	// Output:
	// token: 200 bearer
	// organizations: 200 Green Grocer Co., The Blue Brand
	// created: 201 Support agent
	// roles: 4 admin, read_only, Marketing editor, Support agent
	// roles after reset: 3 admin, read_only, Marketing editor
}
