package app

import (
	"runtime/debug"
	"testing"
)

// TestVersionLine: the version line names the module's version, the VCS revision, whether
// the tree was modified, the commit time and the Go version, as the build info has them.
func TestVersionLine(t *testing.T) {
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v1.4.0"}, Settings: []debug.BuildSetting{
		{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123abcd"},
		{Key: "vcs.time", Value: "2026-12-01T22:00:00Z"}, {Key: "vcs.modified", Value: "true"},
	}}
	if got, want := versionOf(info), "provmock v1.4.0, revision 0123abcd (modified) 2026-12-01T22:00:00Z, go1.26.8"; got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	info.Settings = nil
	if got, want := versionOf(info), "provmock v1.4.0, revision unknown, go1.26.8"; got != want {
		t.Errorf("without VCS information: got %q, want %q", got, want)
	}
}
