package uploader

import (
	"context"
	"sync"
	"time"
)

// Pacer lets requests start so that at most limit of them arrive at the
// server in any window, whichever way the server counts and however the
// network delays them. Every attempt of every request goes through it.
//
// The server counts a request when it arrives, which is somewhere between
// the moment it was sent and the moment its answer came back. So the next
// request may start a window after the arrival of the request limit places
// back, and that arrival is bounded two ways: it is no later than that
// request's completion, and no later than its start plus the spread of
// transit times (estimated by the spread of observed round trips: requests
// that travel slowly must not bunch up with fast ones sent later). Pacing
// evenly at the limit, or a token bucket with a burst, both let limit+1
// requests arrive within one window once latency jitters.
//
// On top of that, starts are spaced at least window/limit apart, so that a
// server counting by a token bucket or GCRA with little tolerance sees no
// burst; over a long migration this costs nothing.
//
// A 429 means the server's real limit is lower than ours (or another client
// shares the key): Throttle pauses the lane and lowers its effective limit,
// which then climbs back one step per window of clean answers.
type Pacer struct {
	limit  int
	window time.Duration
	margin time.Duration
	turn   chan struct{} // held by the one waiter next in line

	mu          sync.Mutex
	starts      []*Permit // the last limit permits, oldest first
	effective   int
	pausedUntil time.Time
	lastCut     time.Time
	streak      int             // answers since the last 429
	rtts        []time.Duration // recent round trips, a ring
	rttNext     int
}

// Permit is one request's place in its lane.
type Permit struct {
	p          *Pacer
	start, end time.Time
	done       chan struct{}
}

// minRTTSamples is how many round trips the pacer must have seen before it
// trusts their spread; before that it waits for completions.
const minRTTSamples = 8

// NewPacer returns a pacer for limit requests per window.
func NewPacer(limit int, window time.Duration) *Pacer {
	return &Pacer{
		limit:     limit,
		window:    window,
		margin:    window/1000 + time.Millisecond,
		turn:      make(chan struct{}, 1),
		effective: limit,
		rtts:      make([]time.Duration, 0, 64),
	}
}

// Wait blocks until a request may start and returns its permit, or returns
// ctx's error. The caller must call the permit's Done when the request ends.
func (p *Pacer) Wait(ctx context.Context) (*Permit, error) {
	select {
	case p.turn <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-p.turn }()
	for {
		p.mu.Lock()
		now := time.Now()
		gate, wake := p.gate(now)
		if !now.Before(gate) {
			pm := &Permit{p: p, start: now, done: make(chan struct{})}
			p.starts = append(p.starts, pm)
			if len(p.starts) > p.limit {
				p.starts = p.starts[1:]
			}
			p.mu.Unlock()
			return pm, nil
		}
		p.mu.Unlock()
		t := time.NewTimer(gate.Sub(now))
		select {
		case <-t.C:
		case <-wake: // a completion may allow an earlier start
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		}
		t.Stop()
	}
}

// gate returns the earliest start allowed now, and a channel closed when
// that may change. p.mu is held.
func (p *Pacer) gate(now time.Time) (time.Time, <-chan struct{}) {
	gate := p.pausedUntil
	if n := len(p.starts); n > 0 {
		// Even spacing: a server that counts by GCRA or a token bucket with a
		// small burst refuses a window's worth of requests sent at once.
		if g := p.starts[n-1].start.Add(p.window / time.Duration(p.effective)); g.After(gate) {
			gate = g
		}
	}
	if len(p.starts) < p.effective {
		return gate, nil
	}
	ref := p.starts[len(p.starts)-p.effective]
	var wake <-chan struct{}
	arrived := ref.end
	if arrived.IsZero() {
		wake = ref.done
	}
	if spread, ok := p.spread(); ok {
		if est := ref.start.Add(spread); arrived.IsZero() || est.Before(arrived) {
			arrived = est
		}
	}
	if arrived.IsZero() {
		return now.Add(p.window + time.Hour), wake // until ref completes
	}
	if g := arrived.Add(p.window + p.margin); g.After(gate) {
		gate = g
	}
	return gate, wake
}

// spread returns the difference between the slowest and the fastest recent
// round trip. p.mu is held.
func (p *Pacer) spread() (time.Duration, bool) {
	if len(p.rtts) < minRTTSamples {
		return 0, false
	}
	lo, hi := p.rtts[0], p.rtts[0]
	for _, d := range p.rtts[1:] {
		lo, hi = min(lo, d), max(hi, d)
	}
	return hi - lo, true
}

// Done records that the permit's request ended. answered says a response
// came back, so its round trip is a fair latency sample.
func (pm *Permit) Done(answered bool) {
	p := pm.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if !pm.end.IsZero() {
		return
	}
	pm.end = time.Now()
	close(pm.done)
	if !answered {
		return
	}
	if len(p.rtts) < cap(p.rtts) {
		p.rtts = append(p.rtts, pm.end.Sub(pm.start))
	} else {
		p.rtts[p.rttNext] = pm.end.Sub(pm.start)
		p.rttNext = (p.rttNext + 1) % len(p.rtts)
	}
	p.streak++
	if p.effective < p.limit && p.streak >= p.effective {
		p.effective++
		p.streak = 0
	}
}

// Throttle handles a 429: no request starts for retryAfter (or a window's
// share of one request when the server gave none), and the effective limit
// drops by a tenth, at most once per window so that one burst of 429s is
// one cut.
func (p *Pacer) Throttle(retryAfter time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	wait := max(retryAfter, p.window/time.Duration(p.limit))
	if until := now.Add(wait); until.After(p.pausedUntil) {
		p.pausedUntil = until
	}
	p.streak = 0
	if now.Sub(p.lastCut) >= p.window {
		p.effective = max(1, p.effective-max(1, p.effective/10))
		p.lastCut = now
	}
}

// Effective returns the limit the pacer keeps to now: the configured one,
// or less after 429s.
func (p *Pacer) Effective() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.effective
}
