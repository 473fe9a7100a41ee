//go:build !windows

package tmpfile

import "os"

// Renamable creates a new file named prefix and random characters in dir
// that may be renamed while open.
func Renamable(dir, prefix string) (*os.File, error) {
	return os.CreateTemp(dir, prefix+"*")
}

// Unlinked creates a new file named prefix and random characters in dir
// and removes its name at once: it is read and written through f, and
// nothing is left behind when f is closed or the process ends.
func Unlinked(dir, prefix string) (*os.File, error) {
	f, err := os.CreateTemp(dir, prefix+"*")
	if err != nil {
		return nil, err
	}
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}
