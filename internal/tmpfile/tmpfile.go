// Package tmpfile creates the temporary files the tool keeps open: a
// lock file renamed while open, and a spill file that is gone when closed
// or when the process ends, however it ends. Unix allows both on any open
// file; Windows only on a file opened for them (FILE_SHARE_DELETE,
// FILE_FLAG_DELETE_ON_CLOSE), which os.CreateTemp does not do. And it
// removes temporary folders where os.RemoveAll cannot.
package tmpfile

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// RemoveAll is os.RemoveAll, falling back to removing the entries one at
// a time, deepest first, with os.Remove. On Windows, os.RemoveAll deletes
// with POSIX semantics (FileDispositionInformationEx), which some file
// systems and Wine refuse ("Invalid function") where os.Remove's
// DeleteFile works.
func RemoveAll(path string) error {
	err := os.RemoveAll(path)
	if err == nil {
		return nil
	}
	var paths []string
	filepath.WalkDir(path, func(p string, _ fs.DirEntry, err error) error {
		if err == nil {
			paths = append(paths, p)
		}
		return nil
	})
	for _, p := range slices.Backward(paths) {
		if rerr := os.Remove(p); rerr != nil && !os.IsNotExist(rerr) {
			return err // the first error says more than the fallback's
		}
	}
	return nil
}
