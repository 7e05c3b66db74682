package store

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// foldGlob turns a LIKE pattern (ESCAPE '\') into an SQLite GLOB that matches exactly the
// text fold(text) LIKE fold(pattern) matches: % and _ become * and ?, and every other
// character the class of the characters fold maps where it maps that one ("é" becomes
// "[Éé]", "k" becomes "[Kk]", the Kelvin sign stays itself). GLOB compares characters
// exactly and reads classes and ? as whole UTF-8 characters, as LIKE's _ does.
func foldGlob(pattern string) string {
	var b strings.Builder
	walkLike(pattern, func() { b.WriteByte('*') }, func() { b.WriteByte('?') }, func(r rune) { writeFoldClass(&b, r) })
	return b.String()
}

// walkLike reads a LIKE pattern (ESCAPE '\'): many for each %, one for each _, and literal
// for every other character, escaped or not, in order.
func walkLike(pattern string, many, one func(), literal func(rune)) {
	for i := 0; i < len(pattern); {
		r, n := utf8.DecodeRuneInString(pattern[i:])
		i += n
		switch {
		case r == '\\' && i < len(pattern):
			r, n = utf8.DecodeRuneInString(pattern[i:])
			i += n
		case r == '%':
			many()
			continue
		case r == '_':
			one()
			continue
		}
		literal(r)
	}
}

// writeFoldClass writes the GLOB that matches the characters folding as r does: r alone, or
// a class of r's case variants. Only letters have variants, so a class never holds GLOB's
// own ], ^ or -; a lone *, ? or [ is written as a class, GLOB's way of escaping it.
func writeFoldClass(b *strings.Builder, r rune) {
	want := fold(string(r))
	variants := []rune{r}
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		if fold(string(f)) == want {
			variants = append(variants, f)
		}
	}
	if len(variants) == 1 && r != '*' && r != '?' && r != '[' {
		b.WriteRune(r)
		return
	}
	slices.Sort(variants)
	b.WriteByte('[')
	for _, v := range variants {
		b.WriteRune(v)
	}
	b.WriteByte(']')
}

// skeleton turns a LIKE pattern (ESCAPE '\') into a looser one that SQLite's built-in LIKE
// can test: every non-ASCII character, escaped or not, becomes _ (any one character). Since
// fold keeps characters single and never maps non-ASCII to ASCII, whatever the folded pattern
// matches the skeleton matches too: it is a cheap prefilter.
func skeleton(pattern string) string {
	var b strings.Builder
	for i := 0; i < len(pattern); {
		r, n := utf8.DecodeRuneInString(pattern[i:])
		if r == '\\' && i+n < len(pattern) {
			next, m := utf8.DecodeRuneInString(pattern[i+n:])
			if next >= utf8.RuneSelf {
				b.WriteByte('_')
			} else {
				b.WriteString(pattern[i : i+n+m])
			}
			i += n + m
			continue
		}
		if r >= utf8.RuneSelf {
			b.WriteByte('_')
		} else {
			b.WriteString(pattern[i : i+n])
		}
		i += n
	}
	return b.String()
}
