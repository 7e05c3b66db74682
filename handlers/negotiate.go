package handlers

import (
	"mime"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/commercelayer-mock/provmock/apierror"
)

// negotiate checks Content-Type (writes only) and then Accept, in the real service's order.
func (a *api) negotiate(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method == http.MethodPost || r.Method == http.MethodPatch {
			ct := r.Header.Get("Content-Type")
			// An action without parameters (resend) may come with no body and no Content-Type.
			bodyless := ct == "" && r.ContentLength <= 0 && a.bodyOptional[c.Path()]
			if !bodyless && !isMediaType(ct) {
				return apierror.UnsupportedMediaType(ct)
			}
		}
		if accept := r.Header.Get("Accept"); accept != "" && !acceptable(accept) {
			return apierror.NotAcceptable(accept)
		}
		return next(c)
	}
}

// isMediaType reports whether a Content-Type is JSON:API's (a charset parameter is tolerated).
func isMediaType(ct string) bool {
	if ct == MediaType { // what clients send, without parsing
		return true
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != MediaType {
		return false
	}
	for k := range params {
		if k != "charset" {
			return false
		}
	}
	return true
}

// acceptable reports whether an Accept header allows JSON:API without media type parameters,
// or anything (*/* or application/*).
func acceptable(accept string) bool {
	if accept == MediaType || accept == "*/*" { // what clients send, without parsing
		return true
	}
	for _, item := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(item))
		if err != nil {
			continue
		}
		delete(params, "q")
		switch mt {
		case "*/*", "application/*":
			return true
		case MediaType:
			if len(params) == 0 {
				return true
			}
		}
	}
	return false
}
