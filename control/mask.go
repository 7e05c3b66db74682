package control

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/url"
	"regexp"
	"strings"
)

// Masked replaces the value of a secret in the journal.
const Masked = "[masked]"

// secretNames are members and parameters whose values the journal never keeps.
var secretNames = map[string]bool{
	"client_secret": true, "password": true, "secret": true, "token": true, "access_token": true,
	"refresh_token": true, "id_token": true, "api_key": true, "apikey": true, "private_key": true,
	"client_assertion": true, "assertion": true, "code_verifier": true, "authorization": true,
	"connection_string": true, // an Azure connection string holds its account key
}

// secretSuffixes catch the rest by their names' ends: a provider's "saml_secret", a
// "session_token".
var secretSuffixes = []string{"_secret", "_token", "_password", "_key"}

// isSecret reports whether a member or parameter name carries a secret, written in
// snake_case (client_secret) or camelCase (clientSecret, secretKey: Adobe's credentials).
func isSecret(name string) bool {
	name = snakeCase(name)
	if secretNames[name] {
		return true
	}
	for _, s := range secretSuffixes {
		if strings.HasSuffix(name, s) {
			return true
		}
	}
	return false
}

// snakeCase lowers a name, with an underscore before each capital that follows a lower-case
// letter or a digit: clientSecret and client_secret are the same name.
func snakeCase(name string) string {
	var b strings.Builder
	for i, r := range name {
		if r >= 'A' && r <= 'Z' {
			if i > 0 && (name[i-1] >= 'a' && name[i-1] <= 'z' || name[i-1] >= '0' && name[i-1] <= '9') {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// maskQuery masks the values of secret parameters of a query string or a form body,
// keeping everything else as it came.
func maskQuery(q string) string {
	if q == "" {
		return q
	}
	parts := strings.Split(q, "&")
	changed := false
	for i, p := range parts {
		key, _, _ := strings.Cut(p, "=")
		name, err := url.QueryUnescape(key)
		if err != nil {
			name = key
		}
		if isSecret(name) {
			parts[i], changed = key+"="+Masked, true
		}
	}
	if !changed {
		return q
	}
	return strings.Join(parts, "&")
}

// maskBody masks the secrets of a JSON or form body; other bodies are kept as they came.
func maskBody(contentType string, body []byte) string {
	if len(body) == 0 {
		return ""
	}
	mediaType, _, _ := mime.ParseMediaType(contentType)
	switch {
	case mediaType == "application/x-www-form-urlencoded":
		return maskQuery(string(body))
	case strings.HasSuffix(mediaType, "json") || json.Valid(body):
		if json.Valid(body) {
			masked, _ := maskJSON(body, 0)
			return string(masked)
		}
		// Cut at the journal's limit, or malformed: mask what looks like a secret member.
		return secretMemberRE.ReplaceAllStringFunc(string(body), func(m string) string {
			sub := secretMemberRE.FindStringSubmatch(m)
			if !isSecret(sub[1]) {
				return m
			}
			return `"` + sub[1] + `"` + sub[2] + `"` + Masked + `"`
		})
	}
	return string(body)
}

// secretMemberRE matches a member whose value is a scalar, a string possibly cut short.
var secretMemberRE = regexp.MustCompile(`"([A-Za-z0-9_\-]+)"(\s*:\s*)(?:"(?:[^"\\]|\\.)*(?:"|\\?$)|[^,}\]\s]+)`)

// maxMaskDepth bounds the nesting maskJSON walks, so that a body of brackets costs little;
// deeper values are kept as they came.
const maxMaskDepth = 32

// maskJSON returns a valid JSON value with the values of secret members, at any depth,
// replaced by Masked; it reports whether it changed anything. Unchanged parts keep their
// bytes, and members their order.
func maskJSON(raw []byte, depth int) ([]byte, bool) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || depth > maxMaskDepth || (trimmed[0] != '{' && trimmed[0] != '[') {
		return raw, false
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	if _, err := dec.Token(); err != nil {
		return raw, false
	}
	var out bytes.Buffer
	out.WriteByte(trimmed[0])
	changed := false
	for n := 0; dec.More(); n++ {
		if n > 0 {
			out.WriteByte(',')
		}
		if trimmed[0] == '{' {
			tok, err := dec.Token()
			if err != nil {
				return raw, false
			}
			key, _ := tok.(string)
			name, _ := json.Marshal(key)
			out.Write(name)
			out.WriteByte(':')
			if isSecret(key) {
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return raw, false
				}
				out.WriteString(`"` + Masked + `"`)
				changed = true
				continue
			}
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return raw, false
		}
		masked, c := maskJSON(v, depth+1)
		changed = changed || c
		out.Write(masked)
	}
	if !changed {
		return raw, false
	}
	if trimmed[0] == '{' {
		out.WriteByte('}')
	} else {
		out.WriteByte(']')
	}
	return out.Bytes(), true
}
