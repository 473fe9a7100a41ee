package main

import (
	"strings"
	"testing"
	"time"

	"github.com/cheggaaa/pb/v3"

	"github.com/assembly-import/assembly-import/uploader"
)

func TestPace(t *testing.T) {
	for _, c := range []struct {
		settled, remaining int64
		elapsed            time.Duration
		rate, left         string
	}{
		{0, 10, time.Minute, "0/min", "unknown"},
		{0, 0, time.Minute, "0/min", "0s"},
		{60, 120, time.Minute, "60.0/min", "2m0s"},
		{30, 0, 30 * time.Second, "60.0/min", "0s"},
		{59, 400000, time.Minute, "59.0/min", "112h59m40s"},
	} {
		rate, left := pace(c.settled, c.remaining, c.elapsed)
		if rate != c.rate || left != c.left {
			t.Errorf("pace(%d, %d, %v) = %s, %s; want %s, %s", c.settled, c.remaining, c.elapsed, rate, left, c.rate, c.left)
		}
	}
}

// TestLaneView reads a lane's rate against its limit, and the time to the
// milestone its end is, as the bars and log lines say them.
func TestLaneView(t *testing.T) {
	events := &laneView{name: "tickets", l: &uploader.LaneProgress{}, limit: 30, unit: time.Second, milestone: "every ticket visible"}
	if got, want := events.describe(1000, 290, 10*time.Second), "29.0/s of 30/s · every ticket visible in 25s"; got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
	if got, want := events.share(290, 10*time.Second), "97% of 30/s"; got != want {
		t.Errorf("share = %q, want %q", got, want)
	}
	replies := &laneView{name: "replies", l: &uploader.LaneProgress{}, limit: 60, unit: time.Minute, milestone: "everything delivered"}
	if got, want := replies.describe(3660, 60, time.Minute), "60.0/min of 60/min · everything delivered in 1h 0m"; got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
	open := &laneView{name: "open", l: &uploader.LaneProgress{}, unit: time.Minute, milestone: "open tickets complete"}
	if got, want := open.describe(10, 10, time.Minute), "10.0/min · open tickets complete: reached"; got != want {
		t.Errorf("describe = %q, want %q", got, want)
	}
	if got := open.share(10, time.Minute); got != "" {
		t.Errorf("a line without a limit has a share: %q", got)
	}
	if got, want := open.describe(10, 10, time.Hour), "10.0/min · open tickets complete: reached"; got != want {
		t.Errorf("an ended line changed: %q, want it kept as %q", got, want)
	}
}

// TestBarScreen writes a log line while bars are drawn: it goes above
// them, and they are drawn again below it, none left behind.
func TestBarScreen(t *testing.T) {
	var out strings.Builder
	s := &barScreen{w: &out, bars: []*pb.ProgressBar{pb.ProgressBarTemplate(progressBar).New(10).Set("prefix", "tickets ")}}
	s.draw(80)
	s.Write([]byte("milestone reached\n"))
	got := out.String()
	// The bar, then: up one line, clear to the end, the log line, the bar again.
	if !strings.Contains(got, "\033[1A\r\033[Jmilestone reached\n\rtickets ") || strings.Count(got, "tickets ") != 2 {
		t.Errorf("screen:\n%q", got)
	}
}
