package pacer_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/assembly-import/assembly-import/internal/pacer"
)

const ms = time.Millisecond

// span is a uniform range of durations.
type span [2]time.Duration

func (s span) draw(rng *rand.Rand) time.Duration {
	return s[0] + time.Duration(rng.Int64N(int64(s[1]-s[0])+1))
}

// maxInWindow is what a strict sliding-window server counts: the most
// arrivals within any interval of width w. arrivals must be sorted.
func maxInWindow(arrivals []time.Time, w time.Duration) int {
	most, lo := 0, 0
	for hi := range arrivals {
		for arrivals[hi].Sub(arrivals[lo]) >= w {
			lo++
		}
		most = max(most, hi-lo+1)
	}
	return most
}

// server is a strict sliding-window server inside a synctest bubble: a
// request is counted when it arrives, after its transit time, and answered
// after its processing time, with a 429 when the window is full.
type server struct {
	limit            int
	window           time.Duration
	transit, process span

	// served: the server says how long it took (Server-Timing).
	served bool
	// tolerance, when set, makes the server count by GCRA instead: an
	// arrival more than tolerance before its due time is refused.
	tolerance time.Duration

	mu        sync.Mutex
	admitted  []time.Time
	due       time.Time // GCRA's theoretical arrival time
	refused   int
	refusedAt []time.Time
}

// send runs one request: it returns the Retry-After of a 429, or -1, and
// the time the server took over it when it says (else 0).
func (s *server) send(rng *rand.Rand) (retry, served time.Duration) {
	time.Sleep(s.transit.draw(rng))
	s.mu.Lock()
	now := time.Now()
	retry = s.admit(now)
	if retry >= 0 {
		s.refused++
		s.refusedAt = append(s.refusedAt, now)
	} else {
		s.admitted = append(s.admitted, now)
	}
	s.mu.Unlock()
	if retry >= 0 {
		return retry, 0 // refused before any processing
	}
	d := s.process.draw(rng)
	time.Sleep(d)
	if s.served {
		return retry, d
	}
	return retry, 0
}

// admit returns -1 when a request arriving now is within the limit, or
// how long until it would be. s.mu is held.
func (s *server) admit(now time.Time) time.Duration {
	if s.tolerance > 0 {
		interval := s.window / time.Duration(s.limit)
		if now.Before(s.due.Add(-s.tolerance)) {
			return s.due.Add(-s.tolerance).Sub(now)
		}
		if now.After(s.due) {
			s.due = now
		}
		s.due = s.due.Add(interval)
		return -1
	}
	in := 0
	var oldest time.Time
	for _, a := range slices.Backward(s.admitted) {
		if now.Sub(a) >= s.window {
			break
		}
		in, oldest = in+1, a
	}
	if in >= s.limit {
		return oldest.Add(s.window).Sub(now)
	}
	return -1
}

// drive runs workers sending through p to s until ctx ends.
func drive(ctx context.Context, p *pacer.Pacer, s *server, workers int) {
	var wg sync.WaitGroup
	for w := range workers {
		rng := rand.New(rand.NewPCG(uint64(w), 7))
		wg.Go(func() {
			for {
				pm, err := p.Wait(ctx)
				if err != nil {
					return
				}
				retry, served := s.send(rng)
				if retry >= 0 {
					pm.Throttled(retry)
					continue
				}
				if served > 0 {
					pm.Served(served)
				}
				pm.Done(true)
			}
		})
	}
	wg.Wait()
}

// TestPacerWindow drives a pacer against a strict server whose requests
// travel for a random time before they are counted, on synctest's fake
// clock (minutes take milliseconds), and replays the recorded arrivals
// against a sliding-window counter: never more than limit in any window,
// whatever the processing latency, as long as transit jitter stays within
// the pacer's allowance.
func TestPacerWindow(t *testing.T) {
	tests := []struct {
		name             string
		limit            int
		window, duration time.Duration
		workers          int
		transit, process span
		floor            float64 // of the limit, in steady state
	}{
		{"events, jitter and latency", 30, time.Second, time.Minute, 16, span{0, 50 * ms}, span{20 * ms, 300 * ms}, 0.94},
		{"replies, slow uploads", 60, time.Minute, 20 * time.Minute, 8, span{0, 50 * ms}, span{20 * ms, 2000 * ms}, 0.99},
		{"steady and fast", 10, time.Second, time.Minute, 4, span{10 * ms, 10 * ms}, span{5 * ms, 5 * ms}, 0.98},
		{"slow server", 5, time.Second, time.Minute, 8, span{0, 50 * ms}, span{100 * ms, 900 * ms}, 0.94},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &server{limit: tt.limit, window: tt.window, transit: tt.transit, process: tt.process}
				p := pacer.New(tt.limit, tt.window, tt.transit[1]-tt.transit[0])
				ctx, cancel := context.WithTimeout(context.Background(), tt.duration)
				defer cancel()
				start := time.Now()
				drive(ctx, p, s, tt.workers)
				if most := maxInWindow(s.admitted, tt.window); most > tt.limit || s.refused > 0 {
					t.Fatalf("%d arrivals in one window, %d refused; limit %d", most, s.refused, tt.limit)
				}
				// Steady state: skip the first window.
				steady := 0
				for _, a := range s.admitted {
					if a.Sub(start) >= tt.window {
						steady++
					}
				}
				util := float64(steady) / (float64(tt.limit) * (tt.duration - tt.window).Seconds() / tt.window.Seconds())
				t.Logf("%d arrivals, %.2f%% of the limit in steady state", len(s.admitted), 100*util)
				if util < tt.floor {
					t.Errorf("utilisation %.2f%%, want at least %.0f%%", 100*util, 100*tt.floor)
				}
			})
		})
	}
}

// TestPacerFindsALowerLimit points a pacer configured for 60/min at a
// server that allows 40/min: it must settle at 40 within a minute, with a
// handful of 429s then and only rare probes after.
func TestPacerFindsALowerLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &server{limit: 40, window: time.Minute, transit: span{0, 20 * ms}, process: span{50 * ms, 200 * ms}}
		p := pacer.New(60, time.Minute, 50*ms)
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
		defer cancel()
		var settled time.Duration
		var watch sync.WaitGroup
		watch.Go(func() {
			for ctx.Err() == nil {
				time.Sleep(time.Second)
				if p.Effective() <= 40 && settled == 0 {
					settled = time.Since(start)
				}
			}
		})
		drive(ctx, p, s, 4)
		watch.Wait()
		if settled == 0 || settled > time.Minute+10*time.Second {
			t.Errorf("settled at the real limit after %v, want within about a minute", settled)
		}
		early, late := 0, 0
		for _, r := range s.refusedAt {
			if r.Sub(start) < 2*time.Minute {
				early++
			} else {
				late++
			}
		}
		// After the first 2 minutes, probes one step above the real limit
		// fail at 2, 4, 8, 16… windows: a few in 28 minutes, not one a minute.
		if early > 6 || late > 5 {
			t.Errorf("429s: %d in the first 2 minutes, %d in the 28 after; want a few, then rare probes", early, late)
		}
		steady := 0
		for _, a := range s.admitted {
			if a.Sub(start) >= 2*time.Minute {
				steady++
			}
		}
		if util := float64(steady) / (40 * 28); util < 0.9 {
			t.Errorf("%.1f%% of the real limit after settling", 100*util)
		}
		t.Logf("settled after %v; 429s: %d early, %d late; %d admitted", settled, early, late, len(s.admitted))
	})
}

// TestPacerRetryAfter checks that a 429's Retry-After holds every start back.
func TestPacerRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pacer.New(10, time.Second, 0)
		ctx := context.Background()
		pm, _ := p.Wait(ctx)
		pm.Throttled(3 * time.Second)
		if got := p.Effective(); got != 5 {
			t.Errorf("Effective() = %d after a lone 429, want 5: half, not what little was admitted", got)
		}
		start := time.Now()
		pm, _ = p.Wait(ctx)
		if waited := time.Since(start); waited < 3*time.Second {
			t.Errorf("started %v after a Retry-After of 3s", waited)
		}
		pm.Done(true)
	})
}

// TestPacerRecoversFromALone429 answers one early request with a 429 that
// the lane did not earn (another client, a proxy): the lane halves at most
// and is back at its full limit within a quarter of an hour.
func TestPacerRecoversFromALone429(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pacer.New(60, time.Minute, 50*ms)
		ctx := context.Background()
		start := time.Now()
		for i := 0; time.Since(start) < 15*time.Minute; i++ {
			pm, err := p.Wait(ctx)
			if err != nil {
				t.Fatal(err)
			}
			time.Sleep(100 * ms)
			if i == 4 {
				pm.Throttled(time.Second)
				if got := p.Effective(); got != 30 {
					t.Fatalf("Effective() after a lone 429 = %d, want 30", got)
				}
				continue
			}
			pm.Done(true)
		}
		if got := p.Effective(); got != 60 {
			t.Errorf("Effective() 15 minutes after a lone 429 = %d, want 60", got)
		}
	})
}

// TestPacerWidensForJitter runs the events lane over the internet rather
// than loopback: 0–150 ms of transit before the server counts a request
// (and 10–20 ms of processing after), with the pacer's default 50 ms
// allowance. The first 429s come from
// bunched arrivals, not a lower limit (the server admitted all the pacer
// allows): the pacer widens its allowance instead of cutting the rate, and
// the lane stays above 85% of 30/s (the ceiling without 429s is
// W/(W+J) ≈ 87%) with at most 2 429s per 1,000 events.
func TestPacerWidensForJitter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &server{limit: 30, window: time.Second, transit: span{0, 150 * ms}, process: span{10 * ms, 20 * ms}}
		p := pacer.New(30, time.Second, 50*ms)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		start := time.Now()
		drive(ctx, p, s, 16)
		steady := 0
		for _, a := range s.admitted {
			if a.Sub(start) >= 5*time.Second {
				steady++
			}
		}
		util := float64(steady) / (30 * (2*time.Minute - 5*time.Second).Seconds())
		per1000 := 1000 * float64(s.refused) / float64(len(s.admitted))
		t.Logf("%d admitted, %d refused (%.2f per 1,000); %.1f%% of the limit after the first 5 s; allowance now %v, limit %d",
			len(s.admitted), s.refused, per1000, 100*util, p.Jitter(), p.Effective())
		if util < 0.85 || per1000 > 2 || p.Effective() != 30 {
			t.Errorf("utilisation %.1f%% (want ≥ 85%%), %.2f 429s per 1,000 (want ≤ 2), limit %d (want 30)", 100*util, per1000, p.Effective())
		}
	})
}

// TestPacerProbesNarrower starts the events lane wide (150 ms) where answers
// come late (processing 20–400 ms), so the allowance is what paces it, and
// follows the allowance second by second for three minutes. On a narrow
// path (0–50 ms of transit) the first probe, after 1,000 answers, holds:
// the lane ends at the narrowest allowance without a 429, and has learned
// nothing (the wide start was an assumption). On a wide one (0–150 ms)
// every 429 is a probe's, each puts the allowance that held back, and the
// next probe waits twice as long and stays wider: at most one 429 per
// 1,000 answers, and what the 429s taught is what the lane ends at.
func TestPacerProbesNarrower(t *testing.T) {
	for _, tt := range []struct {
		name    string
		transit span
		narrow  bool // the path is narrower than the narrowest allowance: the first probe holds
	}{
		{"narrow path", span{0, 50 * ms}, true},
		{"wide path", span{0, 150 * ms}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &server{limit: 30, window: time.Second, transit: tt.transit, process: span{20 * ms, 400 * ms}}
				p := pacer.NewProbing(30, time.Second, 50*ms, 150*ms)
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
				defer cancel()
				var seen []time.Duration // the allowance each second
				sampled := make(chan struct{})
				go func() {
					defer close(sampled)
					for ctx.Err() == nil {
						seen = append(seen, p.Jitter())
						time.Sleep(time.Second)
					}
				}()
				drive(ctx, p, s, 32)
				<-sampled
				per1000 := 1000 * float64(s.refused) / float64(len(s.admitted))
				t.Logf("%d admitted, %d refused (%.2f per 1,000); allowance at the end %v, learned %v; by the second: %v",
					len(s.admitted), s.refused, per1000, p.Jitter(), p.Learned(), slices.Compact(slices.Clone(seen)))
				if seen[0] != 150*ms || seen[20] != 150*ms {
					t.Errorf("allowance %v at the start and %v after 20 s, want 150ms: no probe before 1,000 answers", seen[0], seen[20])
				}
				if per1000 > 1 || p.Effective() != 30 {
					t.Errorf("%.2f 429s per 1,000 (want ≤ 1), limit %d (want 30)", per1000, p.Effective())
				}
				if tt.narrow {
					if s.refused != 0 || p.Jitter() != 50*ms || p.Learned() != 0 {
						t.Errorf("narrow path: %d refused, allowance %v, learned %v; want 0, 50ms, 0", s.refused, p.Jitter(), p.Learned())
					}
					return
				}
				if s.refused == 0 || p.Jitter() < 100*ms || p.Learned() < 100*ms {
					t.Errorf("wide path: %d refused, allowance %v, learned %v; want a failed probe, and the allowance that held kept and learned", s.refused, p.Jitter(), p.Learned())
				}
			})
		})
	}
}

// TestPacerExpect: a lane that starts narrow (50 ms) on a wide path
// (0–150 ms of transit, answers late), told to expect 150 ms (the other
// lane's start), widens to that at its first 429 in one step, instead of
// by half at a time (50, 75, 113, 169 ms: three 429s, each a pause).
// Without Expect the test fails: the second allowance is 75 ms.
func TestPacerExpect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := &server{limit: 30, window: time.Second, transit: span{0, 150 * ms}, process: span{50 * ms, 400 * ms}}
		p := pacer.New(30, time.Second, 50*ms)
		p.Expect(150 * ms)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var seen []time.Duration // the allowance every 100 ms
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			for ctx.Err() == nil {
				if j := p.Jitter(); len(seen) == 0 || seen[len(seen)-1] != j {
					seen = append(seen, j)
				}
				time.Sleep(100 * ms)
			}
		}()
		drive(ctx, p, s, 32)
		<-sampled
		// Requests already in flight when the first 429 comes back may be
		// refused too: they arrive within a transit of it, and the pacer
		// takes them as the same burst (one cut). So bursts are counted,
		// not 429s: the first, then, 1,000 answers on, a probe halfway back
		// (100 ms) may cost a second.
		bursts := 0
		var burst time.Time // the first refusal of the last burst
		for _, r := range s.refusedAt {
			if bursts == 0 || r.Sub(burst) >= s.window/2 {
				bursts++
				burst = r
			}
		}
		t.Logf("%d admitted, %d refused in %d bursts; allowances: %v", len(s.admitted), s.refused, bursts, seen)
		if len(seen) < 2 || seen[1] < 150*ms || bursts == 0 || bursts > 2 {
			t.Errorf("allowances %v with %d bursts of 429s; want 50ms, then at least 150ms after the first burst", seen, bursts)
		}
	})
}

// TestPacerServesLowerRanksFirst: when a start is allowed, the waiting
// request of the lowest rank takes it, whatever the order they came in.
func TestPacerServesLowerRanksFirst(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pacer.New(1, time.Second, 0)
		first, _ := p.Wait(t.Context()) // the window is full until a second after this
		var mu sync.Mutex
		var order []int64
		var wg sync.WaitGroup
		for _, rank := range []int64{5, 3, 9, 1, 7} {
			wg.Go(func() {
				pm, err := p.WaitRank(t.Context(), rank)
				if err != nil {
					return
				}
				mu.Lock()
				order = append(order, rank)
				mu.Unlock()
				pm.Done(true)
			})
			synctest.Wait() // each is waiting before the next comes
		}
		first.Done(true)
		wg.Wait()
		if want := []int64{1, 3, 5, 7, 9}; !slices.Equal(order, want) {
			t.Errorf("started in order %v, want %v", order, want)
		}
	})
}

// TestPacerLateSends puts local delay between each permit and its request
// going out, as a checkpoint write, a download or a busy machine's
// scheduler do: up to 40 ms, more than the 20 ms transit jitter allowed
// for. A request that says when it really left (Sent) keeps the window;
// timing it from the permit alone lets arrivals bunch past the limit.
func TestPacerLateSends(t *testing.T) {
	for _, sent := range []bool{true, false} {
		synctest.Test(t, func(t *testing.T) {
			s := &server{limit: 30, window: time.Second, transit: span{0, 20 * ms}, process: span{5 * ms, 50 * ms}}
			p := pacer.New(s.limit, s.window, s.transit[1]-s.transit[0])
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			var wg sync.WaitGroup
			for w := range 16 {
				rng := rand.New(rand.NewPCG(uint64(w), 11))
				wg.Go(func() {
					for {
						pm, err := p.Wait(ctx)
						if err != nil {
							return
						}
						time.Sleep(span{0, 40 * ms}.draw(rng))
						if sent {
							pm.Sent()
						}
						if retry, _ := s.send(rng); retry >= 0 {
							pm.Throttled(retry)
						} else {
							pm.Done(true)
						}
					}
				})
			}
			wg.Wait()
			t.Logf("Sent called: %v; %d admitted, %d refused", sent, len(s.admitted), s.refused)
			if sent && s.refused > 0 {
				t.Errorf("with the send time taken when the request leaves, %d requests were refused", s.refused)
			}
			if !sent && s.refused == 0 {
				t.Errorf("without Sent no request was refused: the test shows nothing")
			}
			if sent && len(s.admitted) < 30*55 {
				t.Errorf("%d admitted in a minute at 30/s: the late sends cost more than the allowance", len(s.admitted))
			}
		})
	}
}

// TestPacerRows runs the events lane through the rows of issue 24's
// table on synctest's clock, 30/s against a strict server for four minutes
// (7,200 events: a short migration), and the replies lane (60 per minute)
// through the worst: utilisation over a floor, at most one 429 per 1,000
// requests, none at all on the replies lane. The events lane starts wide,
// as the uploader starts it, and probes narrower after each 1,000 answers
// without a 429: a probe that fails costs one. Without Server-Timing a
// narrower path is found only so; with it, the server's own time tells
// when each request arrived. On the narrow path of the default row (0–50
// ms) the wide start costs the first 1,000 events: 87% of the limit
// instead of 95% for half a minute.
func TestPacerRows(t *testing.T) {
	tests := []struct {
		name             string
		limit            int
		window           time.Duration
		transit, process span
		served           bool
		tolerance        time.Duration
		floor, per1000   float64
	}{
		{"transit 0-40ms", 30, time.Second, span{0, 40 * ms}, span{0, ms}, false, 0, 0.96, 0},
		{"transit 0-150ms", 30, time.Second, span{0, 150 * ms}, span{0, ms}, false, 0, 0.87, 1},
		{"transit 0-150ms, processing 50-400ms", 30, time.Second, span{0, 150 * ms}, span{50 * ms, 400 * ms}, false, 0, 0.85, 1},
		{"transit 0-50ms, processing 20-300ms", 30, time.Second, span{0, 50 * ms}, span{20 * ms, 300 * ms}, false, 0, 0.88, 1},
		{"transit 0-150ms, processing 50-400ms, Server-Timing", 30, time.Second, span{0, 150 * ms}, span{50 * ms, 400 * ms}, true, 0, 0.87, 0},
		{"replies, transit 0-150ms", 60, time.Minute, span{0, 150 * ms}, span{0, ms}, false, 0, 0.99, 0},
		{"replies, transit 0-150ms, processing 50-400ms", 60, time.Minute, span{0, 150 * ms}, span{50 * ms, 400 * ms}, false, 0, 0.99, 0},
		{"gcra, transit 0-50ms", 30, time.Second, span{0, 50 * ms}, span{20 * ms, 300 * ms}, false, 66 * ms, 0.93, 0},
		{"gcra replies, transit 0-50ms", 60, time.Minute, span{0, 50 * ms}, span{20 * ms, 300 * ms}, false, time.Minute / 30, 0.98, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := &server{limit: tt.limit, window: tt.window, transit: tt.transit, process: tt.process, served: tt.served, tolerance: tt.tolerance}
				from := 50 * ms
				if tt.limit == 30 {
					from = 150 * ms // the events lane starts wide (uploader.WideJitter) and probes narrower
				}
				p := pacer.NewProbing(tt.limit, tt.window, 50*ms, from)
				d := 240 * tt.window
				ctx, cancel := context.WithTimeout(context.Background(), d)
				defer cancel()
				start := time.Now()
				drive(ctx, p, s, 32)
				steady := 0
				for _, a := range s.admitted {
					if a.Sub(start) >= 5*tt.window {
						steady++
					}
				}
				util := float64(steady) / (float64(tt.limit) * (d - 5*tt.window).Seconds() / tt.window.Seconds())
				per1000 := 1000 * float64(s.refused) / float64(len(s.admitted))
				t.Logf("%.1f%% of the limit, %d refused (%.2f per 1,000); allowance %v, limit %d", 100*util, s.refused, per1000, p.Jitter(), p.Effective())
				if util < tt.floor || per1000 > tt.per1000 {
					t.Errorf("utilisation %.1f%% (want ≥ %.0f%%), %.2f 429s per 1,000 (want ≤ %.0f)", 100*util, 100*tt.floor, per1000, tt.per1000)
				}
			})
		})
	}
}

// TestPacerStoppedStartsNothing: a stopped run's workers get no permit,
// even when a start is allowed (a worker looping on Wait would otherwise
// go on sending past the stop).
func TestPacerStoppedStartsNothing(t *testing.T) {
	p := pacer.New(10, time.Second, 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if pm, err := p.Wait(ctx); err == nil {
		pm.Done(true)
		t.Fatal("Wait gave a permit after its context ended")
	}
}

// TestPacerWiden: another lane's allowance raises this one's, never lowers
// it, and never past half the window.
func TestPacerWiden(t *testing.T) {
	p := pacer.New(60, 6*time.Second, 50*ms)
	for _, c := range []struct{ widen, want time.Duration }{
		{120 * ms, 120 * ms},
		{10 * ms, 120 * ms},
		{10 * time.Second, 3 * time.Second},
	} {
		p.Widen(c.widen)
		if got := p.Jitter(); got != c.want {
			t.Errorf("after Widen(%v): allowance %v, want %v", c.widen, got, c.want)
		}
	}
}

// TestPacerWidensByWhatExplainsThe429: a 429 whose answer took long says
// little of the other requests' transit (it may have arrived at once and
// come back slowly, or been overtaken): the allowance widens to the least
// that explains the 429, here by half, not by the 429's round trip.
func TestPacerWidensByWhatExplainsThe429(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := pacer.New(3, time.Second, 50*ms)
		ctx := context.Background()
		var first []*pacer.Permit
		for range 3 {
			pm, err := p.Wait(ctx)
			if err != nil {
				t.Fatal(err)
			}
			first = append(first, pm)
		}
		// Round trips much longer than the allowance (300 ms and more):
		// the allowance, not the answers, bounds their arrivals.
		time.Sleep(300 * ms)
		for _, pm := range first {
			pm.Done(true)
		}
		start := time.Now()
		pm, err := p.Wait(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if waited := time.Since(start); waited <= 0 {
			t.Fatalf("the fourth request started at once; the first three took the window")
		}
		time.Sleep(140 * ms)
		pm.Throttled(0)
		// The fourth arrived when it started, the first 52 ms after its
		// own start (2 ms of margin over the allowance): all three in the
		// window. 75 ms, half as much again, is the least that widens.
		if got := p.Jitter(); got != 75*ms {
			t.Errorf("allowance after a 429 answered in 140 ms: %v, want 75ms (not 50+140)", got)
		}
	})
}
