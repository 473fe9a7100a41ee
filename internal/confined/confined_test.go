package confined

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/assembly-import/assembly-import/internal/wine"
)

func TestStatAndOpen(t *testing.T) {
	dir := wine.TempDir(t)
	root := filepath.Join(dir, "files")
	must(t, os.MkdirAll(filepath.Join(root, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "sub", "a.txt"), []byte("hello"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("secret"), 0o644))
	links := os.Symlink(filepath.Join("..", "secret.txt"), filepath.Join(root, "out")) == nil &&
		os.Symlink(filepath.Join("sub", "a.txt"), filepath.Join(root, "in")) == nil

	var folders Folders
	defer folders.Close()
	for _, c := range []struct {
		rel      string
		want     error // nil: a file of 5 bytes
		needLink bool
	}{
		{rel: filepath.Join("sub", "a.txt")},
		{rel: "sub", want: ErrNotRegular},
		{rel: "missing.txt", want: fs.ErrNotExist},
		{rel: filepath.Join("..", "secret.txt"), want: ErrOutside},
		{rel: filepath.Join("sub", "..", "..", "secret.txt"), want: ErrOutside},
		{rel: "out", want: ErrOutside, needLink: true},
		{rel: "in", needLink: true},
	} {
		t.Run(c.rel, func(t *testing.T) {
			switch {
			case c.needLink && !links:
				t.Skip("no symbolic links here (Windows without the privilege)")
			case c.needLink && wine.Detected():
				t.Skip("under Wine: a link's target keeps Windows' separators (sub\\a.txt), which the Linux file system beneath does not resolve")
			}
			fi, err := folders.Stat(root, c.rel)
			if !errors.Is(err, c.want) || (c.want == nil && fi.Size() != 5) {
				t.Errorf("Stat(%s): %v, want %v", c.rel, err, c.want)
			}
			f, err := Open(root, c.rel, 5)
			if !errors.Is(err, c.want) {
				t.Errorf("Open(%s): %v, want %v", c.rel, err, c.want)
			}
			if err == nil {
				data, _ := io.ReadAll(f)
				f.Close()
				if string(data) != "hello" {
					t.Errorf("Open(%s) read %q", c.rel, data)
				}
			}
		})
	}
	if len(folders.roots) != 1 {
		t.Errorf("Stat opened the folder %d times, want once", len(folders.roots))
	}
	if _, err := Open(root, filepath.Join("sub", "a.txt"), 4); !errors.Is(err, ErrChanged) {
		t.Errorf("Open of a file whose size changed: %v, want ErrChanged", err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
