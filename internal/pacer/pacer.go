// Package pacer starts requests no faster than a rate limit counted at the
// server allows, whatever the window model and the network's jitter. It knows
// nothing of any API: its callers say what the limit is and what each
// attempt's answer was.
package pacer

import (
	"context"
	"slices"
	"sync"
	"time"
)

// Pacer lets requests start so that at most limit of them arrive at the
// server in any window, whichever way the server counts and however the
// network delays them. Every attempt of every request goes through it.
//
// The server counts a request when it arrives, somewhere between the moment
// it was sent and the moment its answer came back. Pacing evenly at the
// limit, or a token bucket with a burst, lets limit+1 requests arrive within
// one window once transit times jitter. So a request starts only a window
// after the arrival of the request limit places back, and that arrival is
// bounded by what is known of it: the answer less the time the server says
// it took (Served: a Server-Timing header), which is exact; else the
// answer itself, which is certain; else its start plus the jitter allowance
// (the most a transit may take), which is assumed. The allowance stands in
// for an answer that came later than it where that gains more than 1% of
// the lane and, for an allowance narrower than the spread of a long path,
// more than the narrowest allowance — a round trip much longer than the
// allowance is mostly the server's processing, which comes after the
// count and costs nothing; one a little longer is likely transit, the
// allowance too narrow, and a 429 costs a Retry-After pause — and for a
// request still in flight (trust).
// The cost of pacing is then the transit, once per window: nothing lost to
// processing time.
//
// Starts are also spaced window/limit apart on average, so a server
// counting with a token bucket or GCRA sees no burst; one that came late
// may be made up by the next coming up to a quarter spacing early, until
// the server refuses a request.
//
// A 429 means the server's real limit is lower than ours (or another client
// shares the key) or transit took longer than the allowance. The pacer
// pauses for Retry-After, then tells the two apart by what the server
// admitted in the last window. All of the effective limit, with round trips
// longer than the allowance: the limit is ours, and transit took longer
// than allowed for. The allowance widens to the least that explains the
// 429 from what the pacer knows of every request's start and answer, and
// at least by half and to the long path's spread it expects (Expect),
// never past the longest round trip; the rate is not cut for latency. Fewer: the server's limit is
// lower, and the effective limit drops to what it admitted — the real
// limit, in one step — but never below half. It then climbs half the way back to the level
// that failed per clean window, and tries that level again only after a
// wait that doubles with each failure: a lower limit costs a 429 now and
// then, never a storm.
//
// An allowance is an assumption, and starting wide is the safe one: a
// lane that trusts a narrow allowance over late answers learns the real
// spread only from 429s (two or three of them, each a Retry-After pause).
// So a pacer may start wider than the narrowest allowance it was given
// (NewProbing) and narrow by probing: after probeAfter answers without a
// 429 at one allowance, where that allowance is what paces the lane
// (answers come later than it), the lane runs at its full limit and the step
// gains at least 1% of the window, it narrows to the narrowest allowance;
// once a 429 came at a narrower one, half the way down to it. A 429 at a
// narrowed allowance puts the one that held back and doubles the answers
// the next probe waits for: a path narrower than assumed is found at a
// cost of at most one 429 per probeAfter answers.
//
// Waiters are served in order of rank (lowest first; equal ranks in the
// order they came), each time a start is allowed: a lane that sends the
// urgent work first keeps it first.
type Pacer struct {
	limit  int
	window time.Duration
	margin time.Duration

	mu          sync.Mutex
	given       time.Duration // the narrowest allowance: trusted over answers later than it by less
	jitter      time.Duration // the allowance now
	learned     time.Duration // the allowance evidence last asked for (learn): 429s, Server-Timing, Widen; 0 none
	refusedAt   time.Duration // the widest allowance a 429 from bunched arrivals came at; probes stay wider
	before      time.Duration // the allowance the last probe narrowed from, until the next change; 0 none
	held        int           // answers since the allowance last changed
	probeAfter  int           // answers without a 429 at one allowance before a probe narrows it
	wide        time.Duration // the spread of a long path the lane expects (NewProbing's start, Expect); given when none
	waiting     []*waiter     // the requests waiting to start
	seq         uint64        // orders waiters of one rank
	changed     chan struct{} // closed and replaced when the waiters or the allowance change
	starts      []*Permit     // the last 2×limit permits, oldest start first (widened looks back a window from a late arrival)
	next        time.Time     // when the next start is due, at one per window/effective
	slack       time.Duration // how far before it a start may come, making up for one that came late
	effective   int
	pausedUntil time.Time
	lastChange  time.Time // of the effective limit
	lastCut     time.Time
	clean       int // answers without a 429 since lastChange
	ceiling     int // the effective limit a 429 came at; 0 when none
	probeWait   time.Duration
	throttles   int
	// beyond averages how much later than the allowance answers come
	// (round trip past jitter, for answers that do not say the server's
	// time): what trusting the allowance over the answer gains per window.
	beyond time.Duration
}

// Permit is one request's place in its lane.
type Permit struct {
	p          *Pacer
	start, end time.Time     // when it went out (Sent; else when Wait let it start) and was answered
	served     time.Duration // how long the server says it took to answer (Served); 0: unknown
	admitted   bool          // the server answered, and not with a 429
	refused    bool          // the server answered with a 429
	done       chan struct{}
}

// probeAfter is how many answers without a 429 an allowance must see
// before a probe narrows it: a failed probe costs one 429, and the issue
// that set the bound allows one per 1,000 events.
const probeAfter = 1000

// New returns a pacer for limit requests per window, allowing jitter
// for the spread of transit times.
func New(limit int, window, jitter time.Duration) *Pacer {
	return NewProbing(limit, window, jitter, jitter)
}

// NewProbing returns a pacer for limit requests per window that starts
// allowing start for the spread of transit times and probes narrower,
// down to narrowest, where that allowance is what paces the lane.
func NewProbing(limit int, window, narrowest, start time.Duration) *Pacer {
	return &Pacer{
		limit:      limit,
		window:     window,
		given:      narrowest,
		jitter:     max(start, narrowest),
		wide:       max(start, narrowest),
		margin:     window/1000 + time.Millisecond,
		slack:      window / time.Duration(4*limit),
		changed:    make(chan struct{}),
		effective:  limit,
		probeAfter: probeAfter,
	}
}

// waiter is a request waiting to start.
type waiter struct {
	rank int64
	seq  uint64
}

// first returns the waiter to serve next. p.mu is held.
func (p *Pacer) first() *waiter {
	var f *waiter
	for _, w := range p.waiting {
		if f == nil || w.rank < f.rank || w.rank == f.rank && w.seq < f.seq {
			f = w
		}
	}
	return f
}

// leave takes w out of the waiters and wakes the others. p.mu is held.
func (p *Pacer) leave(w *waiter) {
	for i, x := range p.waiting {
		if x == w {
			p.waiting = append(p.waiting[:i], p.waiting[i+1:]...)
			break
		}
	}
	p.wake()
}

// wake tells the waiters to look again: the first may have changed, or
// when it may start. p.mu is held.
func (p *Pacer) wake() {
	close(p.changed)
	p.changed = make(chan struct{})
}

// Wait blocks until a request may start and returns its permit, or returns
// ctx's error. The caller must end the permit with Done or Throttled.
// Requests are served in the order they came.
func (p *Pacer) Wait(ctx context.Context) (*Permit, error) { return p.WaitRank(ctx, 0) }

// WaitRank is Wait for a request of rank: of the requests waiting when a
// start is allowed, the one of the lowest rank starts.
func (p *Pacer) WaitRank(ctx context.Context, rank int64) (*Permit, error) {
	if err := ctx.Err(); err != nil {
		return nil, err // a stopped run starts nothing, even when a start is allowed
	}
	p.mu.Lock()
	w := &waiter{rank: rank, seq: p.seq}
	p.seq++
	p.waiting = append(p.waiting, w)
	p.mu.Unlock()
	for {
		p.mu.Lock()
		now := time.Now()
		var gate time.Time
		var wake <-chan struct{}
		if p.first() == w {
			gate, wake = p.gate()
			if !now.Before(gate) {
				pm := &Permit{p: p, start: now, done: make(chan struct{})}
				p.next = later(p.next, now).Add(p.window / time.Duration(p.effective))
				p.starts = append(p.starts, pm)
				if len(p.starts) > 2*p.limit {
					p.starts = p.starts[1:]
				}
				p.leave(w)
				p.mu.Unlock()
				return pm, nil
			}
		}
		changed := p.changed
		p.mu.Unlock()
		var t *time.Timer
		var timer <-chan time.Time
		if !gate.IsZero() {
			t = time.NewTimer(gate.Sub(now))
			timer = t.C
		}
		select {
		case <-timer:
		case <-wake: // a completion may allow an earlier start
		case <-changed: // another came first, or the first left
		case <-ctx.Done():
			p.mu.Lock()
			p.leave(w)
			p.mu.Unlock()
			return nil, ctx.Err()
		}
		if t != nil {
			t.Stop()
		}
	}
}

// gate returns the earliest start allowed, and a channel closed when that
// may become earlier. p.mu is held.
func (p *Pacer) gate() (time.Time, <-chan struct{}) {
	gate := p.pausedUntil
	if g := p.next.Add(-p.slack); g.After(gate) {
		gate = g
	}
	n := len(p.starts)
	if n < p.effective {
		return gate, nil
	}
	// This request's window may hold the effective-1 requests started
	// last, and none started before them: each of those arrived a window
	// before this one starts (one started earlier may arrive later than
	// one started after it).
	var arrived time.Time
	var wake <-chan struct{}
	for _, s := range p.starts[:n-p.effective+1] {
		a, done := p.arrival(s)
		arrived = later(arrived, a)
		if wake == nil {
			wake = done
		}
	}
	if g := arrived.Add(p.window + p.margin); g.After(gate) {
		gate = g
	}
	return gate, wake
}

// arrival returns the latest a request can have arrived at the server, by
// what is known of it, and, while it is in flight, a channel closed when
// its answer comes (which may make that earlier). p.mu is held.
func (p *Pacer) arrival(s *Permit) (time.Time, <-chan struct{}) {
	switch {
	case s.end.IsZero():
		return s.start.Add(p.jitter), s.done
	case s.served > 0:
		return s.end.Add(-s.served), nil // the server says when it had it
	case s.end.Before(s.start.Add(p.jitter)) || p.beyond < p.trust():
		// The answer bounds the arrival for certain; the allowance only
		// by assumption, which is worth its risk of a 429 where it gains
		// more than 1% of the lane (not on a minute's window) and answers
		// come later than it by more than the narrowest allowance: later
		// by less, they are likely transit longer than the allowance
		// (0–150 ms of it against 50 ms: the answer costs 7.5% of the
		// lane, the allowance 5% and 429s, each a Retry-After pause).
		return s.end, nil
	}
	return s.start.Add(p.jitter), nil
}

// Sent moves the permit's start to now, the moment its request went out:
// the uploader calls it when the request's headers are written. Work done
// between the permit and the request (a checkpoint write, a download, a
// busy machine scheduling the goroutine late) would otherwise let its
// arrival come later than the jitter allowance after the start recorded,
// and the window counted from it admit one request too many.
func (pm *Permit) Sent() {
	p := pm.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if !pm.end.IsZero() {
		return
	}
	pm.start = time.Now()
	// Keep the starts in order of time: the gate counts back from the latest
	// (spacing counts from the latest grant, not from sends). A later
	// start only moves gates later: no waiter needs waking.
	slices.SortStableFunc(p.starts, func(a, b *Permit) int { return a.start.Compare(b.start) })
}

// Served says how long the server took over the request, by its own
// account (a Server-Timing header): it had the request, and counted it,
// that long before the answer came. The gate then bounds the request's
// arrival by the answer less that time instead of by the jitter allowance,
// and a transit longer than the allowance widens it at once, without a 429.
// Call it before Done; a time longer than the round trip is ignored.
func (pm *Permit) Served(d time.Duration) {
	p := pm.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if pm.end.IsZero() && d > 0 && d < time.Since(pm.start) {
		pm.served = d
	}
}

func (pm *Permit) finish(admitted bool) bool {
	if !pm.end.IsZero() {
		return false
	}
	pm.end, pm.admitted = time.Now(), admitted
	close(pm.done)
	return true
}

// Done ends the permit of a request that was not refused with a 429;
// answered says the server answered at all.
func (pm *Permit) Done(answered bool) {
	p := pm.p
	p.mu.Lock()
	defer p.mu.Unlock()
	if !pm.finish(answered) || !answered {
		return
	}
	if pm.served == 0 {
		past := max(0, pm.end.Sub(pm.start)-p.jitter)
		p.beyond += (past - p.beyond) / 16
	} else if transit := pm.end.Sub(pm.start) - pm.served; transit > p.jitter {
		// What the answer took beyond the server's own time is transit
		// (there and back): the allowance must cover it for requests in
		// flight.
		p.learn(min(transit, p.window/2))
	}
	p.held++
	p.probe()
	p.clean++
	cleanWindow := p.clean >= p.effective && pm.end.Sub(p.lastChange) >= p.window
	if !cleanWindow {
		return
	}
	if p.ceiling != 0 && p.effective >= p.ceiling {
		// A whole window clean at the level that failed: that was passing
		// (another client, a burst of jitter); climb freely again.
		p.ceiling, p.probeWait = 0, 0
	}
	// Half the way up to the level that failed (or to the limit)
	// per clean window; to the failed level itself only after the probe wait.
	top := p.limit
	if p.ceiling != 0 {
		top = p.ceiling - 1
	}
	switch {
	case p.effective < top:
		p.effective += max(1, (top-p.effective)/2)
	case p.effective < p.limit && pm.end.Sub(p.lastChange) >= p.probeWait:
		p.effective++
	default:
		return
	}
	p.lastChange, p.clean = pm.end, 0
}

// Throttled ends the permit of a request the server refused with a 429.
func (pm *Permit) Throttled(retryAfter time.Duration) {
	p := pm.p
	p.mu.Lock()
	defer p.mu.Unlock()
	pm.finish(false)
	pm.refused = true
	now := time.Now()
	p.throttles++
	if until := now.Add(max(retryAfter, p.window/time.Duration(p.limit))); until.After(p.pausedUntil) {
		p.pausedUntil = until
	}
	p.clean = 0
	// A server that refuses anything may count the spacing of arrivals (a
	// token bucket, GCRA), which a late start made up for bunches: no
	// start comes early from now on.
	p.slack = 0
	if p.before > 0 {
		// A probe narrowed the allowance and the server refused a request:
		// the allowance that held comes back, and the next probe waits
		// twice as long and stays wider than this one.
		p.refusedAt = max(p.refusedAt, p.jitter)
		p.learn(p.before)
		p.probeAfter *= 2
		p.lastCut = now
		return
	}
	if !p.lastCut.IsZero() && now.Sub(p.lastCut) < p.window/2 {
		return // the same burst: one cut is enough
	}
	admitted, taken := 0, 0   // answered without a 429; those and the ones still in flight, which the server may have counted
	var longest time.Duration // the longest round trip of the last permits
	for _, s := range p.starts {
		if !s.end.IsZero() {
			longest = max(longest, s.end.Sub(s.start))
		}
	}
	for _, s := range p.starts {
		if now.Sub(s.start) < p.window && s.admitted {
			admitted++
		}
		// The server's window ends at this request's arrival, up to a round
		// trip ago, and holds requests sent up to a round trip before it.
		if now.Sub(s.start) < p.window+longest && !s.refused {
			taken++
		}
	}
	if p.effective == p.limit && p.ceiling == 0 && taken >= p.effective-1 && longest > p.jitter && p.jitter < p.window/2 {
		// At the full limit, never cut before, the server admitted all we
		// allow (but the one refused), and round trips take longer than
		// the allowance: the limit is ours; arrivals bunched because transit
		// times spread more than allowed for. Widen the allowance, not
		// cut the rate, never past the longest round trip (transit cannot
		// exceed it) nor half the window.
		p.refusedAt = max(p.refusedAt, p.jitter)
		p.learn(min(max(p.widened(pm), p.wide), longest, p.window/2))
		p.lastCut = now
		return
	}
	// What the server admitted in the last window is its real limit when
	// the lane ran full; a lone 429 early on (few admitted) halves at most.
	p.ceiling = p.effective
	p.effective = max(1, min(max(admitted, p.effective/2), p.effective-1))
	p.lastChange, p.lastCut = now, now
	p.probeWait = min(max(2*p.probeWait, p.window), 32*p.window)
}

// Effective returns the limit the pacer keeps to now: the configured one,
// or less after 429s.
func (p *Pacer) Effective() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.effective
}

// later returns the later of two times.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
