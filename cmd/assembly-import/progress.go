package main

import (
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/cheggaaa/pb/v3"
	"golang.org/x/term"

	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/uploader"
)

// laneView is a line of progress: a lane's counts, the limit its rate is
// read against (none for the open tickets, which span both lanes), and
// the cut-over milestone its end is.
type laneView struct {
	name      string
	l         *uploader.LaneProgress
	limit     int           // requests per unit; 0 for none
	unit      time.Duration // time.Second or time.Minute
	milestone string        // reached when the line ends
}

// progressBar shows the lane's counts, then its rate against its limit
// and the time to its milestone (the "pace" string, set at each update).
const progressBar = `{{string . "prefix"}} {{counters . }} {{bar . }} {{percent . }} {{string . "pace"}}`

// startProgress shows the run's progress until the returned function is
// called: a bar per lane on a terminal, a log line every interval
// otherwise (a bar written to a file piles up without newlines). Each
// says the lane's rate against its limit and when its milestone comes at
// that rate: every ticket visible (the events lane), everything delivered
// (the replies lane) and, with open, open tickets complete (their jobs
// across both lanes), the first milestone of a cut-over.
func startProgress(e *env, p *uploader.Progress, every time.Duration, open bool, l planner.Limits) (stop func()) {
	lanes := []laneView{
		{"tickets", &p.Events, l.EventsPerSec, time.Second, "every ticket visible"},
		{"replies", &p.Replies, l.RepliesPerMin, time.Minute, "everything delivered"},
	}
	if open {
		lanes = append(lanes, laneView{"open", &p.Open, 0, time.Minute, "open tickets complete"})
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) && terminalWidth(f) > 0 {
		bars := make([]*pb.ProgressBar, len(lanes))
		for i, v := range lanes {
			bars[i] = pb.ProgressBarTemplate(progressBar).New(0).Set("prefix", fmt.Sprintf("%-8s", v.name)).SetWriter(e.stderr)
		}
		pool, err := pb.StartPool(bars...)
		if err == nil {
			update := func() {
				for i, v := range lanes {
					total, d, r, fl := v.l.Counts()
					bars[i].SetTotal(total).SetCurrent(d+r+fl).Set("pace", v.describe(total, d+r+fl, time.Since(start)))
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
		for {
			select {
			case <-t.C:
			case <-done:
				return
			}
			elapsed := time.Since(start)
			for _, v := range lanes {
				total, d, r, fl := v.l.Counts()
				rate, left := pace(d+r+fl-v.l.Previous(), total-d-r-fl, elapsed)
				args := []any{"lane", v.name, "done", d, "rejected", r, "failed", fl, "total", total,
					"elapsed", elapsed.Round(time.Second), "rate", rate}
				if share := v.share(d+r+fl, elapsed); share != "" {
					args = append(args, "of_limit", share)
				}
				e.log.Info("progress", append(args, "milestone", v.milestone, "left", left)...)
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// rate is the lane's requests settled by this run per unit of its limit.
func (v laneView) rate(settled int64, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(settled-v.l.Previous()) / (float64(elapsed) / float64(v.unit))
}

// share is the lane's rate as a part of its limit ("97% of 30/s"), "" for
// a line without a limit.
func (v laneView) share(settled int64, elapsed time.Duration) string {
	if v.limit == 0 {
		return ""
	}
	return fmt.Sprintf("%.0f%% of %d/%s", 100*v.rate(settled, elapsed)/float64(v.limit), v.limit, unitName(v.unit))
}

// describe is the bar's text after the percentage: "29.1/s of 30/s ·
// every ticket visible in 2m10s".
func (v laneView) describe(total, settled int64, elapsed time.Duration) string {
	rate := v.rate(settled, elapsed)
	text := fmt.Sprintf("%.1f/%s", rate, unitName(v.unit))
	if v.limit > 0 {
		text += fmt.Sprintf(" of %d/%s", v.limit, unitName(v.unit))
	}
	switch left := total - settled; {
	case left == 0:
		return text + " · " + v.milestone + ": reached"
	case rate <= 0:
		return text + " · " + v.milestone + ": waiting"
	default:
		in := time.Duration(float64(left) / rate * float64(v.unit))
		return text + " · " + v.milestone + " in " + planner.Duration(in.Seconds())
	}
}

func unitName(d time.Duration) string {
	if d == time.Second {
		return "s"
	}
	return "min"
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
