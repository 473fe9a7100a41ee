package uploader

import (
	"context"
	"sync"
	"time"

	"github.com/assembly-import/assembly-import/planner"
)

// openBarrier is the queue's barrier: in an open-first plan, the number of
// open tickets, which lead it; 0 otherwise.
func openBarrier(plan *planner.Plan) int {
	if plan.Order != planner.OrderOpenFirst {
		return 0
	}
	n := 0
	for n < len(plan.Tickets) && plan.Tickets[n].Open {
		n++
	}
	return n
}

// queue hands out the tickets whose replies may go, in the plan's order:
// a ticket comes out once its event is acknowledged and every ticket
// before it has its event settled, so the replies lane follows the plan's
// priority. The events lane runs far ahead (30 a second against one reply
// a second), so the wait costs the first moments of a run and no more. A
// ticket whose event is still unsettled after holdBack (a server error
// being retried) no longer holds back the tickets after it: its replies go
// once it is acknowledged. The events lane never waits for this queue.
//
// With a barrier (the open tickets, first in an open-first plan), no
// ticket past it comes out before every ticket before it is finished: its
// replies all sent, or its event not there. Within the open tickets replies
// go side by side; none of another ticket's goes before the last of theirs.
type queue struct {
	mu         sync.Mutex
	state      []ticketState
	next       int       // the first ticket not yet handed out or passed over
	since      time.Time // when the ticket at next became the one waited for
	far        int       // past next, how far tickets were handed out around it
	barrier    int       // tickets from here on wait for those before it to finish
	unfinished int       // tickets before the barrier not finished
	closed     bool
	signal     chan struct{}
}

// holdBack is how long an unsettled event holds back the replies of the
// tickets after it.
const holdBack = 5 * time.Second

// ticketState is what the queue knows of a ticket.
type ticketState uint8

const (
	eventPending  ticketState = iota
	eventAcked                // its replies may go
	eventNotThere             // rejected, failed: its replies cannot go
	handedOut                 // its replies are going
)

func newQueue(tickets, barrier int) *queue {
	return &queue{state: make([]ticketState, tickets), signal: make(chan struct{}, 1), since: time.Now(),
		barrier: barrier, unfinished: barrier}
}

// settle records the outcome of ticket i's event.
func (q *queue) settle(i int, acked bool) {
	q.mu.Lock()
	q.state[i] = eventNotThere
	if acked {
		q.state[i] = eventAcked
	} else if i < q.barrier {
		q.unfinished--
	}
	q.mu.Unlock()
	q.notify()
}

// finished records that ticket i's replies are all sent, or given up.
func (q *queue) finished(i int) {
	if i >= q.barrier {
		return
	}
	q.mu.Lock()
	q.unfinished--
	q.mu.Unlock()
	q.notify()
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.notify()
}

func (q *queue) notify() {
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// pop returns the next ticket whose replies may go, or false once the
// events lane has ended and none is left, or ctx is done.
func (q *queue) pop(ctx context.Context) (int, bool) {
	for {
		q.mu.Lock()
		i, wait := q.take(time.Now())
		// Closed, the events lane has ended: nothing more will settle, but
		// tickets held at the barrier still come once the open ones finish.
		over := q.closed && !(q.next < len(q.state) && q.next >= q.barrier && q.unfinished > 0)
		q.mu.Unlock()
		if i >= 0 {
			return i, true
		}
		if over {
			return 0, false
		}
		t := time.NewTimer(wait)
		select {
		case <-q.signal:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return 0, false
		}
		t.Stop()
	}
}

// take hands out the next ticket, or returns -1 and how long to wait at
// most before looking again. q.mu is held.
func (q *queue) take(now time.Time) (int, time.Duration) {
	for q.next < len(q.state) && q.state[q.next] >= eventNotThere {
		q.next++
		q.since = now
	}
	if q.next == len(q.state) {
		return -1, holdBack
	}
	if q.next >= q.barrier && q.unfinished > 0 {
		return -1, holdBack // the open tickets' replies first
	}
	if q.state[q.next] == eventAcked {
		q.state[q.next] = handedOut
		return q.next, 0
	}
	if wait := q.since.Add(holdBack).Sub(now); wait > 0 {
		return -1, wait
	}
	// The event at next is long unsettled: go on around it.
	q.far = max(q.far, q.next+1)
	for ; q.far < len(q.state) && (q.far < q.barrier || q.unfinished == 0); q.far++ {
		if q.state[q.far] == eventAcked {
			q.state[q.far] = handedOut
			return q.far, 0
		}
		if q.state[q.far] == eventPending {
			break // not settled yet either: wait for it
		}
	}
	return -1, holdBack
}
