package outfile_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/assembly-import/assembly-import/internal/outfile"
	"github.com/assembly-import/assembly-import/internal/wine"
)

// An output path where someone planted a symbolic link to another file:
// the link is replaced by the new file (0600), and its target is left
// untouched. A file not committed leaves the path as it was.
func TestNeverWritesThroughALink(t *testing.T) {
	dir := wine.TempDir(t)
	target := filepath.Join(dir, "victim")
	if err := os.WriteFile(target, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "report.json")
	if err := os.Symlink(target, out); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	if err := outfile.WriteFile(out, []byte("{}")); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(target); string(data) != "precious" {
		t.Errorf("the link's target became %q", data)
	}
	fi, err := os.Lstat(out)
	if err != nil || fi.Mode()&os.ModeSymlink != 0 || (runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600) {
		t.Errorf("the output is %v (%v); want a regular file, 0600", fi.Mode(), err)
	}
	if data, _ := os.ReadFile(out); string(data) != "{}" {
		t.Errorf("output = %q", data)
	}

	f, err := outfile.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half"))
	f.Close()
	if data, _ := os.ReadFile(out); string(data) != "{}" {
		t.Errorf("an abandoned file changed the output to %q", data)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("left behind: %v", entries)
	}
}
