package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/cheggaaa/pb/v3"
	"golang.org/x/term"

	"github.com/assembly-import/assembly-import/uploader"
)

// startProgress shows the run's progress until the returned function is
// called: a bar per lane with rate and ETA on a terminal, a log line every
// interval otherwise (a bar written to a file piles up without newlines);
// with open, one more for the open tickets' jobs, whose end is the first
// milestone of a cut-over.
func startProgress(e *env, p *uploader.Progress, every time.Duration, open bool) (stop func()) {
	lanes := []struct {
		name string
		l    *uploader.LaneProgress
	}{{"tickets", &p.Events}, {"replies", &p.Replies}}
	if open {
		// The open tickets' jobs, across both lanes: the first milestone.
		lanes = append(lanes, struct {
			name string
			l    *uploader.LaneProgress
		}{"open", &p.Open})
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) && terminalWidth(f) > 0 {
		bars := make([]*pb.ProgressBar, len(lanes))
		for i, l := range lanes {
			bars[i] = pb.Full.New(0).Set("prefix", fmt.Sprintf("%-8s", l.name)).SetWriter(e.stderr)
		}
		pool, err := pb.StartPool(bars...)
		if err == nil {
			update := func() {
				for i, l := range lanes {
					total, d, r, fl := l.l.Counts()
					bars[i].SetTotal(total).SetCurrent(d + r + fl)
				}
			}
			wg.Go(func() {
				t := time.NewTicker(200 * time.Millisecond)
				defer t.Stop()
				for {
					update()
					select {
					case <-t.C:
					case <-done:
						update()
						pool.Stop()
						return
					}
				}
			})
			return func() { close(done); wg.Wait() }
		}
	}
	wg.Go(func() {
		t := time.NewTicker(every)
		defer t.Stop()
		start := time.Now()
		for {
			select {
			case <-t.C:
			case <-done:
				return
			}
			elapsed := time.Since(start)
			for _, l := range lanes {
				total, d, r, fl := l.l.Counts()
				rate, left := pace(d+r+fl-l.l.Previous(), total-d-r-fl, elapsed)
				e.log.Info("progress", "lane", l.name, "done", d, "rejected", r, "failed", fl, "total", total,
					"elapsed", elapsed.Round(time.Second), "rate", rate, "left", left)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// terminalWidth is 0 for a terminal of unknown size (a bare pty), where bars
// would draw as empty lines.
func terminalWidth(f *os.File) int {
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		return 0
	}
	return w
}

// pace describes a lane's speed for a log line: items settled by this run
// per minute (the reply limit's unit), and the time the remaining items
// need at that speed: "58.8/min", "3h12m0s"; "unknown" before this run has
// settled one.
func pace(settled, remaining int64, elapsed time.Duration) (rate, left string) {
	if settled <= 0 || elapsed <= 0 {
		if remaining == 0 {
			return "0/min", "0s"
		}
		return "0/min", "unknown"
	}
	perMin := float64(settled) / elapsed.Minutes()
	need := time.Duration(float64(remaining) / perMin * float64(time.Minute))
	return fmt.Sprintf("%.1f/min", perMin), need.Round(time.Second).String()
}
