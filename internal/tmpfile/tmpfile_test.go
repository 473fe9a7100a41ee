package tmpfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/assembly-import/assembly-import/internal/tmpfile"
	"github.com/assembly-import/assembly-import/internal/wine"
)

// TestRenamable renames an open file, as owned's lock file is.
func TestRenamable(t *testing.T) {
	dir := wine.TempDir(t)
	f, err := tmpfile.Renamable(dir, "owner-")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := os.Rename(f.Name(), filepath.Join(dir, "owner.lock")); err != nil {
		t.Fatalf("rename while open: %v", err)
	}
}

// TestUnlinked writes and reads a file that has no name, and is gone
// once closed.
func TestUnlinked(t *testing.T) {
	dir := wine.TempDir(t)
	f, err := tmpfile.Unlinked(dir, "spill-")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("payload"); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := f.ReadAt(buf, 0); err != nil || string(buf) != "payload" {
		t.Fatalf("read back %q, %v", buf, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}
