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
	must(t, os.MkdirAll(filepath.Join(root, "other"), 0o755))
	must(t, os.WriteFile(filepath.Join(root, "other", "b.txt"), []byte("hello"), 0o644))
	links := os.Symlink(filepath.Join("..", "secret.txt"), filepath.Join(root, "out")) == nil &&
		os.Symlink(filepath.Join("sub", "a.txt"), filepath.Join(root, "in")) == nil &&
		// out of its folder, not out of the root: followed
		os.Symlink(filepath.Join("..", "other", "b.txt"), filepath.Join(root, "sub", "across")) == nil &&
		os.Symlink(filepath.Join("..", "..", "secret.txt"), filepath.Join(root, "sub", "out")) == nil

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
		{rel: filepath.Join("sub", "across"), needLink: true},
		{rel: filepath.Join("sub", "out"), want: ErrOutside, needLink: true},
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
			if _, head, err := folders.Head(root, c.rel, 4); !errors.Is(err, c.want) || (c.want == nil && string(head) != "hell") {
				t.Errorf("Head(%s): %q, %v, want %v", c.rel, head, err, c.want)
			}
			for _, open := range []func(dir, rel string, size int64) (*os.File, error){Open, folders.Open} {
				f, err := open(root, c.rel, 5)
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
			}
		})
	}
	// The root and the one folder in it files lie in, each opened once.
	if len(folders.roots) != 2 || folders.folders != 1 {
		t.Errorf("opened %d folders, %d of them inside the root; want the root and sub", len(folders.roots), folders.folders)
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
