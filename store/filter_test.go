package store

import (
	"testing"
)

func TestFold(t *testing.T) {
	for _, c := range []struct{ a, b string }{
		{"Café", "CAFÉ"},
		{"straße", "STRAßE"},
		{"ΣΊΣΥΦΟΣ", "σίσυφος"},
		{"σ", "ς"}, // final sigma is in the orbit of sigma
		{"Ǆ", "ǆ"},
	} {
		if fold(c.a) != fold(c.b) {
			t.Errorf("fold(%q) = %q, fold(%q) = %q: want equal", c.a, fold(c.a), c.b, fold(c.b))
		}
	}
	for _, c := range []struct{ a, b string }{
		{"Café", "Cafe"},
		{"\u212a", "k"}, // Kelvin sign: kept apart from ASCII, as SQLite's LIKE keeps it
		{"\u017f", "s"}, // long s
	} {
		if fold(c.a) == fold(c.b) {
			t.Errorf("fold(%q) == fold(%q) = %q: want different", c.a, c.b, fold(c.a))
		}
	}
	for _, s := range []string{`%\_1`, `100\%`, "\\\\", "%É\\%_"} {
		if got := fold(s); got != s && isASCII(s) {
			t.Errorf("fold(%q) = %q: ASCII punctuation must stay", s, got)
		}
	}
	if got := fold("%a_\\%"); got != "%A_\\%" {
		t.Errorf("fold kept wildcards wrong: %q", got)
	}
}

func TestSkeleton(t *testing.T) {
	for pattern, want := range map[string]string{
		"%café%":    "%caf_%",
		`%\É%`:      "%_%",
		`%\_É\%`:    `%\__\%`,
		"ÉÉ":        "__",
		"abc":       "abc",
		`trailing\`: `trailing\`,
		"\xff%":     "_%",
	} {
		if got := skeleton(pattern); got != want {
			t.Errorf("skeleton(%q) = %q, want %q", pattern, got, want)
		}
	}
}
