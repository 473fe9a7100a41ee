package sandbox

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// Model is how a server counts requests against its limit. The API does
// not document its own, so the sandbox offers the usual ones.
type Model string

// The limit models.
const (
	// Sliding admits at most limit arrivals in any interval of the window's
	// width: the strictest of the three.
	Sliding Model = "sliding"
	// Fixed admits at most limit arrivals per window aligned to the clock.
	Fixed Model = "fixed"
	// GCRA spaces arrivals one emission interval (window/limit) apart, with
	// a tolerance for early ones (a token bucket with a small burst).
	GCRA Model = "gcra"
)

// ParseModel reads a model name.
func ParseModel(s string) (Model, error) {
	switch m := Model(strings.ToLower(s)); m {
	case Sliding, Fixed, GCRA:
		return m, nil
	}
	return "", fmt.Errorf("limit model %q: want sliding, fixed or gcra", s)
}

// limiter decides whether a request arriving at now is admitted, and if not
// how long until one would be.
type limiter interface {
	admit(now time.Time) (bool, time.Duration)
}

func newLimiter(m Model, limit int, width, tolerance time.Duration) limiter {
	switch m {
	case Fixed:
		return &fixedWindow{limit: limit, width: width}
	case GCRA:
		interval := width / time.Duration(limit)
		if tolerance <= 0 {
			tolerance = 2 * interval
		}
		return &gcra{interval: interval, tolerance: tolerance}
	}
	return &slidingWindow{limit: limit, width: width}
}

// slidingWindow keeps the arrivals of the last window.
type slidingWindow struct {
	limit    int
	width    time.Duration
	arrivals []time.Time
}

func (w *slidingWindow) admit(now time.Time) (bool, time.Duration) {
	i := 0
	for i < len(w.arrivals) && now.Sub(w.arrivals[i]) >= w.width {
		i++
	}
	w.arrivals = w.arrivals[i:]
	if len(w.arrivals) >= w.limit {
		return false, w.arrivals[0].Add(w.width).Sub(now)
	}
	w.arrivals = append(w.arrivals, now)
	return true, 0
}

// fixedWindow counts arrivals per window of the clock.
type fixedWindow struct {
	limit  int
	width  time.Duration
	window int64
	count  int
}

func (w *fixedWindow) admit(now time.Time) (bool, time.Duration) {
	if n := now.UnixNano() / int64(w.width); n != w.window {
		w.window, w.count = n, 0
	}
	if w.count >= w.limit {
		return false, time.Unix(0, (w.window+1)*int64(w.width)).Sub(now)
	}
	w.count++
	return true, 0
}

// gcra is the generic cell rate algorithm: tat is the theoretical arrival
// time of the next request; one may come up to tolerance early.
type gcra struct {
	interval, tolerance time.Duration
	tat                 time.Time
}

func (g *gcra) admit(now time.Time) (bool, time.Duration) {
	if g.tat.Before(now) {
		g.tat = now
	}
	if early := g.tat.Sub(now); early > g.tolerance {
		return false, early - g.tolerance
	}
	g.tat = g.tat.Add(g.interval)
	return true, 0
}

// meter measures what a lane saw, whatever the model: the most admitted
// arrivals in any sliding window, and optionally every arrival.
type meter struct {
	width  time.Duration
	recent []time.Time
	max    int
	keep   bool
	all    []time.Time
}

func (m *meter) add(now time.Time) {
	i := 0
	for i < len(m.recent) && now.Sub(m.recent[i]) >= m.width {
		i++
	}
	m.recent = append(m.recent[i:], now)
	m.max = max(m.max, len(m.recent))
	if m.keep {
		m.all = append(m.all, now)
	}
}

// Range is a span of durations a delay is drawn from, uniformly.
type Range struct{ Min, Max time.Duration }

// ParseRange reads "MIN-MAX" ("0-50ms", "20ms-300ms") or one duration.
func ParseRange(s string) (Range, error) {
	lo, hi, found := strings.Cut(s, "-")
	if !found {
		hi = lo
	}
	if _, err := time.ParseDuration(lo); err != nil && isNumber(lo) {
		// "0-50ms": the unit is written once, at the end.
		lo += strings.TrimLeft(hi, "0123456789.")
	}
	a, err1 := time.ParseDuration(lo)
	b, err2 := time.ParseDuration(hi)
	if err1 != nil || err2 != nil || a < 0 || b < a {
		return Range{}, fmt.Errorf("%q is not a range of durations like 20ms-300ms", s)
	}
	return Range{a, b}, nil
}

func isNumber(s string) bool {
	return s != "" && strings.Trim(s, "0123456789.") == ""
}

// draw returns a random duration within r.
func (r Range) draw() time.Duration {
	if r.Max <= r.Min {
		return r.Min
	}
	return r.Min + rand.N(r.Max-r.Min+1)
}

func (r Range) String() string { return fmt.Sprintf("%v-%v", r.Min, r.Max) }

// Utilisation is the share of lane's limit the admitted arrivals used
// after the first window (a run starts with an empty window): their rate
// against the limit's. It needs Options.RecordArrivals.
func (s *Server) Utilisation(lane Lane) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := s.meters[lane].all
	limit, width := s.opts.EventsPerSec, s.opts.EventsWindow
	if lane == Replies {
		limit, width = s.opts.RepliesPerMin, s.opts.RepliesWindow
	}
	// The steady part: after the first window, which a client may fill at
	// once. Its rate is the slope of the arrivals' count over time, fitted
	// by least squares. Counting arrivals over the span from the first to
	// the last would favour a client that sends in bursts: a span ending
	// on a burst's last arrival holds the whole burst and little of the
	// pause after it.
	var steady []time.Time
	if len(all) > 0 {
		from := all[0].Add(width)
		for i, a := range all {
			if a.After(from) {
				steady = all[i:]
				break
			}
		}
	}
	if len(steady) < 2 {
		return 0
	}
	n := float64(len(steady))
	var sx, sy float64
	for i, a := range steady {
		sx += a.Sub(steady[0]).Seconds()
		sy += float64(i)
	}
	mx, my := sx/n, sy/n
	var sxx, sxy float64
	for i, a := range steady {
		dx := a.Sub(steady[0]).Seconds() - mx
		sxx += dx * dx
		sxy += dx * (float64(i) - my)
	}
	if sxx == 0 {
		return 0
	}
	return sxy / sxx / (float64(limit) / width.Seconds())
}

// Arrivals returns the arrival time of every admitted request of lane, when
// Options.RecordArrivals is set.
func (s *Server) Arrivals(lane Lane) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.meters[lane].all...)
}
