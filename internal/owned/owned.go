// Package owned makes temporary folders that outlive no process: each holds
// a lock file its process keeps open (the kernel drops the lock when the
// process dies, even by kill -9), so a later process can tell a folder in use
// from one a killed process left behind, and reclaim the latter.
package owned

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/assembly-import/assembly-import/internal/filelock"
	"github.com/assembly-import/assembly-import/internal/tmpfile"
)

// lockName is the file in an owned folder its process keeps locked.
const lockName = "owner.lock"

// Dir is a temporary folder this process owns until Release or its death.
type Dir struct {
	Path string
	lock *os.File
}

// MkdirTemp makes and locks a new folder in the temporary folder, named
// prefix followed by random characters. Its lock file is owner.lock.
func MkdirTemp(prefix string) (*Dir, error) {
	path, err := os.MkdirTemp("", prefix)
	if err != nil {
		return nil, err
	}
	// Locked under another name first, so Reclaim never finds owner.lock
	// unlocked in a folder being set up.
	f, err := tmpfile.Renamable(path, "owner-")
	if err == nil {
		if err = filelock.TryLock(f); err != nil {
			err = fmt.Errorf("lock %s: %w", f.Name(), err)
		} else {
			err = os.Rename(f.Name(), filepath.Join(path, lockName))
		}
		if err != nil {
			f.Close()
		}
	}
	if err != nil {
		tmpfile.RemoveAll(path)
		return nil, err
	}
	return &Dir{Path: path, lock: f}, nil
}

// Release removes the folder and gives up its lock.
func (d *Dir) Release() error {
	// The lock file is closed first: Windows removes no file that is open.
	closeErr := d.lock.Close()
	return errors.Join(tmpfile.RemoveAll(d.Path), closeErr)
}

// Reclaim removes the folders named prefix* in the temporary folder whose
// process died without releasing them, after clean (if not nil) has undone
// what lives there beyond files (a server), and returns them. Folders in
// use, and those without a lock file (being set up, or not made here), are
// left alone.
func Reclaim(prefix string, clean func(dir string)) []string {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), prefix+"*"))
	var reclaimed []string
	for _, dir := range dirs {
		f, err := os.Open(filepath.Join(dir, lockName))
		if err != nil {
			continue
		}
		dead := filelock.TryLock(f) == nil
		// Closed before removing: Windows removes no file that is open. No
		// process takes over a folder once its owner is dead (MkdirTemp
		// always makes a new one).
		f.Close()
		if !dead {
			continue
		}
		if clean != nil {
			clean(dir)
		}
		if tmpfile.RemoveAll(dir) == nil {
			reclaimed = append(reclaimed, dir)
		}
	}
	return reclaimed
}
