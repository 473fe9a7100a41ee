package planner

import (
	"cmp"
	"slices"
	"strings"
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

// arrange puts the plan's tickets in order o.
func (p *Plan) arrange(o Order) {
	p.Order = o
	arrange(p.Tickets, o)
}

// arrange sorts tickets in order o; ties go by the chronological place, so
// one source gives one order.
func arrange(ts []Ticket, o Order) {
	slices.SortFunc(ts, func(a, b Ticket) int {
		if o == OrderOpenFirst {
			if a.Open != b.Open {
				if a.Open {
					return -1
				}
				return 1
			}
			if c := cmp.Compare(b.last, a.last); c != 0 {
				return c // newest first
			}
		}
		return cmp.Compare(a.seq, b.seq)
	})
}

// Milestones are the moments an admin schedules a cut-over by, in seconds
// from the start of sending.
type Milestones struct {
	Order Order `json:"order"`
	// OpenSeconds: every open ticket is in Assembly with its whole thread
	// (0 when none is open).
	OpenSeconds float64 `json:"open_complete_seconds"`
	// VisibleSeconds: every ticket is in Assembly, its thread perhaps not yet.
	VisibleSeconds float64 `json:"all_visible_seconds"`
	// DoneSeconds: everything is delivered.
	DoneSeconds float64 `json:"all_delivered_seconds"`
}

// Milestones projects when sending p's jobs in order o at l reaches each
// milestone. The events lane runs ahead, a ticket every 1/EventsPerSec; the
// replies lane sends in the order's priority, each reply no earlier than
// its ticket.
func (p *Plan) Milestones(o Order, l Limits) Milestones {
	ts := p.Tickets
	if o != p.Order {
		ts = slices.Clone(p.Tickets)
		arrange(ts, o)
	}
	m := Milestones{Order: o}
	if l.EventsPerSec <= 0 || l.RepliesPerMin <= 0 {
		return m
	}
	event, reply := 1/float64(l.EventsPerSec), 60/float64(l.RepliesPerMin)
	var replies float64 // when the replies lane has sent what comes before
	for k, t := range ts {
		done := float64(k+1) * event
		if len(t.Replies) > 0 {
			replies = max(replies, done) + float64(len(t.Replies))*reply
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

// Choices projects the milestones of the plan's own order, then of each
// other order, for the admin to compare.
func (p *Plan) Choices(l Limits) []Milestones {
	out := []Milestones{p.Milestones(p.Order, l)}
	for _, o := range Orders {
		if o != p.Order {
			out = append(out, p.Milestones(o, l))
		}
	}
	return out
}
