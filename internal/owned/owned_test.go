package owned

import (
	"os"
	"slices"
	"testing"

	"github.com/assembly-import/assembly-import/internal/wine"
)

func TestReclaim(t *testing.T) {
	t.Setenv("TMPDIR", wine.TempDir(t))
	live, err := MkdirTemp("x-")
	if err != nil {
		t.Fatal(err)
	}
	dead, err := MkdirTemp("x-")
	if err != nil {
		t.Fatal(err)
	}
	dead.lock.Close()                    // what the kernel does when its process dies
	setup, err := os.MkdirTemp("", "x-") // no lock file yet: being set up
	if err != nil {
		t.Fatal(err)
	}

	var cleaned []string
	got := Reclaim("x-", func(dir string) { cleaned = append(cleaned, dir) })
	if !slices.Equal(got, []string{dead.Path}) || !slices.Equal(cleaned, got) {
		t.Errorf("reclaimed %v after cleaning %v, want only %s", got, cleaned, dead.Path)
	}
	for _, dir := range []string{live.Path, setup} {
		if _, err := os.Stat(dir); err != nil {
			t.Errorf("%s was touched: %v", dir, err)
		}
	}
	if err := live.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(live.Path); !os.IsNotExist(err) {
		t.Errorf("released folder still there: %v", err)
	}
}
