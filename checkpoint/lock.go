package checkpoint

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/assembly-import/assembly-import/internal/filelock"
)

// lockWait is how long Open waits for a lock Read holds for a moment.
const lockWait = 500 * time.Millisecond

// lockPath opens the journal at path and takes its lock, waiting a
// moment for a status reading it or a run closing it. A run that held the
// lock may have compacted the journal meanwhile, renaming a new file over
// the one opened: the lock is then taken again on the file the path names.
func lockPath(path string) (*os.File, error) {
	for range 10 {
		f, err := filelock.OpenFile(path, os.O_RDWR|os.O_CREATE)
		if err != nil {
			return nil, fmt.Errorf("open checkpoint: %w", err)
		}
		err = filelock.TryLock(f)
		for waited := time.Duration(0); errors.Is(err, filelock.ErrLocked) && waited < lockWait; waited += 25 * time.Millisecond {
			time.Sleep(25 * time.Millisecond)
			err = filelock.TryLock(f)
		}
		if err != nil {
			f.Close()
			if errors.Is(err, filelock.ErrLocked) {
				return nil, err
			}
			return nil, fmt.Errorf("lock checkpoint %s: %w", path, err)
		}
		held, err1 := f.Stat()
		named, err2 := os.Stat(path)
		if err1 == nil && err2 == nil && os.SameFile(held, named) {
			return f, nil
		}
		f.Close() // replaced while we waited
	}
	return nil, fmt.Errorf("lock checkpoint %s: the file was replaced again and again while waiting for its lock", path)
}
