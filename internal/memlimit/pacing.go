package memlimit

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Headroom is how far the heap may grow past what is live before the
// collector runs, once a twentieth of what is live is less: Go's default
// (GOGC=100) lets it grow by all of it, which doubles a large plan's
// memory for nothing. A plan's heap is arenas and sets without pointers
// (jobs, keys, ids, records' metadata, the people it names), which a
// collection marks in little time, so running the collector often costs
// little once the heap is large (docs/scale.md). Planning 10M messages
// ran 203 collections in 1.2 s of CPU and peaked at 1.08 GB of RSS with a
// tenth and 64 MB, against 107 in 0.8 s and 1.31 GB with a quarter and
// 128 MB; folding them all took 1.18 times planning, and a run resuming
// them as long either way. With a twentieth (and the soft limit held at
// the target, below) they ran 231 collections in 1.9 s and peaked at
// 972 MB, against 211 in 1.7 s and 993 MB with a tenth. The two differ
// only past 640 MB live, where a twentieth grows by 64 MB (up to 1.28 GB
// live); a plan of 5M messages peaks at about 420 MB live. Below Headroom
// of live heap Go's default applies: a small heap collected that often
// would spend more time collecting than working.
const Headroom = 64 << 20

// Slack is how far the soft limit stands above the collector's target
// once more than Headroom is live: room for what the runtime holds beside
// the heap (stacks, the collector's own data) and no more. Held there,
// the limit makes the scavenger return at once the pages a collection
// freed, which under a limit of half the machine stay mapped for a while:
// planning 10M messages peaked at 1,073 MB of RSS with the limit at half
// the machine, at 997 MB with it at the target plus 32 MB, in the same 78
// s, and at 1,029 MB with the target plus 64 MB (a tenth's growth).
const Slack = 32 << 20

// percent returns the GOGC that lets a heap of live bytes grow by
// Headroom or a twentieth of itself, whichever is more, and by no more
// than Go's default.
func percent(live uint64) int {
	if live == 0 {
		return 100
	}
	return int(min(100, max(5, 100*Headroom/live)))
}

// limit returns the soft limit for a heap of live bytes collected at
// percent: the collector's target plus Slack once more than Headroom is
// live, never more than ceiling (the limit Set put).
func limit(live uint64, percent int, ceiling int64) int64 {
	if live <= Headroom {
		return ceiling
	}
	return min(ceiling, int64(live+live*uint64(percent)/100+Slack))
}

// Pace keeps the collector's target (GOGC) at percent of the live heap,
// and the soft limit at limit, looking again every interval, until ctx
// ends, when it puts the soft limit back where it was; it returns at once
// when the user set GOGC (getenv reads the environment), which then
// stands with the soft limit as it is.
func Pace(ctx context.Context, getenv func(string) string, interval time.Duration) {
	if getenv("GOGC") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := 100
	ceiling := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(ceiling)
	limited := ceiling
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
		live := sample[0].Value.Uint64()
		if p := percent(live); p != set {
			debug.SetGCPercent(p)
			set = p
		}
		if l := limit(live, set, ceiling); l != limited {
			debug.SetMemoryLimit(l)
			limited = l
		}
	}
}
