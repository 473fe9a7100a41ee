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
	"path/filepath"
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
	mu      sync.Mutex
	roots   map[string]*os.Root // by dir, and by dir, NUL, a folder in it (folder)
	folders int                 // folders in roots kept (maxFolders)
	abs     map[string]string   // Abs's answers
}

// Abs returns dir as an absolute path, worked out once for each dir:
// filepath.Abs asks the system for the working folder every time.
func (f *Folders) Abs(dir string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a, ok := f.abs[dir]; ok {
		return a, nil
	}
	a, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if f.abs == nil {
		f.abs = map[string]string{}
	}
	f.abs[dir] = a
	return a, nil
}

// Stat returns the file rel names inside dir: a regular file, reached
// without leaving dir. Its errors wrap fs.ErrNotExist, ErrOutside or
// ErrNotRegular, or are the folder's own.
func (f *Folders) Stat(dir, rel string) (fs.FileInfo, error) {
	return inFolder(f, dir, rel, func(root *os.Root, name string) (fs.FileInfo, error) {
		fi, err := root.Stat(name)
		if err != nil {
			return nil, explain(err)
		}
		if !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("%w (%s)", ErrNotRegular, Kind(fi.Mode()))
		}
		return fi, nil
	})
}

// maxFolders is how many folders inside the roots Folders keeps open
// (inFolder): attachments mostly lie in a few, and beyond that many a
// file is reached from its root as before.
const maxFolders = 64

// inFolder calls do with the folder rel's file lies directly in, opened
// inside dir once and kept open, and the file's name there: a stat is
// then one system call, not one for each folder on the way. If that
// fails (a symbolic link leading out of that folder but not out of dir,
// say), or the folder is not kept, do is called with dir and rel, which
// says what is wrong.
func inFolder[T any](f *Folders, dir, rel string, do func(root *os.Root, name string) (T, error)) (T, error) {
	root, err := f.root(dir)
	if err != nil {
		var zero T
		return zero, err
	}
	if in, name := f.folder(dir, root, rel); in != nil {
		if v, err := do(in, name); err == nil {
			return v, nil
		}
	}
	return do(root, rel)
}

// folder returns the folder rel's file lies directly in, inside root
// (dir's), and the file's name, or nil for a file directly in root, a
// path that is not plain, or a folder not kept.
func (f *Folders) folder(dir string, root *os.Root, rel string) (*os.Root, string) {
	sub, name := filepath.Split(rel)
	sub = filepath.Clean(sub)
	if sub == "." || !filepath.IsLocal(sub) || sub+string(filepath.Separator)+name != rel {
		return nil, ""
	}
	key := dir + "\x00" + sub
	f.mu.Lock()
	defer f.mu.Unlock()
	if in, ok := f.roots[key]; ok {
		return in, name
	}
	if f.folders == maxFolders {
		return nil, ""
	}
	in, err := root.OpenRoot(sub)
	if err != nil {
		return nil, ""
	}
	f.roots[key] = in
	f.folders++
	return in, name
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

// Head opens the file rel names inside dir as Open does, once, and
// returns what it is and its first n bytes (fewer for a shorter file),
// for sniffing its type.
func (f *Folders) Head(dir, rel string, n int) (fs.FileInfo, []byte, error) {
	type head struct {
		fi   fs.FileInfo
		data []byte
	}
	h, err := inFolder(f, dir, rel, func(root *os.Root, name string) (head, error) {
		file, fi, err := openRegular(root, name)
		if err != nil {
			return head{}, err
		}
		defer file.Close()
		buf := make([]byte, min(int64(n), fi.Size()))
		k, err := io.ReadFull(file, buf)
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			err = nil
		}
		return head{fi, buf[:k]}, err
	})
	return h.fi, h.data, err
}

// Open is the package's Open, inside the folder dir as first opened.
func (f *Folders) Open(dir, rel string, size int64) (*os.File, error) {
	return inFolder(f, dir, rel, func(root *os.Root, name string) (*os.File, error) {
		return openSized(root, name, size)
	})
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
