package memlimit

import (
	"runtime/debug"
	"testing"
)

func TestFor(t *testing.T) {
	for _, c := range []struct {
		total uint64
		want  int64
	}{
		{0, Floor},
		{256 << 20, Floor},
		{1 << 30, 512 << 20},
		{24 << 30, 12 << 30},
	} {
		if got := For(c.total); got != c.want {
			t.Errorf("For(%d) = %d, want %d", c.total, got, c.want)
		}
	}
}

// TestSet checks the limit follows the machine's memory, and that a
// GOMEMLIMIT the user set is left as the runtime applied it.
func TestSet(t *testing.T) {
	was := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(was) })
	total, from := Total()
	t.Logf("this machine: %d MB (%s)", total>>20, from)
	got, _ := Set(func(string) string { return "" })
	if got != For(total) || debug.SetMemoryLimit(-1) != got {
		t.Errorf("Set put the limit at %d (runtime: %d), want %d", got, debug.SetMemoryLimit(-1), For(total))
	}
	debug.SetMemoryLimit(300 << 20)
	got, from = Set(func(k string) string {
		if k == "GOMEMLIMIT" {
			return "300MiB"
		}
		return ""
	})
	if got != 300<<20 || from != "GOMEMLIMIT" {
		t.Errorf("with GOMEMLIMIT set, Set says %d (%s), want the runtime's 300 MiB", got, from)
	}
}
