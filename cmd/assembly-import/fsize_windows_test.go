//go:build windows

package main

import "errors"

// limitFileSize has no Windows counterpart of RLIMIT_FSIZE.
func limitFileSize(uint64) error {
	return errors.New("a file size limit needs RLIMIT_FSIZE, which Windows lacks")
}
