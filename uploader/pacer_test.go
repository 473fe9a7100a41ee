package uploader_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/assembly-import/assembly-import/uploader"
)

// TestPacerWindow drives a pacer with workers whose requests travel for a
// random time before the server counts them, and checks what a strict
// sliding-window server would see: never more than limit arrivals in any
// window. It runs on synctest's fake clock, so minutes take milliseconds.
func TestPacerWindow(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name             string
		limit            int
		window, duration time.Duration
		workers          int
		transit, process [2]time.Duration // uniform ranges
	}{
		{"events with jitter", 30, time.Second, 30 * time.Second, 16, [2]time.Duration{0, 50 * ms}, [2]time.Duration{20 * ms, 300 * ms}},
		{"replies with slow uploads", 60, time.Minute, 10 * time.Minute, 8, [2]time.Duration{0, 50 * ms}, [2]time.Duration{20 * ms, 2000 * ms}},
		{"steady latency", 10, time.Second, 20 * time.Second, 4, [2]time.Duration{10 * ms, 10 * ms}, [2]time.Duration{5 * ms, 5 * ms}},
		{"slow server", 5, time.Second, 20 * time.Second, 8, [2]time.Duration{0, 300 * ms}, [2]time.Duration{100 * ms, 900 * ms}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				p := uploader.NewPacer(tt.limit, tt.window)
				ctx, cancel := context.WithTimeout(context.Background(), tt.duration)
				defer cancel()
				var mu sync.Mutex
				var arrivals []time.Time
				var wg sync.WaitGroup
				for w := range tt.workers {
					rng := rand.New(rand.NewPCG(uint64(w), 7))
					between := func(r [2]time.Duration) time.Duration {
						return r[0] + time.Duration(rng.Int64N(int64(r[1]-r[0])+1))
					}
					wg.Go(func() {
						for {
							pm, err := p.Wait(ctx)
							if err != nil {
								return
							}
							time.Sleep(between(tt.transit))
							mu.Lock()
							arrivals = append(arrivals, time.Now())
							mu.Unlock()
							time.Sleep(between(tt.process))
							pm.Done(true)
						}
					})
				}
				wg.Wait()
				slices.SortFunc(arrivals, func(a, b time.Time) int { return a.Compare(b) })
				for i := tt.limit; i < len(arrivals); i++ {
					if d := arrivals[i].Sub(arrivals[i-tt.limit]); d < tt.window {
						t.Fatalf("arrivals %d and %d are %v apart: %d requests within one %v window", i-tt.limit, i, d, tt.limit+1, tt.window)
					}
				}
				ideal := float64(tt.limit) * tt.duration.Seconds() / tt.window.Seconds()
				t.Logf("%d arrivals, %.1f%% of the limit", len(arrivals), 100*float64(len(arrivals))/ideal)
				if float64(len(arrivals)) < 0.5*ideal {
					t.Errorf("%d arrivals in %v: under half the limit (%v)", len(arrivals), tt.duration, ideal)
				}
			})
		})
	}
}

// TestPacerThrottle checks that a 429 pauses the lane for Retry-After and
// lowers the effective limit, which climbs back after clean answers.
func TestPacerThrottle(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := uploader.NewPacer(10, time.Second)
		ctx := context.Background()
		pm, _ := p.Wait(ctx)
		pm.Done(true)
		p.Throttle(3 * time.Second)
		if got := p.Effective(); got != 9 {
			t.Errorf("Effective() after a 429 = %d, want 9", got)
		}
		p.Throttle(3 * time.Second) // the same burst: no second cut
		if got := p.Effective(); got != 9 {
			t.Errorf("Effective() after a second 429 in the window = %d, want 9", got)
		}
		start := time.Now()
		pm, _ = p.Wait(ctx)
		if waited := time.Since(start); waited < 3*time.Second {
			t.Errorf("waited %v after Retry-After 3s", waited)
		}
		pm.Done(true)
		for range 9 {
			pm, _ := p.Wait(ctx)
			pm.Done(true)
		}
		if got := p.Effective(); got != 10 {
			t.Errorf("Effective() after a window of clean answers = %d, want 10", got)
		}
	})
}
