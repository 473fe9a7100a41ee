package main

import (
	"fmt"
	"io"
	"os"
	"strings"
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
	ended     string        // the line's text once it ended, kept
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
		{name: "tickets", l: &p.Events, limit: l.EventsPerSec, unit: time.Second, milestone: "every ticket visible"},
		{name: "replies", l: &p.Replies, limit: l.RepliesPerMin, unit: time.Minute, milestone: "everything delivered"},
	}
	if open {
		lanes = append(lanes, laneView{name: "open", l: &p.Open, unit: time.Minute, milestone: "open tickets complete"})
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	start := time.Now()
	if f, ok := e.stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) && terminalWidth(f) > 0 {
		screen := &barScreen{w: f}
		for _, v := range lanes {
			screen.bars = append(screen.bars, pb.ProgressBarTemplate(progressBar).New(0).Set("prefix", fmt.Sprintf("%-8s", v.name)))
		}
		update := func() {
			for i := range lanes {
				v := &lanes[i]
				total, d, r, fl := v.l.Counts()
				screen.bars[i].SetTotal(total).SetCurrent(d+r+fl).Set("pace", v.describe(total, d+r+fl, time.Since(start)))
			}
			screen.draw(terminalWidth(f))
		}
		e.logOut.set(screen) // a log line (a milestone, a warning) goes above the bars
		wg.Go(func() {
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				update()
				select {
				case <-t.C:
				case <-done:
					update()
					e.logOut.set(e.stderr)
					return
				}
			}
		})
		return func() { close(done); wg.Wait() }
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
func (v *laneView) rate(settled int64, elapsed time.Duration) float64 {
	if elapsed <= 0 {
		return 0
	}
	return float64(settled-v.l.Previous()) / (float64(elapsed) / float64(v.unit))
}

// share is the lane's rate as a part of its limit ("97% of 30/s"), "" for
// a line without a limit.
func (v *laneView) share(settled int64, elapsed time.Duration) string {
	if v.limit == 0 {
		return ""
	}
	return fmt.Sprintf("%.0f%% of %d/%s", 100*v.rate(settled, elapsed)/float64(v.limit), v.limit, unitName(v.unit))
}

// describe is the bar's text after the percentage: "29.1/s of 30/s ·
// every ticket visible in 2m10s". Once the lane has ended, it keeps the
// rate it ended at.
func (v *laneView) describe(total, settled int64, elapsed time.Duration) string {
	if v.ended != "" {
		return v.ended
	}
	rate := v.rate(settled, elapsed)
	text := fmt.Sprintf("%.1f/%s", rate, unitName(v.unit))
	if v.limit > 0 {
		text += fmt.Sprintf(" of %d/%s", v.limit, unitName(v.unit))
	}
	switch left := total - settled; {
	case left == 0:
		if total > 0 {
			v.ended = text + " · " + v.milestone + ": reached"
		}
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

// barScreen draws the progress bars at the bottom of the terminal, and
// writes log lines above them: the bars are cleared, the line written,
// the bars drawn again under it, so that no line is drawn over or left
// behind as the bars move.
type barScreen struct {
	mu    sync.Mutex
	w     io.Writer
	bars  []*pb.ProgressBar
	drawn int // lines the bars take on the screen now
	width int
}

// draw draws the bars over their last drawing, width columns wide.
func (s *barScreen) draw(width int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.width = width
	s.redraw()
}

// redraw draws the bars where they stand. s.mu is held.
func (s *barScreen) redraw() {
	var b strings.Builder
	if s.drawn > 0 {
		fmt.Fprintf(&b, "\033[%dA", s.drawn)
	}
	for _, bar := range s.bars {
		bar.SetWidth(s.width)
		fmt.Fprintf(&b, "\r%s\033[K\n", bar.String())
	}
	io.WriteString(s.w, b.String())
	s.drawn = len(s.bars)
}

// Write writes a log line above the bars.
func (s *barScreen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.drawn > 0 {
		fmt.Fprintf(s.w, "\033[%dA\r\033[J", s.drawn)
		s.drawn = 0
	}
	n, err := s.w.Write(p)
	if s.width > 0 {
		s.redraw()
	}
	return n, err
}

// logWriter is where the log writes: stderr, or the bars' screen while
// they are drawn.
type logWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *logWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *logWriter) set(w io.Writer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.w = w
}
