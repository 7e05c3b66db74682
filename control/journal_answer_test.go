package control_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/mock"
)

func TestJournalKeepsTheAnswerAndTheFaultThatFired(t *testing.T) {
	e := newEnv(t, mock.Options{})
	mustStatus(t, e.ctl(t, http.MethodPost, "/faults", `{"path":"/api/roles","status":503,"times":1}`), http.StatusCreated)
	faulted := e.api(t, http.MethodGet, "/api/roles", "")
	mustStatus(t, faulted, http.StatusServiceUnavailable)
	served := e.api(t, http.MethodGet, "/api/roles", "")
	mustStatus(t, served, http.StatusOK)
	tok := e.serve(t, req{http.MethodPost, "/oauth/token",
		`{"grant_type":"client_credentials","client_id":"demo-client-id","client_secret":"demo-client-secret"}`,
		[]string{"Content-Type", "application/json"}})
	mustStatus(t, tok, http.StatusOK)

	var got []struct {
		Path         string `json:"path"`
		Status       int    `json:"status"`
		Response     string `json:"response"`
		ResponseType string `json:"response_type"`
		Fault        string `json:"fault"`
	}
	decodeInto(t, e.ctl(t, http.MethodGet, "/requests", ""), &got)
	if len(got) != 3 {
		t.Fatalf("journal: %+v", got)
	}
	token, faultedEntry, servedEntry := got[0], got[2], got[1]
	if faultedEntry.Fault != "fault-1" || faultedEntry.Status != 503 || faultedEntry.Response != faulted.Body.String() ||
		faultedEntry.ResponseType != "application/vnd.api+json" {
		t.Errorf("the faulted request's entry: %+v; the answer was %s", faultedEntry, faulted.Body.String())
	}
	if servedEntry.Fault != "" || servedEntry.Status != 200 || servedEntry.Response != served.Body.String() {
		t.Errorf("the served request's entry: %+v", servedEntry)
	}
	var issued struct {
		AccessToken string `json:"access_token"`
	}
	decodeInto(t, tok, &issued)
	if issued.AccessToken == "" || strings.Contains(token.Response, issued.AccessToken) ||
		!strings.Contains(token.Response, `"access_token":"[masked]"`) {
		t.Errorf("the token answer is recorded as %s", token.Response)
	}
}
