package planner

import (
	"cmp"
	"math"
	"time"

	"github.com/assembly-import/assembly-import/internal/arena"
)

// ticketMeta and replyMeta are what the planner keeps of each record while
// it reads the rest: enough to check ids, link replies and order everything,
// and no more — a million replies must plan in well under 256 MB. Keys live
// in the arena, origins are eight bytes, times are nanoseconds, and none
// of it is a pointer, so the garbage collector does not scan a million of
// them in every cycle.
type ticketMeta struct {
	slot           // set even when the ticket has errors
	followUp int32 // 1 + its index in b.followUps: a reply-lane message with the first message's other attachments; 0 for none
	origin   origin
	created  stamp
	ok       bool
	open     bool // its status is open (Options.OpenStatuses)
	// files says its follow-up has files or links to fetch: what a folded
	// ticket's files message carries (Ticket.files).
	files bool
	// anonymous says its requester has neither an email nor an Assembly
	// user id: a message from them cannot go (Ticket.anonymous).
	anonymous bool
}

type replyMeta struct {
	slot    // set even when the reply has errors
	origin  origin
	created stamp
	ticket  int32 // its ticket's first record, or -1 (b.ticketKeys has the key)
	ok      bool
	noKey   bool // the reply names no ticket
	files   bool // it has files a ticket's event cannot carry, or links to fetch (Ticket.files)
	pending bool // its ticket was not read yet: look it up when linking
}

const (
	ticketPrefix = TicketGroup + "/"
	replyPrefix  = ReplyGroup + "/"
)

// slot is a job while planning: its key as a Ref into b.strs, and where
// its payload went.
type slot struct {
	key  arena.Ref // "ticket/<id>" or "reply/<id>"
	hash uint64
	at   int64
	n    int32
}

// job makes the plan's Job of a slot.
func (b *builder) job(kind Kind, s slot) Job {
	return Job{Kind: kind, Key: b.strs.Get(s.key), Hash: s.hash, at: s.at, n: s.n}
}

// ticketID and replyID return a record's id, which its key ends with.
func (b *builder) ticketID(m *ticketMeta) string { return b.strs.Get(m.key)[len(ticketPrefix):] }
func (b *builder) replyID(m *replyMeta) string   { return b.strs.Get(m.key)[len(replyPrefix):] }

// ticketIDAt and replyIDAt return the id of the i-th ticket or reply record.
func (b *builder) ticketIDAt(i int32) string { return b.ticketID(b.tickets.At(int(i))) }
func (b *builder) replyIDAt(i int32) string  { return b.replyID(b.replies.At(int(i))) }

// stamp is a time in eight bytes instead of time.Time's twenty-four:
// nanoseconds since 1970, exact from 1678 to 2262. Times outside that span
// (a typo like 0201 or 9999, which validation reports anyway) clamp to its ends.
type stamp int64

func stampOf(t time.Time) stamp {
	switch {
	case t.IsZero():
		return 0
	case t.Year() < 1678:
		return math.MinInt64 + 1
	case t.Year() > 2261:
		return math.MaxInt64
	}
	return stamp(t.UnixNano())
}

func (s stamp) time() time.Time { return time.Unix(0, int64(s)).UTC() }

func (s stamp) compare(o stamp) int { return cmp.Compare(s, o) }
