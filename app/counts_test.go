package app_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/commercelayer-mock/provmock/imagecache"
)

var loadedLineRE = regexp.MustCompile(`(?m)^  loaded: .*$`)

func TestRunPrintsTheSameCountsFromTheCachedImage(t *testing.T) {
	// One user whose times are set, so that the first start keeps an image for the second.
	path := writeDataset(t, "one-user.yaml", `users:
  - {id: usrDemoOwn, email: demo@example.com, first_name: Alex, last_name: Morgan, client_id: demo-client-id, client_secret: demo-client-secret, created_at: 2024-01-01T00:00:00.000Z}
# `+t.Name()+"\n")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--addr", "127.0.0.1:0", "--fixtures", path, "--cache-dir", t.TempDir()}
	var lines []string
	for range 2 {
		// Forgotten in memory, as a new process would not have it: the second start reads
		// the file the first wrote.
		imagecache.Remove("", imagecache.Key(data))
		in := start(t, args, nil)
		lines = append(lines, loadedLineRE.FindString(in.stdout.String()))
		if err := in.stop(t); err != nil {
			t.Fatal(err)
		}
	}
	if want := "  loaded:   users 1"; lines[0] != want || lines[1] != want {
		t.Errorf("first start: %q\nstart from the image: %q\nwant both %q", lines[0], lines[1], want)
	}
}
