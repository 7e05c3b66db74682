package imagecache

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// uniqueKey is a key no other test uses: the memory layer is shared by the whole process.
func uniqueKey(t *testing.T) string { return Key([]byte(t.Name())) }

func TestKeyTellsPartsApart(t *testing.T) {
	a, b := Key([]byte("ab"), []byte("c")), Key([]byte("a"), []byte("bc"))
	if a == b {
		t.Fatal(`Key("ab", "c") == Key("a", "bc")`)
	}
	if Key([]byte("ab"), []byte("c")) != a {
		t.Fatal("Key is not a function of its parts")
	}
	if len(a) != 64 || strings.Trim(a, "0123456789abcdef") != "" {
		t.Fatalf("Key = %q, want 64 hex digits", a)
	}
}

func TestMemoryEntries(t *testing.T) {
	key := uniqueKey(t)
	if _, ok, _ := Lookup("", key); ok {
		t.Fatal("a key never put was found")
	}
	records := map[string]int{"roles": 5}
	if err := Put("", key, []byte("image"), records); err != nil {
		t.Fatal(err)
	}
	records["roles"] = 99 // the caller's map is not the cache's
	e, ok, _ := Lookup("", key)
	if !ok || string(e.Data) != "image" || !reflect.DeepEqual(e.Records, map[string]int{"roles": 5}) {
		t.Fatalf("Lookup = %+v, %v", e, ok)
	}
	e.Records["roles"] = 0
	if e, _, _ := Lookup("", key); e.Records["roles"] != 5 {
		t.Fatal("a change to a looked-up entry reached the cache")
	}
	Remove("", key)
	if _, ok, _ := Lookup("", key); ok {
		t.Fatal("a removed key was found")
	}
}

func TestMemoryKeepsTheNewestEntries(t *testing.T) {
	var keys []string
	for i := 0; i < memory.limit+2; i++ {
		key := Key([]byte(t.Name()), []byte(fmt.Sprint(i)))
		keys = append(keys, key)
		if err := Put("", key, []byte{byte(i)}, nil); err != nil {
			t.Fatal(err)
		}
	}
	for i, key := range keys {
		_, ok, _ := Lookup("", key)
		if want := i >= 2; ok != want {
			t.Errorf("entry %d of %d kept: %v, want %v", i, len(keys), ok, want)
		}
	}
}

// imageFile returns the one image file of dir, failing the test if there is not one.
func imageFile(t *testing.T, dir string) string {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(dir, "*"+fileSuffix))
	if len(files) != 1 {
		t.Fatalf("%s holds image files %v, want one", dir, files)
	}
	return files[0]
}

func TestDiskEntries(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "made", "by", "put")
	key := uniqueKey(t)
	data := bytes.Repeat([]byte("page"), 4096)
	if err := Put(dir, key, data, map[string]int{"users": 2}); err != nil {
		t.Fatal(err)
	}
	memory.remove(key) // as a new process would start: nothing in memory
	e, ok, err := Lookup(dir, key)
	if !ok || err != nil || !bytes.Equal(e.Data, data) || e.Records != nil {
		t.Fatalf("Lookup = %d bytes, %v, %v, %v; want the %d bytes put, no counts", len(e.Data), e.Records, ok, err, len(data))
	}
	file := imageFile(t, dir)
	sum := sha256.Sum256(data)
	if want := filepath.Base(filePrefix(dir, key)) + "-" + hex.EncodeToString(sum[:]) + fileSuffix; filepath.Base(file) != want || strings.Contains(want, key) {
		t.Errorf("file %s: want %s, named by the key, the executable and the content", file, want)
	}
	if got, err := os.ReadFile(file); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("the file holds %d bytes (%v), want the %d put", len(got), err, len(data))
	}
	if _, ok, _ := Lookup(t.TempDir(), key); ok {
		t.Fatal("found in another directory")
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("the directory holds %d files, want the image only", len(entries))
	}
	Remove(dir, key)
	if _, ok, _ := Lookup(dir, key); ok {
		t.Fatal("a removed file was found")
	}
}

func TestDiskEntriesAreOwnersOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	if err := Put(dir, uniqueKey(t), []byte("image"), nil); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, imageFile(t, dir): 0o600} {
		if info, err := os.Stat(path); err != nil || info.Mode().Perm() != want {
			t.Errorf("%s: mode %v (%v), want %v", path, info.Mode().Perm(), err, want)
		}
	}
}

func TestAFileThatDoesNotMatchItsHashIsRemoved(t *testing.T) {
	data := bytes.Repeat([]byte("page"), 4096)
	for name, edit := range map[string]func([]byte) []byte{
		"edited":    func(b []byte) []byte { b = bytes.Clone(b); b[100] = 'X'; return b },
		"truncated": func(b []byte) []byte { return b[:len(b)/2] },
		"empty":     func([]byte) []byte { return nil },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			key := uniqueKey(t)
			if err := Put(dir, key, data, nil); err != nil {
				t.Fatal(err)
			}
			memory.remove(key)
			file := imageFile(t, dir)
			if err := os.WriteFile(file, edit(data), 0o600); err != nil {
				t.Fatal(err)
			}
			e, ok, err := Lookup(dir, key)
			if ok {
				t.Fatalf("found %d bytes", len(e.Data))
			}
			if name == "empty" {
				return // an empty file, as a full disk leaves it, is a plain miss
			}
			if !errors.Is(err, ErrMismatch) || !strings.Contains(err.Error(), file) {
				t.Fatalf("error = %v, want ErrMismatch naming %s", err, file)
			}
			if _, err := os.Stat(file); !os.IsNotExist(err) {
				t.Fatalf("the file is still there (%v)", err)
			}
		})
	}
}

func TestPutIntoADirectoryThatCannotBeMade(t *testing.T) {
	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	key := uniqueKey(t)
	if err := Put(filepath.Join(blocker, "cache"), key, []byte("image"), nil); err == nil {
		t.Fatal("Put succeeded under a file")
	}
	if _, ok, _ := Lookup("", key); !ok {
		t.Fatal("the entry is not kept in memory either")
	}
}

func TestPruneKeepsTheNewestImages(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	var old []string
	for i := 0; i < keep+4; i++ {
		path := filepath.Join(dir, fmt.Sprintf("old%02d%s", i, fileSuffix))
		if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		// old00 is the oldest.
		if err := os.Chtimes(path, now, now.Add(time.Duration(i-100)*time.Minute)); err != nil {
			t.Fatal(err)
		}
		old = append(old, filepath.Base(path))
	}
	stale, fresh, other := "a"+fileSuffix+".1"+tmpSuffix, "b"+fileSuffix+".2"+tmpSuffix, "notes.txt"
	for _, name := range []string{stale, fresh, other} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Chtimes(filepath.Join(dir, stale), now, now.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	key := uniqueKey(t)
	if err := Put(dir, key, []byte("new"), nil); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	// The new image and the keep-1 newest old ones; the fresh temporary file (a writer at
	// work) and files of other kinds stay.
	want := append(slices.Clone(old[len(old)-(keep-1):]), filepath.Base(filePrefix(dir, key))+"-"+contentHash([]byte("new"))+fileSuffix, fresh, other)
	slices.Sort(want)
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("after pruning:\n got %v\nwant %v", names, want)
	}
}

func TestExecutableIsNamedByItsGoBuildID(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "tool", "buildid", exe).Output()
	if err != nil {
		t.Skipf("go tool buildid: %v", err)
	}
	want := strings.TrimSpace(string(out))
	if got := goBuildID(exe); got != want {
		t.Fatalf("goBuildID = %q, want %q (go tool buildid)", got, want)
	}
	if got := executable(); got != "go build "+want {
		t.Fatalf("executable() = %q", got)
	}
	notELF := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(notELF, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	if got := goBuildID(notELF); got != "" {
		t.Fatalf("goBuildID of a script = %q", got)
	}
}
