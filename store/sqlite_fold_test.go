package store

import (
	"database/sql"
	"testing"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/commercelayer-mock/provmock/query"
)

func TestFoldGlob(t *testing.T) {
	for pattern, want := range map[string]string{
		"%café%":     "*[Cc][Aa][Ff][Éé]*",
		`%\_É\%`:     "*_[Éé]%",
		"a_b":        "[Aa]?[Bb]",
		"*?[]^-":     "[*][?][[]]^-",
		"\u212a%":    "\u212a*", // the Kelvin sign folds as itself only
		"k":          "[Kk]",
		"σ":          "[Σςσ]",
		`ng\`:        `[Nn][Gg]\`,
		"100\\%\\\\": "100%\\",
	} {
		if got := foldGlob(pattern); got != want {
			t.Errorf("foldGlob(%q) = %q, want %q", pattern, got, want)
		}
	}
}

// TestFoldGlobMatchesAsFoldedLike checks, in SQLite, that the skeleton's LIKE and the GLOB
// together match exactly what fold(text) LIKE fold(pattern) matches, what the store evaluated
// before (through a Go function on every row), over texts and patterns chosen for the hard
// cases.
func TestFoldGlobMatchesAsFoldedLike(t *testing.T) {
	sql.Register("sqlite3_fold_test", &sqlite3.SQLiteDriver{
		ConnectHook: func(conn *sqlite3.SQLiteConn) error {
			return conn.RegisterFunc("test_fold", func(s string) string { return fold(s) }, true)
		},
	})
	db, err := sql.Open("sqlite3_fold_test", ":memory:")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	texts := []string{"Café", "CAFÉ noir", "cafe", "café au lait", "ΣΊΣΥΦΟΣ", "σίσυφος", "ς", "Σ", "\u212a", "k", "K", "\u017f", "s",
		"straße", "STRASSE", "ẞ", "ß", "*?[", "a*b", "100%", "a_b", "axb", `back\slash`, "Ǆ", "ǅ", "ǆ", "", "é", "É", "ΐ", "ﬀ", "İ", "i", "ı", "I"}
	values := []string{"é", "É", "café", "ς", "σ", "Σ", "\u212a", "k", "\u017f", "s", "*", "?", "[", "]", "^", "-", "%", "_", `\`,
		"Ǆ", "ß", "ẞ", "ΐ", "İ", "ı", "i", "a*b", "a_b", "CAFÉ N"}
	for _, v := range values {
		for _, p := range []query.Pattern{query.Contains, query.Prefix, query.Suffix} {
			pattern := likePattern(p, v)
			glob := foldGlob(pattern)
			for _, text := range texts {
				var globbed, liked bool
				err := db.QueryRow(`SELECT ? LIKE ? ESCAPE '\' AND ? GLOB ?, test_fold(?) LIKE test_fold(?) ESCAPE '\'`,
					text, skeleton(pattern), text, glob, text, pattern).Scan(&globbed, &liked)
				if err != nil {
					t.Fatal(err)
				}
				if globbed != liked {
					t.Errorf("%q against %q (GLOB %q): LIKE and GLOB %v, folded LIKE %v", text, pattern, glob, globbed, liked)
				}
			}
		}
	}
}
