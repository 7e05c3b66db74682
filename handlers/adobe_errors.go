package handlers

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/domain"
	"github.com/commercelayer-mock/provmock/frontdoor"
	"github.com/commercelayer-mock/provmock/store"
)

// gatewayMessages are the Platform gateway's errors, verbatim from Experience Platform's
// troubleshooting guide, by error_code.
var gatewayMessages = map[string]string{
	"403010": "Oauth token is missing.",
	"401013": "Oauth token is not valid",
	"403000": "Api Key is required",
	"403003": "Api Key is invalid",
	"400003": "Missing header",
	"403025": "Profile is not valid",
}

// gatewayError is a request the gateway refuses; its status is the first three digits of
// its code.
type gatewayError struct{ Code, Message string }

func (e gatewayError) Error() string { return e.Code + " " + e.Message }

func gatewayErrorOf(code string) gatewayError { return gatewayError{code, gatewayMessages[code]} }

func (e gatewayError) status() int {
	n, _ := strconv.Atoi(e.Code[:3])
	return n
}

// badContentType is a write not declared application/json, in the service's own shape.
type badContentType struct{}

func (badContentType) Error() string { return "a valid content-type must be specified" }

var errBadContentType = badContentType{}

// credentialNotFound is an id the request's org and sandbox hold no credential with.
type credentialNotFound struct{ ID string }

func (e credentialNotFound) Error() string { return "credential " + e.ID + " not found" }

// imsError is an error of the IMS token endpoint.
type imsError struct {
	Status      int
	Code        string
	Description string
}

func (e imsError) Error() string { return e.Code + ": " + e.Description }

var (
	errIMSUnknownClient = imsError{http.StatusBadRequest, "invalid_client", "invalid client_id parameter"}
	errIMSBadSecret     = imsError{http.StatusBadRequest, "invalid_client", "invalid client_secret parameter"}
)

// serviceCodes name the Destination SDK's problems, by status.
var serviceCodes = map[int]string{
	http.StatusBadRequest:            "DSDK-0400-400",
	http.StatusNotFound:              "DSDK-0404-404",
	http.StatusMethodNotAllowed:      "DSDK-0405-405",
	http.StatusRequestEntityTooLarge: "DSDK-0413-413",
	http.StatusTooManyRequests:       "DSDK-0429-429",
	http.StatusInternalServerError:   "DSDK-0500-500",
}

// imsCodes are the IMS error names a fault may give, with their descriptions.
var imsCodes = map[string]string{
	"invalid_client":          "invalid client_id parameter",
	"invalid_request":         "the request is not valid",
	"unsupported_grant_type":  "unsupported grant_type parameter",
	"server_error":            "the server could not complete the request",
	"temporarily_unavailable": "the service is temporarily unavailable",
}

// AdobeFaultCodes are the error codes a fault rule may name on the Adobe family's paths:
// the gateway's, the service's and IMS's.
func AdobeFaultCodes() []string {
	var out []string
	for code := range gatewayMessages {
		out = append(out, code)
	}
	for _, code := range serviceCodes {
		out = append(out, code)
	}
	for code := range imsCodes {
		out = append(out, code)
	}
	return out
}

// problemDoc is Experience Platform's problem document.
type problemDoc struct {
	Type   string        `json:"type"`
	Status int           `json:"status"`
	Title  string        `json:"title"`
	Detail string        `json:"detail"`
	Report problemReport `json:"report"`
}

type problemReport struct {
	Errors     []string   `json:"errors,omitempty"`
	TenantInfo tenantInfo `json:"tenantInfo"`
}

type tenantInfo struct {
	IMSOrgID    string `json:"imsOrgId"`
	SandboxName string `json:"sandboxName"`
}

type gatewayDoc struct {
	ErrorCode string `json:"error_code"`
	Message   string `json:"message"`
}

type imsDoc struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description"`
}

// writeError is the Adobe family's error writer, the only place its errors become HTTP:
// IMS's shape under /ims, the gateway's and the service's under /data.
func (a *adobeAPI) writeError(c echo.Context, err error) {
	if c.Response().Committed {
		return
	}
	var inj frontdoor.Injected
	if errors.As(err, &inj) && inj.Body != nil {
		frontdoor.NoteCode(c, inj.Code)
		_ = c.Blob(cmp.Or(inj.Status, http.StatusInternalServerError), adobeMediaType, inj.Body)
		return
	}
	var tm frontdoor.TooManyRequests
	if errors.As(err, &tm) {
		c.Response().Header().Set("Retry-After", strconv.Itoa(tm.RetryAfterSeconds()))
	}
	var na frontdoor.MethodNotAllowed
	if errors.As(err, &na) {
		c.Response().Header().Set(echo.HeaderAllow, strings.Join(na.Allow, ", "))
	}
	status, code, body := a.errorBody(c, err)
	frontdoor.NoteCode(c, code)
	if underIMS(c.Request().URL.Path) {
		c.Response().Header().Set("Cache-Control", "no-store")
	}
	if c.Request().Method == http.MethodHead {
		_ = c.NoContent(status)
		return
	}
	b, merr := json.Marshal(body)
	if merr != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"server_error"}`)
	}
	if werr := c.Blob(status, adobeMediaType, b); werr != nil {
		a.log.Debug("writing error response", "error", werr)
	}
}

func underIMS(path string) bool { return path == "/ims" || strings.HasPrefix(path, "/ims/") }

// errorBody maps an error to its status, its code and its body.
func (a *adobeAPI) errorBody(c echo.Context, err error) (int, string, any) {
	var (
		ge  gatewayError
		ie  imsError
		nf  credentialNotFound
		cv  domain.CredentialViolations
		na  frontdoor.MethodNotAllowed
		tl  frontdoor.TooLarge
		tm  frontdoor.TooManyRequests
		inj frontdoor.Injected
		he  *echo.HTTPError
	)
	status, detail := http.StatusInternalServerError, "An internal error occurred."
	var violations []string
	switch {
	case errors.As(err, &ge):
		return ge.status(), ge.Code, gatewayDoc{ge.Code, ge.Message}
	case errors.As(err, &ie):
		return ie.Status, ie.Code, imsDoc{ie.Code, ie.Description}
	case errors.As(err, new(badContentType)):
		return http.StatusBadRequest, serviceCodes[http.StatusBadRequest], struct {
			Type   string `json:"type"`
			Status int    `json:"status"`
			Title  string `json:"title"`
			Detail string `json:"detail"`
		}{"/placeholder/type/uri", http.StatusBadRequest, "BadRequestError", "A valid content-type must be specified"}
	case errors.As(err, &inj):
		if msg, ok := gatewayMessages[inj.Code]; ok && !underIMS(c.Request().URL.Path) {
			ge := gatewayError{inj.Code, msg}
			return cmp.Or(inj.Status, ge.status()), inj.Code, gatewayDoc{ge.Code, ge.Message}
		}
		status = cmp.Or(inj.Status, statusOfServiceCode(inj.Code), http.StatusInternalServerError)
		if desc, ok := imsCodes[inj.Code]; ok && underIMS(c.Request().URL.Path) {
			return cmp.Or(inj.Status, http.StatusBadRequest), inj.Code, imsDoc{inj.Code, desc}
		}
		detail = cmp.Or(http.StatusText(status), "Error") + " (injected fault)."
	case errors.As(err, &nf):
		status, detail = http.StatusNotFound, fmt.Sprintf("No credential with instanceId %s was found.", nf.ID)
	case errors.As(err, &cv):
		status, detail, violations = http.StatusBadRequest, "The request is not valid.", cv
	case errors.As(err, new(frontdoor.NotFound)), store.IsNotFound(err):
		status, detail = http.StatusNotFound, "No resource was found at "+c.Request().URL.Path+"."
	case errors.As(err, &na):
		status, detail = http.StatusMethodNotAllowed, fmt.Sprintf("Method %s is not allowed; allowed: %s.", na.Method, strings.Join(na.Allow, ", "))
	case errors.As(err, &tl):
		status, detail = http.StatusRequestEntityTooLarge, fmt.Sprintf("The request body is over %d bytes.", tl.Limit)
	case errors.As(err, &he) && he.Code == http.StatusRequestEntityTooLarge:
		status, detail = http.StatusRequestEntityTooLarge, fmt.Sprintf("The request body is over %d bytes.", a.cfg.MaxBody)
	case errors.As(err, &tm):
		status, detail = http.StatusTooManyRequests, fmt.Sprintf("Too many requests: %s. Retry after %d seconds.", strings.TrimSuffix(tm.Detail, "."), tm.RetryAfterSeconds())
	case store.IsDiskFull(err):
		a.log.Warn("write refused: database or disk is full", "method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
	default:
		a.log.Error("internal error", "method", c.Request().Method, "path", c.Request().URL.Path, "error", err)
	}
	code := cmp.Or(serviceCodes[status], fmt.Sprintf("DSDK-%04d-%d", status, status))
	if underIMS(c.Request().URL.Path) {
		return status, imsName(status), imsDoc{imsName(status), detail}
	}
	if inj.Code != "" {
		code = inj.Code
	}
	return status, code, problemDoc{
		Type: "https://ns.adobe.com/aep/errors/" + cmp.Or(serviceCodes[status], code), Status: status,
		Title: problemTitle(status), Detail: detail,
		Report: problemReport{Errors: violations, TenantInfo: a.tenantInfo(c)},
	}
}

// problemTitle is a status's reason phrase as RFC 9110 words it (413 is Payload Too Large).
func problemTitle(status int) string {
	if status == http.StatusRequestEntityTooLarge {
		return "Payload Too Large"
	}
	return cmp.Or(http.StatusText(status), "Error")
}

// statusOfServiceCode reads the status of a DSDK code ("DSDK-0404-404"), or 0.
func statusOfServiceCode(code string) int {
	if !strings.HasPrefix(code, "DSDK-") || len(code) < 3 {
		return 0
	}
	n, _ := strconv.Atoi(code[len(code)-3:])
	return n
}

// imsName names an error of a status in IMS's words.
func imsName(status int) string {
	switch status {
	case http.StatusNotFound:
		return "not_found"
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestEntityTooLarge:
		return "request_too_large"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	case http.StatusServiceUnavailable:
		return "temporarily_unavailable"
	case http.StatusBadRequest:
		return "invalid_request"
	}
	return "server_error"
}

// tenantInfo is the org and sandbox a problem reports: the request's, as the gateway read
// them.
func (a *adobeAPI) tenantInfo(c echo.Context) tenantInfo {
	if t, ok := tenantOf(c); ok {
		return tenantInfo{t.org, t.sandbox}
	}
	h := c.Request().Header
	return tenantInfo{h.Get("x-gw-ims-org-id"), cmp.Or(h.Get("x-sandbox-name"), "prod")}
}
