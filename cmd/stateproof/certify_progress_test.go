package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// followProgress prints the lines appended after it started, whole, and the last ones when
// stopped; an earlier run's lines are not repeated.
func TestFollowProgress(t *testing.T) {
	path := filepath.Join(t.TempDir(), "artifacts", "progress.log")
	os.MkdirAll(filepath.Dir(path), 0o755)
	os.WriteFile(path, []byte("old run\n"), 0o644)
	out := &syncBuffer{}
	stop := followProgress(path, out)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("12:00:00 [proc 1] start  A\n12:00:01 [proc 2] sta")
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(out.String(), "start  A") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	f.WriteString("rt  B\n")
	f.Close()
	stop()
	want := "[progress] 12:00:00 [proc 1] start  A\n[progress] 12:00:01 [proc 2] start  B\n"
	if got := out.String(); got != want {
		t.Errorf("printed\n%s\nwant\n%s", got, want)
	}
}
