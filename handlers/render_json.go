package handlers

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"sync"
	"unicode/utf8"
)

// Documents are written straight into a byte slice, in the order encoding/json would write
// them (struct fields in declaration order, map keys sorted), with the same escaping, so
// that the bytes are those a json.Encoder with SetEscapeHTML(false) made before, without
// building maps of values and sorting their keys on every request. render_equiv_test.go
// holds the writer to encoding/json's output.

// docBuffers are the buffers documents are written into, reused from request to request.
var docBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 4096); return &b }}

// maxPooledBuffer bounds what a buffer may keep when it goes back to the pool: a rare huge
// document should not pin its memory for ever.
const maxPooledBuffer = 1 << 20

func getDocBuffer() *[]byte { return docBuffers.Get().(*[]byte) }

func putDocBuffer(b *[]byte) {
	if cap(*b) > maxPooledBuffer {
		return
	}
	*b = (*b)[:0]
	docBuffers.Put(b)
}

const hexDigits = "0123456789abcdef"

// jsonSafe marks the ASCII bytes a JSON string holds as they are; htmlSafe also leaves out
// <, > and &, which json.Marshal escapes.
var jsonSafe, htmlSafe = func() (safe, html [utf8.RuneSelf]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		safe[b] = b != '"' && b != '\\'
		html[b] = safe[b] && b != '<' && b != '>' && b != '&'
	}
	return
}()

// appendString appends s as a JSON string, escaped as encoding/json escapes it: \" \\ \b
// \f \n \r \t, other control bytes as \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029
// as \u2028 and \u2029, and, with escapeHTML, <, > and & as \u003c, \u003e and \u0026.
func appendString[Text string | []byte](dst []byte, s Text, escapeHTML bool) []byte {
	safe := &jsonSafe
	if escapeHTML {
		safe = &htmlSafe
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if safe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		// At most a rune's bytes are converted, which needs no allocation for []byte.
		r, size := utf8.DecodeRuneInString(string(s[i:min(i+utf8.UTFMax, len(s))]))
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendFloat appends a float64 as encoding/json writes one: the shortest decimal that
// reads back the same, in exponent form below 1e-6 and from 1e21 on, with a one-digit
// negative exponent where Go would write two (1e-07 becomes 1e-7). NaN and infinities are
// not JSON; ok is false for them.
func appendFloat(dst []byte, f float64) (_ []byte, ok bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, false
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	dst = strconv.AppendFloat(dst, f, format, -1, 64)
	if format == 'e' {
		if n := len(dst); n >= 4 && dst[n-4] == 'e' && dst[n-3] == '-' && dst[n-2] == '0' {
			dst[n-2] = dst[n-1]
			dst = dst[:n-1]
		}
	}
	return dst, true
}

// appendValue appends a record's value (string, int64, float64, bool, json.RawMessage or
// nil) as it stands in a document; any other value, or one encoding/json would refuse, goes
// through encoding/json, so that the bytes or the error are the same.
func appendValue(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return appendString(dst, x, false), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case bool:
		return strconv.AppendBool(dst, x), nil
	case float64:
		if out, ok := appendFloat(dst, x); ok {
			return out, nil
		}
	case json.RawMessage:
		if x == nil {
			return append(dst, "null"...), nil
		}
		// encoding/json checks a marshaler's output and drops its insignificant space.
		if out, ok := appendCompact(dst, x); ok {
			return out, nil
		}
	}
	b, err := marshalJSON(v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}

// appendCompact appends JSON text without its insignificant white space, as json.Compact
// does; ok is false when src is not one valid JSON value. Text that has no white space
// outside strings (as stored objects are) is copied after json.Valid checks it.
func appendCompact(dst []byte, src []byte) (_ []byte, ok bool) {
	if !hasSpaceOutsideStrings(src) {
		if !json.Valid(src) {
			return dst, false
		}
		return append(dst, src...), true
	}
	buf := bytes.NewBuffer(dst)
	if err := json.Compact(buf, src); err != nil {
		return dst, false
	}
	return buf.Bytes(), true
}

// hasSpaceOutsideStrings reports whether JSON text may hold white space that compacting
// would drop. A backslash escapes the byte after it inside strings; outside, JSON has none.
func hasSpaceOutsideStrings(src []byte) bool {
	inString := false
	for i := 0; i < len(src); i++ {
		switch c := src[i]; {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case !inString && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			return true
		}
	}
	return false
}
