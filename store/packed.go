package store

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/commercelayer-mock/provmock/models"
)

// Packed rows: where the dialect can (SQLite's json_array), a read selects each row as one
// JSON array of its columns, so that the driver hands over one text value per row instead of
// one value per column (mattn/go-sqlite3 makes a cgo call for each column's type, value and
// length, and for each result column's name and declared type per statement). The array is
// decoded here, after the rows are closed and the connection is free, into exactly the values
// a column-by-column scan gives (decodeValue of the driver's value).
//
// Columns of kind Number stay outside the array, scanned as before: SQLite writes a REAL in
// JSON with 15 significant digits, which does not give every float64 back.

// packedRead is how a read of every column of one type selects and decodes its rows.
type packedRead struct {
	selectList string        // the array, then the loose columns
	inArray    []string      // the columns in the array, in order
	arrayKinds []models.Kind // their kinds
	loose      []string      // the columns selected beside it, in order
}

// newPackedRead returns the packed read of the columns (qualified names in qualified), or nil
// where the dialect does not pack rows.
func newPackedRead(d dialect, kinds map[string]models.Kind, columns, qualified []string) *packedRead {
	p := &packedRead{}
	var inArray, loose []string
	for i, c := range columns {
		if kinds[c] == models.Number {
			p.loose = append(p.loose, c)
			loose = append(loose, d.resultColumn(qualified[i]))
			continue
		}
		p.inArray = append(p.inArray, c)
		p.arrayKinds = append(p.arrayKinds, kinds[c])
		inArray = append(inArray, qualified[i])
	}
	array := d.packedRow(inArray)
	if array == "" {
		return nil
	}
	p.selectList = strings.Join(append([]string{array}, loose...), ", ")
	return p
}

// errPacked is a packed row that is not what the dialect's array function writes.
var errPacked = errors.New("store: malformed packed row")

// scan reads the rows of a packed select into records. The driver's work ends with the rows:
// the arrays are decoded once they are closed.
func (p *packedRead) scan(kinds map[string]models.Kind, rows results) ([]Record, error) {
	type row struct {
		array string
		loose []any
	}
	var got []row
	dest := make([]any, 1+len(p.loose))
	for rows.Next() {
		r := row{loose: make([]any, len(p.loose))}
		dest[0] = &r.array
		for i := range r.loose {
			dest[1+i] = &r.loose[i]
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, err
		}
		got = append(got, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Record, len(got))
	for i, r := range got {
		rec := make(Record, len(p.inArray)+len(p.loose))
		if err := decodePackedRow(r.array, p.inArray, p.arrayKinds, rec); err != nil {
			return nil, err
		}
		for j, c := range p.loose {
			rec[c] = decodeValue(kinds[c], r.loose[j])
		}
		out[i] = rec
	}
	return out, nil
}

// decodePackedRow decodes the JSON array s, one element per column of cols, into rec. Each
// element becomes what the driver would have returned for the column (text: string; an
// integer: int64; a real: float64; null: nil), then the column's kind as decodeValue makes
// it. Strings keep their bytes exactly (invalid UTF-8 included), unlike encoding/json.
func decodePackedRow(s string, cols []string, kinds []models.Kind, rec Record) error {
	if len(s) < 2 || s[0] != '[' || s[len(s)-1] != ']' {
		return errPacked
	}
	i := 1
	for n, c := range cols {
		if n > 0 {
			if i >= len(s) || s[i] != ',' {
				return errPacked
			}
			i++
		}
		if kinds[n] == models.Object && i < len(s) && s[i] == '"' {
			// As decodeValue makes it of the driver's string, without the string between.
			b, next, err := packedText(s, i+1)
			if err != nil {
				return err
			}
			i = next
			rec[c] = json.RawMessage(b)
			continue
		}
		v, next, err := packedValue(s, i)
		if err != nil {
			return err
		}
		i = next
		rec[c] = decodeValue(kinds[n], v)
	}
	if i != len(s)-1 {
		return errPacked
	}
	return nil
}

// packedValue reads the element of s at i: what follows it starts at next.
func packedValue(s string, i int) (v any, next int, err error) {
	if i >= len(s) {
		return nil, 0, errPacked
	}
	switch c := s[i]; {
	case c == '"':
		return packedString(s, i+1)
	case c == 'n':
		if strings.HasPrefix(s[i:], "null") {
			return nil, i + 4, nil
		}
	case c == '-' || (c >= '0' && c <= '9'):
		end := i + 1
		real := false
		for end < len(s) && s[end] != ',' && s[end] != ']' {
			if b := s[end]; b == '.' || b == 'e' || b == 'E' {
				real = true
			}
			end++
		}
		num := s[i:end]
		if !real {
			if n, err := strconv.ParseInt(num, 10, 64); err == nil {
				return n, end, nil
			}
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return nil, 0, errPacked
		}
		return f, end, nil
	}
	return nil, 0, errPacked
}

// packedString reads a JSON string whose text starts at i (after its opening quote).
func packedString(s string, i int) (string, int, error) {
	start := i
	for i < len(s) && s[i] != '"' && s[i] != '\\' {
		i++
	}
	if i < len(s) && s[i] == '"' {
		return s[start:i], i + 1, nil // no escape: the text as it is, without a copy
	}
	b, next, err := packedText(s, start)
	return string(b), next, err
}

// packedText is packedString's text as new bytes.
func packedText(s string, i int) ([]byte, int, error) {
	b := make([]byte, 0, min(len(s)-i, 64))
	for i < len(s) {
		if c := s[i]; c == '"' {
			return b, i + 1, nil
		} else if c != '\\' {
			// The run up to the next quote or escape, at once (JSON text escapes every quote).
			j := i + 1
			for j < len(s) && s[j] != '"' && s[j] != '\\' {
				j++
			}
			b = append(b, s[i:j]...)
			i = j
			continue
		}
		if i+1 >= len(s) {
			return nil, 0, errPacked
		}
		switch e := s[i+1]; e {
		case '"', '\\', '/':
			b = append(b, e)
		case 'b':
			b = append(b, '\b')
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'u':
			r, ok := hex4(s, i+2)
			if !ok {
				return nil, 0, errPacked
			}
			i += 6
			if utf16.IsSurrogate(r) {
				r2, ok := hex4(s, i+2)
				if !ok || i+1 >= len(s) || s[i] != '\\' || s[i+1] != 'u' {
					return nil, 0, errPacked
				}
				if r = utf16.DecodeRune(r, r2); r == utf8.RuneError {
					return nil, 0, errPacked
				}
				i += 6
			}
			b = utf8.AppendRune(b, r)
			continue
		default:
			return nil, 0, errPacked
		}
		i += 2
	}
	return nil, 0, errPacked
}

// hex4 reads the four hexadecimal digits of a \u escape at i.
func hex4(s string, i int) (rune, bool) {
	if i+4 > len(s) {
		return 0, false
	}
	n, err := strconv.ParseUint(s[i:i+4], 16, 16)
	return rune(n), err == nil
}
