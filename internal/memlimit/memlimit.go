// Package memlimit sizes the garbage collector's soft memory limit from
// the memory the machine, or the container the process runs in, gives it,
// and paces the collector below it (Pace).
//
// Below the limit the heap grows by a share of what is live before each
// collection, so a plan of millions of messages does not make the
// collector run flat out as a fixed small limit did (5M replies: 24 s
// against 57 s under 192 MB); the limit only keeps a large plan from taking
// the whole machine.
package memlimit

import "runtime/debug"

// Floor is the smallest limit set: a plan of a million replies fits in it.
const Floor = 192 << 20

// Share is the part of the machine's memory the limit allows: a half,
// leaving the rest to the page cache that serves the export and the spill
// file, and to whatever else the machine runs.
const Share = 2

// For returns the soft limit for a machine with total bytes of memory (0
// when unknown): total/Share, never under Floor.
func For(total uint64) int64 {
	return max(Floor, int64(total/Share))
}

// Set sets the soft limit from the machine's memory, unless the user set
// GOMEMLIMIT (getenv reads the environment), whose value Go's runtime has
// already applied. It returns the limit in force and what sized it.
func Set(getenv func(string) string) (int64, string) {
	if getenv("GOMEMLIMIT") != "" {
		return debug.SetMemoryLimit(-1), "GOMEMLIMIT"
	}
	total, from := Total()
	debug.SetMemoryLimit(For(total))
	return For(total), from
}
