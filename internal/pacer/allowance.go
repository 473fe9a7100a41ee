package pacer

import (
	"slices"
	"time"
)

// trust is how much later than the allowance answers must come, on
// average, before the allowance bounds arrivals instead of them: 1% of the
// window and, for an allowance narrower than the long path's spread the
// lane expects, no less than the narrowest allowance (later by less, the
// answers are likely transit the allowance misses). An allowance as wide
// as that spread is the assumption made to spare the 429s: where answers
// come late, it stands for them, or a lane started wide on a narrow path
// with slow processing (0–50 ms of transit, answers at 20–350 ms) would
// flicker between the two and pay the answers' 300 ms: 83% of the limit
// instead of 87%. p.mu is held.
func (p *Pacer) trust() time.Duration {
	if p.wide > p.given && p.jitter >= p.wide {
		return p.window / 100
	}
	return max(p.window/100, p.given)
}

// widened returns the allowance after pm's 429 came from bunched arrivals:
// the least allowance under which the server could have held limit of the
// other requests in the window that ended at pm's arrival — some transit
// took at least that long — and at least half as much again as now, so
// that a few 429s reach any spread (by half, not twice: 150 ms of spread
// learned from 50 ms is 169 ms, 85.5% of the lane, after three 429s,
// instead of 200 ms, 83%, after two). pm arrived between its start and its
// answer; the others counted in that window are those not refused that
// started before pm arrived and whose arrival, no later than their answer
// nor than their start plus the allowance, came within a window of it.
// Requests that started after pm and overtook it count too: a 429 whose
// own transit was long says little of the others'. Where nothing explains
// the 429 (too few requests known), twice the allowance. p.mu is held.
func (p *Pacer) widened(pm *Permit) time.Duration {
	least := time.Duration(-1)
	arrivals := []time.Time{pm.start, pm.end}
	for _, s := range p.starts {
		if s.start.After(pm.start) && s.start.Before(pm.end) {
			arrivals = append(arrivals, s.start)
		}
	}
	needs := make([]time.Duration, 0, len(p.starts))
	for _, a := range arrivals {
		opens := a.Add(-p.window) // the window is (opens, a]
		needs = needs[:0]
		for _, s := range p.starts {
			if s == pm || s.refused || s.start.After(a) || !s.end.IsZero() && !s.end.After(opens) {
				continue
			}
			needs = append(needs, max(0, opens.Sub(s.start))) // counted when its transit exceeded this
		}
		if len(needs) < p.limit {
			continue
		}
		slices.Sort(needs)
		if need := needs[p.limit-1]; least < 0 || need < least {
			least = need
		}
	}
	if least < 0 {
		return 2 * p.jitter
	}
	return max(least, p.jitter+p.jitter/2)
}

// Widen raises the jitter allowance to d, at most half the window, where
// it is lower: another lane to the same server learned that transit times
// spread that much, and transit is the path's, whatever the lane. Waiters
// timed by the narrower allowance look again.
func (p *Pacer) Widen(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if d = min(d, p.window/2); d > p.jitter {
		p.learn(d)
	}
}

// Expect says that transit may spread as much as d on this path, where
// nothing shows it yet (another lane starts with that allowance): the
// first 429 from bunched arrivals widens the allowance to at least d, in
// one step rather than by half at a time.
func (p *Pacer) Expect(d time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.wide = max(p.wide, d)
}

// setAllowance makes d the allowance: a new level, held by no answer yet,
// and no probe's. Waiters timed by the old one look again. p.mu is held.
func (p *Pacer) setAllowance(d time.Duration) {
	p.jitter, p.held, p.before = d, 0, 0
	p.wake()
}

// learn makes d the allowance because evidence asked for it (a 429 from
// bunched arrivals, the server's timing, another lane's): what Learned
// returns, for the other lanes and for a later run. p.mu is held.
func (p *Pacer) learn(d time.Duration) {
	p.setAllowance(d)
	p.learned = d
}

// probe narrows the allowance where it has held long enough, it is what
// paces the lane (answers come later than it: the gain is real), the lane
// runs at its full limit, and the step gains at least 1% of the window:
// to the narrowest or, once a 429 came at a narrower allowance, half the
// way down to it (a binary search, one step per probe). p.mu is held.
func (p *Pacer) probe() {
	if p.held < p.probeAfter || p.effective < p.limit || p.ceiling != 0 || p.beyond < p.trust() {
		return
	}
	next := p.given
	if p.refusedAt > 0 {
		next = max(next, (p.refusedAt+p.jitter)/2)
	}
	if p.jitter-next < p.window/100 {
		return
	}
	from := p.jitter
	p.setAllowance(next)
	p.before = from
}

// Jitter returns the jitter allowance now: the one started with, wider
// after 429s that came from bunched arrivals, narrower after probes.
func (p *Pacer) Jitter() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.jitter
}

// Learned returns the allowance evidence last asked for — 429s from bunched
// arrivals, the server's timing, another lane's (Widen) — or 0 when none
// did: what holds for the other lanes to the same server, and for a later
// run, where an allowance started with is only an assumption.
func (p *Pacer) Learned() time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.learned
}
