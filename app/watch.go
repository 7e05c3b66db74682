package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/commercelayer-mock/provmock/mock"
)

// watchEvery is how often --watch looks at the fixtures file. Polling, rather than file
// system events, needs no dependency and sees every way a file changes: an editor's
// rename over it, a bind mount into a container, a network file system.
const watchEvery = 500 * time.Millisecond

// watchFixtures reloads the fixtures file into the mock whenever its content changes, until
// ctx ends: the mock's data becomes the new dataset, as with POST /_mock/fixtures?replace=true,
// and one line is logged. A file that does not load (broken, half written, gone) leaves the
// running data as it is and logs the error, which names the line.
func watchFixtures(ctx context.Context, path string, m *mock.Mock, logger *slog.Logger) {
	type seen struct {
		mod  time.Time
		size int64
	}
	var last seen
	if fi, err := os.Stat(path); err == nil {
		last = seen{fi.ModTime(), fi.Size()}
	}
	// The content loaded at start: a change of the file's time alone reloads nothing.
	lastSum, _ := fileSum(path)
	ticker := time.NewTicker(watchEvery)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		fi, err := os.Stat(path)
		if err != nil {
			if last != (seen{}) {
				logger.Error("fixtures not reloaded: the running data is kept", "file", path, "error", err)
				last = seen{}
			}
			continue
		}
		now := seen{fi.ModTime(), fi.Size()}
		if now == last {
			continue
		}
		last = now
		data, err := os.ReadFile(path)
		if err != nil {
			logger.Error("fixtures not reloaded: the running data is kept", "file", path, "error", err)
			continue
		}
		sum := sha256.Sum256(data)
		if bytes.Equal(sum[:], lastSum) {
			continue
		}
		lastSum = sum[:]
		loaded, err := m.ReplaceFixtures(ctx, path, data)
		if err != nil {
			logger.Error("fixtures not reloaded: the running data is kept", "file", path, "error", err)
			continue
		}
		logger.Info("fixtures reloaded", "file", path, "loaded", countsLine(loaded))
	}
}

// fileSum is the SHA-256 of a file's content.
func fileSum(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	return sum[:], nil
}

// countsLine writes record counts as "memberships 1, users 2", types in order.
func countsLine(counts map[string]int) string {
	parts := []string{}
	for _, t := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s %d", t, counts[t]))
	}
	if len(parts) == 0 {
		return "no records"
	}
	return strings.Join(parts, ", ")
}
