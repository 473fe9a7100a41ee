// Package confined reads attachment files that must lie inside a folder:
// through os.Root, so that neither a path nor a symbolic link (even one
// swapped in after planning) leads outside it, and only regular files, so
// that a named pipe or a device cannot block or feed an upload.
package confined

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
)

// ErrOutside is a path or symbolic link that leads outside its folder.
var ErrOutside = errors.New("leads outside the folder")

// ErrNotRegular is a folder, named pipe, device or socket where a file was expected.
var ErrNotRegular = errors.New("not a regular file")

// ErrChanged is a file whose size is not the one planned.
var ErrChanged = errors.New("changed since it was planned")

// Folders reads files inside folders, keeping each folder open from its
// first use to Close: one stat per file, instead of resolving the
// folder's path each time, and the same folder however long a run lasts —
// a folder replaced since (renamed, a symbolic link swapped in for it) is
// not followed. It is safe for concurrent use.
type Folders struct {
	mu    sync.Mutex
	roots map[string]*os.Root
}

// Stat returns the file rel names inside dir: a regular file, reached
// without leaving dir. Its errors wrap fs.ErrNotExist, ErrOutside or
// ErrNotRegular, or are the folder's own.
func (f *Folders) Stat(dir, rel string) (fs.FileInfo, error) {
	root, err := f.root(dir)
	if err != nil {
		return nil, err
	}
	fi, err := root.Stat(rel)
	if err != nil {
		return nil, explain(err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%w (%s)", ErrNotRegular, Kind(fi.Mode()))
	}
	return fi, nil
}

func (f *Folders) root(dir string) (*os.Root, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if r, ok := f.roots[dir]; ok {
		return r, nil
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	if f.roots == nil {
		f.roots = map[string]*os.Root{}
	}
	f.roots[dir] = r
	return r, nil
}

// Head returns the first n bytes (fewer for a shorter file) of the file
// rel names inside dir, opened as Open does, for sniffing its type.
func (f *Folders) Head(dir, rel string, n int) ([]byte, error) {
	root, err := f.root(dir)
	if err != nil {
		return nil, err
	}
	file, _, err := openRegular(root, rel)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	buf := make([]byte, n)
	k, err := io.ReadFull(file, buf)
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		err = nil
	}
	return buf[:k], err
}

// Open is the package's Open, inside the folder dir as first opened.
func (f *Folders) Open(dir, rel string, size int64) (*os.File, error) {
	root, err := f.root(dir)
	if err != nil {
		return nil, err
	}
	return openSized(root, rel, size)
}

// Close closes the folders.
func (f *Folders) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	var errs []error
	for _, r := range f.roots {
		errs = append(errs, r.Close())
	}
	f.roots = nil
	return errors.Join(errs...)
}

// Open opens the file rel names inside dir for reading, as Stat checks it,
// and checks that it still has the planned size. The open itself never
// blocks (a named pipe swapped in is refused, not waited on).
func Open(dir, rel string, size int64) (*os.File, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close() // the file stays open
	return openSized(root, rel, size)
}

// openSized opens rel inside root, a regular file of the size planned.
func openSized(root *os.Root, rel string, size int64) (*os.File, error) {
	file, fi, err := openRegular(root, rel)
	if err != nil {
		return nil, err
	}
	if fi.Size() != size {
		file.Close()
		return nil, fmt.Errorf("%w: %d bytes then, %d now", ErrChanged, size, fi.Size())
	}
	return file, nil
}

// openRegular opens rel inside root for reading without blocking, and
// keeps it only if it is a regular file.
func openRegular(root *os.Root, rel string) (*os.File, fs.FileInfo, error) {
	file, err := root.OpenFile(rel, os.O_RDONLY|nonBlocking, 0)
	if err != nil {
		return nil, nil, explain(err)
	}
	fi, err := file.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = fmt.Errorf("%w (%s)", ErrNotRegular, Kind(fi.Mode()))
	}
	if err != nil {
		file.Close()
		return nil, nil, err
	}
	return file, fi, nil
}

// explain turns os.Root's escape error, which it does not export, into
// ErrOutside (a test pins its text).
func explain(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Err != nil && pe.Err.Error() == "path escapes from parent" {
		return ErrOutside
	}
	return err
}

// Kind names what a file mode says a file is, for errors ("a named pipe").
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a folder"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}
