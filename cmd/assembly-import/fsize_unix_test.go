//go:build unix

package main

import "syscall"

// limitFileSize caps the size of any file this process writes
// (RLIMIT_FSIZE): a disk that fills up. Go ignores SIGXFSZ, so a write past
// it fails with EFBIG.
func limitFileSize(limit uint64) error {
	return syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit})
}
