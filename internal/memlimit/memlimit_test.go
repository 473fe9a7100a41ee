package memlimit

import (
	"context"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
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

func TestPercent(t *testing.T) {
	for _, c := range []struct {
		live uint64
		want int
	}{
		{0, 100},
		{10 << 20, 100},
		{Headroom, 100},
		{2 * Headroom, 50},
		{512 << 20, 12},
		{1 << 30, 10},
		{20 << 30, 10},
	} {
		if got := percent(c.live); got != c.want {
			t.Errorf("percent(%d MB) = %d, want %d", c.live>>20, got, c.want)
		}
	}
}

// TestPaceLeavesUsersGOGC: with GOGC set, Pace returns at once and the
// runtime's percentage stands.
func TestPaceLeavesUsersGOGC(t *testing.T) {
	was := debug.SetGCPercent(77)
	t.Cleanup(func() { debug.SetGCPercent(was) })
	Pace(context.Background(), func(k string) string {
		if k == "GOGC" {
			return "77"
		}
		return ""
	}, time.Millisecond)
	if got := debug.SetGCPercent(77); got != 77 {
		t.Errorf("GOGC %d after Pace, want the user's 77", got)
	}
}

// TestPaceFollowsTheLiveHeap: with twice Headroom live, Pace lets the heap
// grow by about half of it.
func TestPaceFollowsTheLiveHeap(t *testing.T) {
	was := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(was) })
	live := make([]byte, 2*Headroom)
	runtime.GC()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	Pace(ctx, func(string) string { return "" }, 5*time.Millisecond)
	if got := debug.SetGCPercent(100); got > 50 || got < 40 {
		t.Errorf("GOGC %d with %d MB live, want about 50", got, len(live)>>20)
	}
	runtime.KeepAlive(live)
}
