package tmpfile

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
)

// Renamable creates a new file named prefix and random characters in dir
// that may be renamed while open: its handle shares deletion, without
// which Windows refuses the rename (a sharing violation).
func Renamable(dir, prefix string) (*os.File, error) {
	return create(dir, prefix, windows.FILE_ATTRIBUTE_NORMAL)
}

// Unlinked creates a new file named prefix and random characters in dir
// that Windows deletes when its handle closes — on Close, or when the
// process ends however it ends — as a Unix file unlinked while open is.
// (Windows removes no file that is open without FILE_SHARE_DELETE, so
// os.CreateTemp and os.Remove cannot do this.)
func Unlinked(dir, prefix string) (*os.File, error) {
	return create(dir, prefix, windows.FILE_ATTRIBUTE_TEMPORARY|windows.FILE_FLAG_DELETE_ON_CLOSE)
}

func create(dir, prefix string, attrs uint32) (*os.File, error) {
	if dir == "" {
		dir = os.TempDir()
	}
	for range 100 {
		b := make([]byte, 8)
		rand.Read(b)
		name := filepath.Join(dir, prefix+hex.EncodeToString(b))
		p, err := windows.UTF16PtrFromString(name)
		if err != nil {
			return nil, err
		}
		h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE,
			windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE, nil, windows.CREATE_NEW, attrs, 0)
		if err == windows.ERROR_FILE_EXISTS {
			continue
		}
		if err != nil {
			return nil, &os.PathError{Op: "create", Path: name, Err: err}
		}
		return os.NewFile(uintptr(h), name), nil
	}
	return nil, &os.PathError{Op: "create", Path: filepath.Join(dir, prefix+"*"), Err: os.ErrExist}
}
