// Package testutil holds what several packages' tests share: planning a
// source or a CSV export, listing a plan's problems, and measuring the heap while something runs.
package testutil

import (
	"context"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/assembly-import/assembly-import/internal/wine"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
)

// PlanCSV plans the CSV export in dir, closing the plan when t ends.
func PlanCSV(t testing.TB, dir string, opts planner.Options) *planner.Plan {
	t.Helper()
	src, err := readers.OpenCSV(readers.CSVOptions{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	return Plan(t, src, opts)
}

// Plan plans src (which the caller closes) with a spill folder of t's own
// unless opts names one, and closes the plan when t ends.
func Plan(t testing.TB, src planner.Source, opts planner.Options) *planner.Plan {
	t.Helper()
	if opts.SpillDir == "" {
		opts.SpillDir = wine.TempDir(t)
	}
	p, err := planner.Build(context.Background(), src, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// Problems returns a plan's problems as the report prints them, one a line.
func Problems(p *planner.Plan) []string {
	out := make([]string, 0, len(p.Problems))
	for _, pr := range p.Problems {
		out = append(out, pr.String())
	}
	return out
}

// PeakHeap samples the live heap every millisecond until the returned
// function is called, which returns the most it saw, in bytes.
func PeakHeap() (stop func() uint64) {
	sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	var peak uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			peak = max(peak, sample[0].Value.Uint64())
			select {
			case <-t.C:
			case <-done:
				return
			}
		}
	})
	return func() uint64 { close(done); wg.Wait(); return peak }
}
