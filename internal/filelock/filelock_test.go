package filelock

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/assembly-import/assembly-import/internal/wine"
)

func TestTryLock(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "lock")
	open := func() *os.File {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	a, b := open(), open()
	defer b.Close()
	if err := TryLock(a); err != nil {
		t.Fatalf("first TryLock = %v, want nil", err)
	}
	if err := TryLock(b); !errors.Is(err, ErrLocked) {
		t.Fatalf("second TryLock while held = %v, want ErrLocked", err)
	}
	if _, err := os.ReadFile(path); err != nil {
		t.Fatalf("reading a locked file: %v", err)
	}
	a.Close()
	if err := TryLock(b); err != nil {
		t.Fatalf("TryLock after the holder closed = %v, want nil", err)
	}
}
