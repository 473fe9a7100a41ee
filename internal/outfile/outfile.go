// Package outfile writes the files a run leaves for the admin — reports,
// rejected rows — so that nothing planted at their path is written
// through: each is written whole to a new file beside its path, mode 0600,
// then renamed into place.
package outfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// File is an output being written: a new file in its path's folder,
// which Commit renames over the path. Until then the path is untouched.
type File struct {
	*os.File
	path string
	done bool
}

// Create starts the file that Commit will put at path. Whatever is at path
// now — a file, a symbolic link planted there pointing at another file —
// is replaced, never followed or written through, and the new file is
// readable by its owner only, whatever mode the old one had.
func Create(path string) (*File, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, err
	}
	if err := f.Chmod(0o600); err != nil && !os.IsPermission(err) {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// Commit makes the file durable and renames it over its path.
func (f *File) Commit() error {
	if f.done {
		return fmt.Errorf("%s: committed or aborted already", f.path)
	}
	f.done = true
	err := f.Sync()
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), f.path)
	}
	if err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	return nil
}

// Close abandons a file not committed: it is removed and the path left as
// it was. After Commit it does nothing, so a deferred Close is safe.
func (f *File) Close() error {
	if f.done {
		return nil
	}
	f.done = true
	f.File.Close()
	return os.Remove(f.Name())
}

// WriteFile puts data at path as Create and Commit do.
func WriteFile(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Commit()
}
