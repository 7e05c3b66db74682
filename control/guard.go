package control

import (
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// hostGuard decides which Host headers and browser origins the control API answers. The
// control API has no CORS, so a page elsewhere cannot read its answers; but a browser still
// sends a page's "simple" cross-origin requests (a POST with a text/plain body, say), and a
// page whose name an attacker rebinds to 127.0.0.1 (DNS rebinding) shares an origin with
// the mock. So the control API refuses a request that names another host (rebinding sends
// the attacker's name), and one a page on another origin sent (browsers add Origin to every
// cross-origin request, and curl, SDKs and test suites send none).
type hostGuard struct {
	listenHost string   // the host part of the listen address, when it is a name
	allowed    []string // names from --allow-hosts; ".example.test" admits its subdomains too
}

func newHostGuard(listenAddr string, allowHosts []string) hostGuard {
	g := hostGuard{}
	if host, _, err := net.SplitHostPort(listenAddr); err == nil {
		g.listenHost = strings.ToLower(host)
	}
	for _, h := range allowHosts {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			g.allowed = append(g.allowed, h)
		}
	}
	return g
}

// hostAllowed reports whether a request's Host header names the mock: a loopback name, an
// IP address (a rebinding attack needs a name), the listen address or an allowed host.
func (g hostGuard) hostAllowed(hostport string) bool {
	if hostport == "" {
		return true // no Host at all (HTTP/1.0): no browser sends that
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") || net.ParseIP(host) != nil {
		return true
	}
	if g.listenHost != "" && host == g.listenHost {
		return true
	}
	for _, a := range g.allowed {
		if host == a || (strings.HasPrefix(a, ".") && (host == a[1:] || strings.HasSuffix(host, a))) {
			return true
		}
	}
	return false
}

// originAllowed reports whether a request's Origin header, if any, is the mock's own: the
// scheme and the Host the request came to.
func originAllowed(origin, scheme, host string) bool {
	if origin == "" {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	// "null" (a sandboxed frame, a file: page) has neither
	return u.Scheme == scheme && strings.EqualFold(u.Host, host)
}

// underControl reports whether a path is the control API's.
func underControl(path string) bool {
	return path == Prefix || strings.HasPrefix(path, Prefix+"/")
}

// middleware answers 403 to control calls from another host or origin; other paths pass.
func (g hostGuard) middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if !underControl(r.URL.Path) {
			return next(c)
		}
		if !g.hostAllowed(r.Host) {
			return fail(c, http.StatusForbidden, "the control API answers requests to a loopback host, an IP address, the listen address "+
				"or a host named by --allow-hosts, not to "+r.Host)
		}
		if origin := r.Header.Get("Origin"); !originAllowed(origin, c.Scheme(), r.Host) {
			return fail(c, http.StatusForbidden, "the control API does not answer pages of other origins ("+origin+")")
		}
		return next(c)
	}
}
