package store

import (
	"regexp"
	"strings"
	"testing"
)

// likeFold is SQLite's side of a case-insensitive match, in Go: the folded text matches the
// folded pattern as LIKE (ESCAPE '\') has it.
func likeFold(text, pattern string) bool {
	var re strings.Builder
	re.WriteString(`(?s)^`)
	p := []rune(fold(pattern))
	for i := 0; i < len(p); i++ {
		switch r := p[i]; {
		case r == '\\' && i+1 < len(p):
			i++
			re.WriteString(regexp.QuoteMeta(string(p[i])))
		case r == '%':
			re.WriteString(".*")
		case r == '_':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	re.WriteString("$")
	return regexp.MustCompile(re.String()).MatchString(fold(text))
}

// TestFoldRegexpMatchesAsFoldDoes: the regular expression PostgreSQL matches with answers as
// SQLite's folded LIKE, for letters of several scripts, the few characters fold keeps apart
// (the Kelvin sign, the long s), wildcards, escapes and punctuation. Go's regexp reads the
// expression as PostgreSQL's does for what foldRegexp writes.
func TestFoldRegexpMatchesAsFoldDoes(t *testing.T) {
	texts := []string{"Café", "CAFÉ", "cafe", "ÇA", "ça", "Straße", "STRASSE", "ſ", "s", "S", "K", "k", "K",
		"Ωmega", "ωMEGA", "ΣΊΣΥΦΟΣ", "σίσυφος", "İstanbul", "istanbul", "a.b", "a%b", "a_b", `a\b`, "a\nb", "[x]", "x^y", "", "DŽ", "dž", "Dž"}
	patterns := []string{"café", "%É", "ca_é", "%ſ%", "s", "%k", "K", "ω%", "%σ", "%ς", "i%", "İ%",
		`a\.b`, `a\%b`, `a\_b`, `a\\b`, "a%b", "a_b", "[x]", "x^y", "", "%", "dž", "DŽ", "(", "a$", "é+"}
	for _, p := range patterns {
		re := regexp.MustCompile(`(?s)` + foldRegexp(p))
		for _, text := range texts {
			if got, want := re.MatchString(text), likeFold(text, p); got != want {
				t.Errorf("%q against %q: regexp %s says %t, fold says %t", text, p, foldRegexp(p), got, want)
			}
		}
	}
}

func TestMaskURLHidesThePassword(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://ann:s3cret@db:5432/mock?search_path=ci_42": "postgres://ann:xxxxx@db:5432/mock?search_path=ci_42",
		"postgres://ann@db/mock":                               "postgres://ann@db/mock",
		"/var/lib/provmock.db":                                 "/var/lib/provmock.db",
		":memory:":                                             ":memory:",
	} {
		if got := MaskURL(in); got != want {
			t.Errorf("MaskURL(%q) = %q, want %q", in, got, want)
		}
	}
}
