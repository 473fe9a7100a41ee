//go:build unix

package filelock

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// TryLock takes an exclusive lock on f without waiting: ErrLocked when
// another open file description holds it. Closing f releases it.
func TryLock(f *os.File) error {
	err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return ErrLocked
	}
	return err
}

// OpenFile is os.OpenFile with mode 0600 for a new file. (On Unix any open
// file may be replaced by a rename; on Windows only one opened as here.)
func OpenFile(path string, flag int) (*os.File, error) {
	return os.OpenFile(path, flag, 0o600)
}
