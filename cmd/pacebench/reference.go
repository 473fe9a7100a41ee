package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/assembly/sandbox"
)

// A reference client is the simplest pacing a careful engineer writes for
// the events lane, measured beside the tool's on the same server: the tool
// must lead every one of them (issue 24).
type reference struct {
	name    string
	workers int
	// wait blocks until a request may start and returns the time it may.
	wait func(ctx context.Context) bool
	// done reports a request's round trip and whether it was refused.
	done func(rtt time.Duration, refused bool)
}

// windowReference counts its own sends in a sliding window of the limit
// and waits a window plus a margin — the spread of the round trips it has
// measured — after the send limit places back.
func windowReference(limit int, window time.Duration) *reference {
	var mu sync.Mutex
	var sends []time.Time
	var fastest, slowest time.Duration
	return &reference{name: "window accounting + RTT-spread margin", workers: 16,
		wait: func(ctx context.Context) bool {
			for {
				mu.Lock()
				now := time.Now()
				gate := now
				if len(sends) >= limit {
					gate = sends[len(sends)-limit].Add(window + slowest - fastest)
				}
				if !now.Before(gate) {
					sends = append(sends, now)
					if len(sends) > limit {
						sends = sends[1:]
					}
					mu.Unlock()
					return true
				}
				mu.Unlock()
				select {
				case <-time.After(gate.Sub(now)):
				case <-ctx.Done():
					return false
				}
			}
		},
		done: func(rtt time.Duration, _ bool) {
			mu.Lock()
			defer mu.Unlock()
			if fastest == 0 || rtt < fastest {
				fastest = rtt
			}
			slowest = max(slowest, rtt)
		},
	}
}

// bucketReference starts requests evenly at 95% of the limit (a token
// bucket without a burst) from a fixed number of workers.
func bucketReference(limit int, window time.Duration, workers int) *reference {
	interval := time.Duration(float64(window) / (0.95 * float64(limit)))
	var mu sync.Mutex
	var next time.Time
	return &reference{name: fmt.Sprintf("token bucket at 95%%, %d workers", workers), workers: workers,
		wait: func(ctx context.Context) bool {
			mu.Lock()
			now := time.Now()
			at := later(next, now)
			next = at.Add(interval)
			mu.Unlock()
			select {
			case <-time.After(at.Sub(now)):
				return true
			case <-ctx.Done():
				return false
			}
		},
		done: func(time.Duration, bool) {},
	}
}

// later returns the later of two times.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// measureReference runs a reference client's events lane against a fresh
// strict server for d and returns its row: utilisation and 429s.
func measureReference(ref *reference, d time.Duration, transit, latency sandbox.Range, serverTiming bool) (row, error) {
	sb := sandbox.New(sandbox.Options{Key: key, LimitModel: sandbox.Sliding, RecordArrivals: true, ServerTiming: serverTiming,
		EventsPerSec: 30, EventsWindow: time.Second, RepliesPerMin: 60, RepliesWindow: time.Minute,
		Transit: transit, Latency: latency})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	client, err := assembly.NewClient(srv.URL, key, &http.Client{Timeout: time.Minute})
	if err != nil {
		return row{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var n atomic.Int64
	var wg sync.WaitGroup
	for range ref.workers {
		wg.Go(func() {
			for ref.wait(ctx) {
				i := n.Add(1)
				start := time.Now()
				_, err := client.CreateTicket(context.WithoutCancel(ctx), assembly.Event{SSID: fmt.Sprintf("ref-%d", i), Title: "Reference",
					Query: "A reference client's ticket", Created: time.Now(), User: assembly.User{Email: "ref@example.com"}})
				var e *assembly.APIError
				ref.done(time.Since(start), errors.As(err, &e) && e.Status == http.StatusTooManyRequests)
			}
		})
	}
	wg.Wait()
	st := sb.Stats()
	return row{name: "reference: " + ref.name, lane: "events", limit: fmt.Sprintf("%d/%v", st.Events.Limit, st.Events.Window),
		utilisation: sb.Utilisation(sandbox.Events), tooMany: st.Events.TooMany,
		rest: []string{"", "", fmt.Sprintf("%d/%d", st.Events.MaxInWindow, st.Events.Limit)}}, nil
}
