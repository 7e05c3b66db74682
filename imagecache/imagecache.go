package imagecache

import (
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// Entry is what a key finds: the bytes of an SQLite database image, and, for one that
// this process made, how many records of each type it holds.
type Entry struct {
	Data    []byte         // the bytes of an SQLite database
	Records map[string]int // how many records of each type; nil when read from a file
}

// Key returns the key of an image made from parts: every input the image depends on, such
// as the fixtures' bytes.
func Key(parts ...[]byte) string {
	h := sha256.New()
	var n [8]byte
	for _, p := range parts {
		// Each part's length first, so that ("ab", "c") and ("a", "bc") differ.
		binary.LittleEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// ErrMismatch is what Lookup reports of an image file whose content is not the one its
// name records (edited, or truncated): the file is removed, never used.
var ErrMismatch = errors.New("imagecache: image does not match its hash")

// Lookup returns the image kept under key: from this process's memory, else from dir (""
// for none). A file is read whole and used only when its SHA-256 is the one in its name,
// so that what is served is what was verified; one that fails is removed, and Lookup
// reports it (wrapping ErrMismatch) beside the miss.
func Lookup(dir, key string) (Entry, bool, error) {
	if e, ok := memory.get(key); ok {
		return e, true, nil
	}
	prefix := filePrefix(dir, key)
	if prefix == "" {
		return Entry{}, false, nil
	}
	var refused error
	for _, path := range imageFiles(dir, prefix) {
		info, err := os.Lstat(path)
		if err != nil || !info.Mode().IsRegular() || info.Size() == 0 {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			continue
		}
		if path == prefix+"-"+contentHash(data)+fileSuffix {
			return Entry{Data: data}, true, nil
		}
		_ = os.Remove(path)
		refused = fmt.Errorf("%w: %s (removed)", ErrMismatch, path)
	}
	return Entry{}, false, refused
}

// Put keeps data, the bytes of an SQLite database holding records, under key in this
// process's memory and, when dir is not "", as a file of dir (made 0700 if needed) named by
// the key, the executable and the SHA-256 of data. No reader sees a partial file: each
// writer writes a temporary file of its own (0600) and renames it into place (prune
// removes what a writer killed meanwhile left).
func Put(dir, key string, data []byte, records map[string]int) error {
	memory.put(key, Entry{Data: data, Records: maps.Clone(records)})
	prefix := filePrefix(dir, key)
	if prefix == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	path := prefix + "-" + contentHash(data) + fileSuffix
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*"+tmpSuffix)
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if closeErr := tmp.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		_ = os.Remove(tmp.Name())
		return err
	}
	for _, other := range imageFiles(dir, prefix) {
		if other != path {
			_ = os.Remove(other) // an older image of the same key
		}
	}
	prune(dir)
	return nil
}

// Remove forgets key's image, in memory and in dir: one that turned out not to open.
func Remove(dir, key string) {
	memory.remove(key)
	if prefix := filePrefix(dir, key); prefix != "" {
		for _, path := range imageFiles(dir, prefix) {
			_ = os.Remove(path)
		}
	}
}

// contentHash is the hash of an image's bytes that its file name records.
func contentHash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// imageFiles returns the image files of dir whose names start with prefix (a path).
func imageFiles(dir, prefix string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	start := filepath.Base(prefix) + "-"
	var out []string
	for _, de := range entries {
		if name := de.Name(); strings.HasPrefix(name, start) && strings.HasSuffix(name, fileSuffix) {
			out = append(out, filepath.Join(dir, name))
		}
	}
	return out
}

// memory keeps the images of this process, a few at most: a test binary that loads many
// different datasets should not hold them all.
var memory = &memo{limit: 8, entries: map[string]Entry{}}

type memo struct {
	mu      sync.Mutex
	limit   int
	entries map[string]Entry
	order   []string // oldest first
}

func (m *memo) get(key string) (Entry, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	// Callers may change the counts they get; the image they only read.
	return Entry{Data: e.Data, Records: maps.Clone(e.Records)}, ok
}

func (m *memo) remove(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[key]; ok {
		delete(m.entries, key)
		m.order = slices.DeleteFunc(m.order, func(k string) bool { return k == key })
	}
}

func (m *memo) put(key string, e Entry) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[key]; !ok {
		m.order = append(m.order, key)
	}
	m.entries[key] = e
	for len(m.order) > m.limit {
		delete(m.entries, m.order[0])
		m.order = m.order[1:]
	}
}

// filePrefix is the path of key's files in dir up to the content hash, or "" when there is
// no disk cache: no dir, or no way to tell this executable from another build.
func filePrefix(dir, key string) string {
	exe := executable()
	if dir == "" || exe == "" {
		return ""
	}
	// An image on disk also depends on the code that made it: the schema, and what a
	// later build stores for the same fixtures, may differ.
	return filepath.Join(dir, Key([]byte(key), []byte(exe)))
}

const (
	fileSuffix = ".sqlite"
	tmpSuffix  = ".tmp"
	// keep is how many image files a directory keeps: each new build of the binary writes
	// new ones, and the old ones would otherwise pile up.
	keep = 16
)

// executable identifies the running executable's build: its Go build ID, which the same
// sources and flags always give, where the format lets it be read cheaply (ELF); else its
// path, size and modification time.
var executable = sync.OnceValue(func() string {
	path, err := os.Executable()
	if err != nil {
		return ""
	}
	if id := goBuildID(path); id != "" {
		return "go build " + id
	}
	info, err := os.Stat(path)
	if err != nil {
		return ""
	}
	return fmt.Sprintf("%s\x00%d\x00%d", path, info.Size(), info.ModTime().UnixNano())
})

// goBuildID reads the Go build ID note of an ELF executable, or returns "".
func goBuildID(path string) string {
	f, err := elf.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sec := f.Section(".note.go.buildid")
	if sec == nil {
		return ""
	}
	note, err := sec.Data()
	// A note: name size, description size, type, the name "Go\x00\x00", the description.
	if err != nil || len(note) < 16 || string(note[12:16]) != "Go\x00\x00" {
		return ""
	}
	size := f.ByteOrder.Uint32(note[4:8])
	if uint64(len(note)-16) < uint64(size) {
		return ""
	}
	return string(note[16 : 16+size])
}

// prune removes all but the newest image files of dir, and the temporary files writers
// left behind more than an hour ago (a writer killed before its rename).
func prune(dir string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	type file struct {
		path string
		mod  time.Time
	}
	var images []file
	for _, de := range entries {
		info, err := de.Info()
		if err != nil || !info.Mode().IsRegular() {
			continue
		}
		path := filepath.Join(dir, de.Name())
		switch {
		case strings.HasSuffix(de.Name(), fileSuffix):
			images = append(images, file{path, info.ModTime()})
		case strings.HasSuffix(de.Name(), tmpSuffix) && time.Since(info.ModTime()) > time.Hour:
			_ = os.Remove(path)
		}
	}
	sort.Slice(images, func(i, j int) bool { return images[i].mod.After(images[j].mod) })
	for i := keep; i < len(images); i++ {
		_ = os.Remove(images[i].path)
	}
}
