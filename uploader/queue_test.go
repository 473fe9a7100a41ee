package uploader

import (
	"testing"
	"time"
)

// The queue hands tickets out in the plan's order, whatever order their
// events were acknowledged in; a ticket whose event stays unsettled holds
// back the ones after it for holdBack only.
func TestQueueOrder(t *testing.T) {
	start := time.Now()
	q := newQueue(5, 0)
	q.since = start
	take := func(at time.Duration) int {
		i, _ := q.take(start.Add(at))
		return i
	}
	q.settle(2, true)
	q.settle(1, true)
	if i := take(0); i != -1 {
		t.Fatalf("took %d while ticket 0's event is unsettled", i)
	}
	q.settle(0, false) // rejected: its replies cannot go
	if a, b := take(0), take(0); a != 1 || b != 2 {
		t.Fatalf("took %d, %d; want 1, 2", a, b)
	}
	q.settle(4, true) // 3 is still being retried
	if i := take(time.Second); i != -1 {
		t.Fatalf("took %d a second after 3 became the one waited for", i)
	}
	if i := take(holdBack + time.Second); i != 4 {
		t.Fatalf("after holdBack took %d, want 4", i)
	}
	q.settle(3, true)
	if i := take(holdBack + 2*time.Second); i != 3 {
		t.Fatalf("took %d, want 3 once acknowledged", i)
	}
	if i := take(holdBack + 3*time.Second); i != -1 {
		t.Fatalf("took %d from an empty queue", i)
	}
}

// With a barrier, no ticket past it comes out before those before it are
// finished.
func TestQueueBarrier(t *testing.T) {
	now := time.Now()
	q := newQueue(4, 2) // tickets 0 and 1 are open
	q.settle(0, true)
	q.settle(1, false) // its event rejected: finished
	q.settle(2, true)
	q.settle(3, true)
	if i, _ := q.take(now); i != 0 {
		t.Fatalf("took %d, want 0", i)
	}
	if i, _ := q.take(now); i != -1 {
		t.Fatalf("took %d while ticket 0's replies are going", i)
	}
	q.finished(0)
	if a, b := func() int { i, _ := q.take(now); return i }(), func() int { i, _ := q.take(now); return i }(); a != 2 || b != 3 {
		t.Fatalf("took %d, %d; want 2, 3", a, b)
	}
}
