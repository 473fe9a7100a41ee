// Package filelock takes an exclusive lock on an open file with the
// system's own call: flock on Unix, LockFileEx on Windows. The system drops
// the lock when the file is closed or its process dies, kill -9 included.
package filelock

import "errors"

// ErrLocked is returned by TryLock when another open file holds the lock.
var ErrLocked = errors.New("the file is locked by another process")
