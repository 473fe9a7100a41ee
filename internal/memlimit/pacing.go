package memlimit

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Headroom is how far the heap may grow past what is live before the
// collector runs, once a tenth of what is live is less: Go's default
// (GOGC=100) lets it grow by all of it, which doubles a large plan's
// memory for nothing. A plan's heap is arenas and sets without pointers
// (jobs, keys, ids, records' metadata, the people it names), which a
// collection marks in little time, so running the collector often costs
// little once the heap is large (docs/scale.md). Planning 10M messages
// ran 203 collections in 1.2 s of CPU and peaked at 1.08 GB of RSS with a
// tenth and 64 MB, against 107 in 0.8 s and 1.31 GB with a quarter and
// 128 MB; folding them all took 1.18 times planning, and a run resuming
// them as long either way. Below Headroom of live heap Go's default
// applies: a small heap collected that often would spend more time
// collecting than working.
const Headroom = 64 << 20

// percent returns the GOGC that lets a heap of live bytes grow by
// Headroom or a tenth of itself, whichever is more, and by no more than
// Go's default.
func percent(live uint64) int {
	if live == 0 {
		return 100
	}
	return int(min(100, max(10, 100*Headroom/live)))
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
