package tmpfile

import (
	"bytes"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// TestDirectWriterRefused: a direct write the kernel refuses (here, from
// memory that is not aligned) goes through the page cache instead, and
// what is written is the same.
func TestDirectWriterRefused(t *testing.T) {
	f, err := Unlinked(t.TempDir(), "spill-")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := NewDirectWriter(f, 2*directAlign)
	if !w.direct {
		t.Skip("this file system does no direct I/O at all: the refusal cannot be provoked")
	}
	raw := make([]byte, 3*directAlign)
	w.buf = raw[1 : 1+2*directAlign] // misaligned: the kernel answers EINVAL
	want := bytes.Repeat([]byte("0123456789"), 1000)
	// The first write fills the buffer, is refused and leaves bytes
	// staged; the second must land after them.
	for _, p := range [][]byte{want[:9000], want[9000:]} {
		if n, err := w.Write(p); n != len(p) || err != nil {
			t.Fatalf("Write = %d, %v", n, err)
		}
	}
	refused := !w.direct
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if flags := fileFlags(t, f); flags&unix.O_DIRECT != 0 {
		t.Errorf("O_DIRECT still set after Close")
	}
	got := make([]byte, len(want))
	if _, err := f.ReadAt(got, 0); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back (%v): not what was written", err)
	}
	if !refused {
		t.Skip("this file system takes direct writes from any memory (tmpfs does): no refusal to fall back from")
	}
}

// TestDirectWriterLeavesDirectMode: a file written directly is an ordinary
// file again after Close.
func TestDirectWriterLeavesDirectMode(t *testing.T) {
	f, err := Unlinked(t.TempDir(), "spill-")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	w := NewDirectWriter(f, directAlign)
	if !w.direct {
		t.Skip("this file system does no direct I/O")
	}
	if fileFlags(t, f)&unix.O_DIRECT == 0 {
		t.Fatal("O_DIRECT not set while writing")
	}
	if _, err := w.Write(make([]byte, directAlign+10)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if fileFlags(t, f)&unix.O_DIRECT != 0 {
		t.Error("O_DIRECT still set after Close")
	}
	if fi, err := f.Stat(); err != nil || fi.Size() != directAlign+10 {
		t.Errorf("size %v (%v), want %d", fi.Size(), err, directAlign+10)
	}
}

func fileFlags(t *testing.T, f *os.File) int {
	t.Helper()
	c, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var flags int
	var ferr error
	c.Control(func(fd uintptr) { flags, ferr = unix.FcntlInt(fd, unix.F_GETFL, 0) })
	if ferr != nil {
		t.Fatal(ferr)
	}
	return flags
}
