package handlers_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/commercelayer-mock/provmock/handlers"
)

// TestDocumentsAreNotHTMLEscaped checks the raw bodies: links keep their & (Go's json.Marshal
// would write \u0026), and so do error details with <, > and &.
func TestDocumentsAreNotHTMLEscaped(t *testing.T) {
	s := mustFiltersServer(t, handlers.Config{})
	rec := s.get(t, "/api/api_credentials?page[size]=2&page[number]=2&"+fq("name_cont", "a"))
	mustStatus(t, rec, http.StatusOK)
	body := rec.Body.String()
	for _, escaped := range []string{`\u0026`, `\u003c`, `\u003e`} {
		if strings.Contains(body, escaped) {
			t.Fatalf("body holds %s: %s", escaped, body)
		}
	}
	links := decode(t, rec)["links"].(map[string]any)
	next := links["next"].(string)
	want := testBase + "/api/api_credentials?filter%5Bq%5D%5Bname_cont%5D=a&page%5Bnumber%5D=3&page%5Bsize%5D=2"
	if next != want {
		t.Fatalf("next = %s, want %s", next, want)
	}
	if !strings.Contains(body, `"next":"`+want+`"`) {
		t.Fatalf("body does not hold the next link as is: %s", body)
	}

	rec = s.get(t, "/api/api_credentials?"+fq("expires_in_eq", "<b>&"))
	mustStatus(t, rec, http.StatusBadRequest)
	if want := `"detail":"<b>& is not a valid value for expires_in_eq."`; !strings.Contains(rec.Body.String(), want) {
		t.Fatalf("error body %s, want it to hold %s", rec.Body.String(), want)
	}
}
