//go:build unix

package confined

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// A named pipe is refused at once, by Stat and by Open (which would
// otherwise wait for a writer forever), and so is a symbolic link swapped
// in to point outside after the file was planned.
func TestNamedPipeAndSwappedLink(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "files")
	must(t, os.Mkdir(root, 0o755))
	must(t, syscall.Mkfifo(filepath.Join(root, "pipe.pdf"), 0o600))
	var folders Folders
	defer folders.Close()
	if _, err := folders.Stat(root, "pipe.pdf"); !errors.Is(err, ErrNotRegular) || err.Error() != "not a regular file (a named pipe)" {
		t.Errorf("Stat: %v", err)
	}
	if _, err := Open(root, "pipe.pdf", 0); !errors.Is(err, ErrNotRegular) {
		t.Errorf("Open: %v", err)
	}

	must(t, os.WriteFile(filepath.Join(root, "a.pdf"), []byte("12345"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "secret"), []byte("12345"), 0o644))
	if _, err := folders.Stat(root, "a.pdf"); err != nil {
		t.Fatal(err)
	}
	must(t, os.Remove(filepath.Join(root, "a.pdf")))
	must(t, os.Symlink(filepath.Join(dir, "secret"), filepath.Join(root, "a.pdf")))
	if _, err := Open(root, "a.pdf", 5); !errors.Is(err, ErrOutside) {
		t.Errorf("Open of a link swapped in: %v, want ErrOutside", err)
	}
}
