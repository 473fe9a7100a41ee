package memlimit

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Headroom is how far the heap may grow past what is live before the
// collector runs, once a quarter of what is live is less: Go's default
// (GOGC=100) lets it grow by all of it, which doubles a large plan's
// memory for nothing. A plan's heap is mostly arenas without pointers,
// which a collection marks in little time, so running the collector more
// often costs little once the heap is large (docs/scale.md). Below
// Headroom of live heap the default applies: a small heap collected that
// often would spend more time collecting than working. With a tenth
// instead of a quarter, folding 10M messages took 1.35 times planning
// (1.24 with a quarter, 1.14 with Go's default). Either way a resume of
// 10M messages starts in 9-10 s instead of 3.6 s: replaying the
// checkpoint allocates with the whole plan live.
const Headroom = 128 << 20

// percent returns the GOGC that lets a heap of live bytes grow by
// Headroom or a quarter of itself, whichever is more, and by no more than
// Go's default.
func percent(live uint64) int {
	if live == 0 {
		return 100
	}
	return int(min(100, max(25, 100*Headroom/live)))
}

// Pace keeps the collector's target (GOGC) at percent of the live heap,
// looking again every interval, until ctx ends; it returns at once when
// the user set GOGC (getenv reads the environment), which then stands.
func Pace(ctx context.Context, getenv func(string) string, interval time.Duration) {
	if getenv("GOGC") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := 100
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return // a runtime that does not report it: Go's default stands
		}
		if p := percent(sample[0].Value.Uint64()); p != set {
			debug.SetGCPercent(p)
			set = p
		}
	}
}
