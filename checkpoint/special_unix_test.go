//go:build unix

package checkpoint

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/assembly-import/assembly-import/internal/wine"
)

// A named pipe given as the checkpoint would block the open (status) or
// the replay (run) forever: both refuse it at once.
func TestRefusesNamedPipe(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "cp.fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(path); err == nil || !strings.Contains(err.Error(), "not a regular file (a named pipe)") {
		t.Errorf("Read: %v", err)
	}
	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "not a regular file (a named pipe)") {
		t.Errorf("Open: %v", err)
	}
}
