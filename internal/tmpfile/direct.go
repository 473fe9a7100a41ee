package tmpfile

import (
	"io"
	"os"
	"unsafe"
)

// directAlign is what direct I/O needs a write's memory, length and file
// offset to be a multiple of: a page, which covers the logical blocks of
// every disk (512 or 4096 bytes).
const directAlign = 4096

// DirectWriter appends to a file that is written once and seldom read,
// such as a spill file, past the page cache where the system allows it
// (O_DIRECT, on Linux): the bytes go from one buffer it reuses to the
// disk, so writing gigabytes neither fills the cache with pages that are
// then written back anyway, evicting what is read, nor takes fresh memory
// for each of them, which costs a fault of the host's on every page on a
// virtual machine whose free memory goes back to its host (3.6 seconds a
// gigabyte on the one the scale tables were measured on, and beyond the
// first gigabyte only: what made planning ten million replies take 2.4
// times as long as five million). Elsewhere, or where the file system
// refuses direct I/O (tmpfs on older kernels) or a direct write fails, it
// writes through the page cache as f.Write does.
//
// It writes whole buffers of direct writes, so what it was given is in
// the file only after Close, which writes the rest through the page cache
// and leaves f as it was: read and write it as any file then. Use f for
// nothing else until Close. It is not safe for concurrent use.
type DirectWriter struct {
	f      *os.File
	buf    []byte // size bytes, at an aligned address
	n      int    // of buf, filled
	direct bool   // the file is in direct mode
}

// NewDirectWriter returns a writer appending to f at its current offset,
// which must be a multiple of 4096 for the writes to go past the cache (a
// new file's is). It stages size bytes at a time, rounded up to 4096.
func NewDirectWriter(f *os.File, size int) *DirectWriter {
	size = (max(size, directAlign) + directAlign - 1) / directAlign * directAlign
	raw := make([]byte, size+directAlign)
	skip := 0
	if r := int(uintptr(unsafe.Pointer(unsafe.SliceData(raw))) % directAlign); r != 0 {
		skip = directAlign - r
	}
	w := &DirectWriter{f: f, buf: raw[skip : skip+size]}
	if off, err := f.Seek(0, io.SeekCurrent); err == nil && off%directAlign == 0 {
		w.direct = setDirect(f, true) == nil
	}
	return w
}

// Write stages p, writing each full buffer.
func (w *DirectWriter) Write(p []byte) (int, error) {
	if !w.direct {
		// What was staged before a refused write ended direct mode goes
		// first.
		if err := w.flush(); err != nil {
			return 0, err
		}
		return w.f.Write(p)
	}
	total := len(p)
	for len(p) > 0 {
		c := copy(w.buf[w.n:], p)
		w.n += c
		p = p[c:]
		if w.n < len(w.buf) {
			break
		}
		if err := w.flush(); err != nil {
			return 0, err // how much of p is in the file is not known
		}
	}
	return total, nil
}

// flush writes the staged bytes (in direct mode, a whole buffer):
// directly, or through the cache when the file system refuses direct
// writes.
func (w *DirectWriter) flush() error {
	if w.n == 0 {
		return nil
	}
	n, err := w.f.Write(w.buf[:w.n])
	if err != nil && w.direct {
		// Refused (EINVAL: a file system without direct I/O, or that
		// wants another alignment), or failed: what was not written goes
		// through the cache, which says why if it fails too.
		if err = w.buffered(); err == nil {
			_, err = w.f.Write(w.buf[n:w.n])
		}
	}
	if err == nil {
		w.n = 0
	}
	return err
}

// buffered leaves direct mode.
func (w *DirectWriter) buffered() error {
	if !w.direct {
		return nil
	}
	w.direct = false
	return setDirect(w.f, false)
}

// Close writes what is staged through the page cache and leaves direct
// mode. It does not close f.
func (w *DirectWriter) Close() error {
	if err := w.buffered(); err != nil {
		return err
	}
	return w.flush()
}
