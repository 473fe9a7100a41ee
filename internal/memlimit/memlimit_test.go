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
		{1 << 30, 6},
		{2 << 30, 5},
		{20 << 30, 5},
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

func TestLimit(t *testing.T) {
	for _, c := range []struct {
		live    uint64
		percent int
		ceiling int64
		want    int64
	}{
		{0, 100, 12 << 30, 12 << 30},
		{Headroom, 100, 12 << 30, 12 << 30}, // Go's default stands below Headroom: so does the limit Set put
		{800 << 20, 10, 12 << 30, 880<<20 + Slack},
		{800 << 20, 10, 900 << 20, 900 << 20}, // never above what Set (or $GOMEMLIMIT) put
	} {
		if got := limit(c.live, c.percent, c.ceiling); got != c.want {
			t.Errorf("limit(%d MB, %d%%, %d MB) = %d MB, want %d MB", c.live>>20, c.percent, c.ceiling>>20, got>>20, c.want>>20)
		}
	}
}

// TestPaceFollowsTheLiveHeap: with twice Headroom live, Pace lets the heap
// grow by about half of it, holds the soft limit Slack above that while it
// runs, and puts the limit back when it returns.
func TestPaceFollowsTheLiveHeap(t *testing.T) {
	was := debug.SetGCPercent(100)
	wasLimit := debug.SetMemoryLimit(4 << 30)
	t.Cleanup(func() {
		debug.SetGCPercent(was)
		debug.SetMemoryLimit(wasLimit)
	})
	live := make([]byte, 2*Headroom)
	runtime.GC()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		Pace(ctx, func(string) string { return "" }, 5*time.Millisecond)
	}()
	deadline := time.Now().Add(5 * time.Second)
	for debug.SetMemoryLimit(-1) == 4<<30 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	limited := debug.SetMemoryLimit(-1)
	cancel()
	<-done
	if got := debug.SetGCPercent(100); got > 50 || got < 40 {
		t.Errorf("GOGC %d with %d MB live, want about 50", got, len(live)>>20)
	}
	// about 128 MB live, 64 MB of growth and Slack: 224 MB
	if lo, hi := int64(3*Headroom), int64(4*Headroom+Slack); limited < lo || limited > hi {
		t.Errorf("soft limit %d MB while pacing %d MB live, want %d to %d MB", limited>>20, len(live)>>20, lo>>20, hi>>20)
	}
	if got := debug.SetMemoryLimit(-1); got != 4<<30 {
		t.Errorf("soft limit %d MB after Pace returned, want the 4096 MB it found", got>>20)
	}
	runtime.KeepAlive(live)
}
