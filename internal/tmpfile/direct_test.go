package tmpfile_test

import (
	"bytes"
	"math/rand/v2"
	"testing"

	"github.com/assembly-import/assembly-import/internal/tmpfile"
	"github.com/assembly-import/assembly-import/internal/wine"
)

// TestDirectWriter writes pieces of every size about the alignment and
// the buffer through a direct writer (direct where the system does it),
// then reads the file back and writes and reads it at odd offsets, as
// planning does with its spill file.
func TestDirectWriter(t *testing.T) {
	f, err := tmpfile.Unlinked(wine.TempDir(t), "spill-")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	var want []byte
	w := tmpfile.NewDirectWriter(f, 3*4096)
	for _, n := range []int{1, 4095, 4096, 4097, 3*4096 - 1, 3 * 4096, 5*4096 + 17, 0, 100_000, 7} {
		p := make([]byte, n)
		for i := range p {
			p[i] = byte(rng.Uint32())
		}
		if got, err := w.Write(p); got != n || err != nil {
			t.Fatalf("Write(%d bytes) = %d, %v", n, got, err)
		}
		want = append(want, p...)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(want))
	if _, err := f.ReadAt(got, 0); err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes (%v): not what was written", len(got), err)
	}
	if _, err := f.WriteAt([]byte("recipe"), int64(len(want))+3); err != nil {
		t.Fatalf("write after Close, at an odd offset: %v", err)
	}
	tail := make([]byte, 9)
	if _, err := f.ReadAt(tail, int64(len(want))); err != nil || string(tail) != "\x00\x00\x00recipe" {
		t.Fatalf("read %q (%v) at an odd offset after Close", tail, err)
	}
}
