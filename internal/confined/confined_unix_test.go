//go:build unix

package confined

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/assembly-import/assembly-import/internal/wine"
)

// A named pipe is refused at once, by Stat and by Open (which would
// otherwise wait for a writer forever), and so is a symbolic link swapped
// in to point outside after the file was planned.
func TestNamedPipeAndSwappedLink(t *testing.T) {
	dir := wine.TempDir(t)
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

// The folder itself replaced after planning — renamed away, a symbolic
// link to another folder put in its place — is not followed: files are
// read from the folder planning opened.
func TestFolderSwappedAfterPlanning(t *testing.T) {
	dir := wine.TempDir(t)
	export, elsewhere := filepath.Join(dir, "export"), filepath.Join(dir, "elsewhere")
	must(t, os.Mkdir(export, 0o755))
	must(t, os.Mkdir(elsewhere, 0o755))
	must(t, os.WriteFile(filepath.Join(export, "a.pdf"), []byte("ours!"), 0o644))
	must(t, os.WriteFile(filepath.Join(elsewhere, "a.pdf"), []byte("THEIR"), 0o644)) // the same size
	var folders Folders
	defer folders.Close()
	if _, err := folders.Stat(export, "a.pdf"); err != nil {
		t.Fatal(err)
	}
	must(t, os.Rename(export, filepath.Join(dir, "moved")))
	must(t, os.Symlink(elsewhere, export))
	f, err := folders.Open(export, "a.pdf", 5)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	data := make([]byte, 5)
	f.Read(data)
	if string(data) != "ours!" {
		t.Errorf("read %q from the swapped folder, want the planned folder's %q", data, "ours!")
	}
}
