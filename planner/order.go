package planner

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Order says which tickets go first. Within a ticket, its replies always go
// in chronological order, after the ticket.
type Order string

const (
	// OrderChronological sends the oldest ticket first, by creation time
	// then id: the history as it grew.
	OrderChronological Order = "chronological"
	// OrderOpenFirst sends the tickets agents are working on first (their
	// status is open), then the rest, each group newest first by last
	// activity: what agents are likeliest to look up lands next.
	OrderOpenFirst Order = "open-first"
)

// Orders lists the orders, for flags and messages.
var Orders = []Order{OrderOpenFirst, OrderChronological}

// normalizeStatus makes " Pending " and "pending" one status.
func normalizeStatus(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// compare orders two tickets as o sends them.
func (o Order) compare(a, b *Ticket) int {
	return o.compareKeys(orderKey{a.last, a.seq, a.Open}, orderKey{b.last, b.seq, b.Open})
}

// orderKey is what orders a ticket: its last activity, its chronological
// place and whether it is open.
type orderKey struct {
	last stamp
	seq  int32
	open bool
}

// compareKeys orders two tickets' keys as o sends them.
func (o Order) compareKeys(a, b orderKey) int {
	if o == OrderOpenFirst {
		if a.open != b.open {
			if a.open {
				return -1
			}
			return 1
		}
		if c := cmp.Compare(b.last, a.last); c != 0 {
			return c // newest first
		}
	}
	return cmp.Compare(a.seq, b.seq)
}

// Milestones are the moments an admin schedules a cut-over by, in seconds
// from the start of sending, for one choice of order and folding.
type Milestones struct {
	Order Order `json:"order"`
	// FoldBefore is the folding date (2006-01-02), empty for none; Folded
	// counts the tickets it folds.
	FoldBefore string `json:"fold_before,omitempty"`
	Folded     int    `json:"folded_tickets,omitempty"`
	// OpenSeconds: every open ticket is in Assembly with its whole thread
	// (0 when none is open).
	OpenSeconds float64 `json:"open_complete_seconds"`
	// VisibleSeconds: every ticket is in Assembly, its thread perhaps not yet.
	VisibleSeconds float64 `json:"all_visible_seconds"`
	// DoneSeconds: everything is delivered.
	DoneSeconds float64 `json:"all_delivered_seconds"`
}

// Milestones projects when sending p's jobs in order o, folding what fold
// says, at l reaches each milestone. The events lane runs ahead, a ticket
// every 1/EventsPerSec; the replies lane sends in the order's priority,
// each reply no earlier than its ticket. A folded ticket sends one replies-
// lane message when it has files an event cannot take, none otherwise (a
// transcript too long for the event adds one more, not counted here).
func (p *Plan) Milestones(o Order, fold FoldOptions, l Limits) Milestones {
	ts := p.Tickets
	at := func(k int) *Ticket { return &ts[k] }
	if o != p.Order {
		// The tickets' places in order o, not a sorted copy of them: four
		// bytes a ticket instead of eighty (160 MB at two million).
		places := make([]int32, len(ts))
		for i := range places {
			places[i] = int32(i)
		}
		slices.SortFunc(places, func(a, b int32) int { return o.compare(&ts[a], &ts[b]) })
		at = func(k int) *Ticket { return &ts[places[k]] }
	}
	m := Milestones{Order: o}
	if !fold.Before.IsZero() {
		m.FoldBefore = fold.Before.Format(time.DateOnly)
	}
	if l.EventsPerSec <= 0 || l.RepliesPerMin <= 0 {
		return m
	}
	event, reply := 1/float64(l.EventsPerSec), 60/float64(l.RepliesPerMin)
	var replies float64 // when the replies lane has sent what comes before
	for k := range ts {
		t := at(k)
		jobs := int(t.replies)
		switch {
		case t.Folded && fold == p.Folding:
			jobs = len(t.Replies)
			m.Folded++
		case fold.folds(t):
			jobs = 0
			if t.files {
				jobs = 1
			}
			m.Folded++
		}
		done := float64(k+1) * event
		if jobs > 0 {
			replies = max(replies, done) + float64(jobs)*reply
			done = replies
		}
		if t.Open {
			m.OpenSeconds = max(m.OpenSeconds, done)
		}
	}
	m.VisibleSeconds = float64(len(ts)) * event
	m.DoneSeconds = max(m.VisibleSeconds, replies)
	return m
}

// Choices projects the milestones of the plan as it will be sent, then of
// the other order, then with folding changed: without it when the plan
// folds, or folding what has been quiet for a year before the newest
// activity when it does not (and that folds anything).
func (p *Plan) Choices(l Limits) []Milestones {
	out := []Milestones{p.Milestones(p.Order, p.Folding, l)}
	for _, o := range Orders {
		if o != p.Order {
			out = append(out, p.Milestones(o, p.Folding, l))
		}
	}
	if !p.Folding.Before.IsZero() {
		return append(out, p.Milestones(p.Order, FoldOptions{}, l))
	}
	var newest stamp
	for _, t := range p.Tickets {
		newest = max(newest, t.last)
	}
	if newest == 0 {
		return out
	}
	y, mo, d := newest.time().Date()
	suggest := FoldOptions{Before: time.Date(y-1, mo, d, 0, 0, 0, 0, time.UTC)}
	if m := p.Milestones(p.Order, suggest, l); m.Folded > 0 {
		out = append(out, m)
	}
	return out
}
