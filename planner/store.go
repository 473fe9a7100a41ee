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
// in the arena, times are nanoseconds, origins are in the builder's
// originLogs, and none of it is a pointer, so the garbage collector does
// not scan a million of them in every cycle.
type ticketMeta struct {
	// its slot's fields, laid out with the rest in 48 bytes, not 56
	id       arena.Ref // set even when the ticket has errors
	hash     uint64
	at       int64
	created  stamp
	n        int32
	followUp int32 // 1 + its index in b.followUps: a reply-lane message with the first message's other attachments; 0 for none
	seq      int32 // once linking ordered it, its place in chronological order (Ticket.seq)
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
	// its slot's fields, laid out with the rest in 40 bytes, not 48
	id      arena.Ref
	hash    uint64
	at      int64
	created stamp
	n       int32
	state   uint32 // set even when the reply has errors: see replyState
}

// A reply's state holds, in its top bits, whether it has no errors and
// whether it has files a ticket's event cannot carry, or links to fetch
// (Ticket.files); below them, its ticket: 0 when it names none, 1 when its
// ticket was not read yet (b.ticketKeys has the key: look it up when
// linking), else its ticket's first record + 2. Once linking has checked
// it, they hold its ticket's place in sending order + 1 instead, 0 for a
// reply that is not sent (setPlace).
const (
	replyOK     = 1 << 31
	replyFiles  = 1 << 30
	replyTicket = replyFiles - 1
	// maxTickets is how many ticket records a plan holds at most: a
	// reply's state has room for no more.
	maxTickets = replyTicket - 2
)

func (t *ticketMeta) slot() slot { return slot{hash: t.hash, at: t.at, n: t.n} }
func (r *replyMeta) slot() slot  { return slot{hash: r.hash, at: r.at, n: r.n} }
func (r *replyMeta) ok() bool    { return r.state&replyOK != 0 }
func (r *replyMeta) files() bool { return r.state&replyFiles != 0 }

// noKey says the reply names no ticket; pending that its ticket was not
// read before it.
func (r *replyMeta) noKey() bool   { return r.state&replyTicket == 0 }
func (r *replyMeta) pending() bool { return r.state&replyTicket == 1 }

// ticket returns the reply's ticket's first record, if it was read first.
func (r *replyMeta) ticket() (int32, bool) {
	t := r.state & replyTicket
	return int32(t) - 2, t >= 2
}

// setPlace replaces the reply's ticket with the ticket's place in sending
// order, -1 for none; place returns it.
func (r *replyMeta) setPlace(pos int32) { r.state = r.state&^replyTicket | uint32(pos+1) }
func (r *replyMeta) place() int32       { return int32(r.state&replyTicket) - 1 }

// The groups of the jobs' keys, as the keys begin.
const (
	ticketPrefix   = TicketGroup + "/"
	replyPrefix    = ReplyGroup + "/"
	followUpPrefix = FollowUpGroup + "/"
)

// slot is a job while planning: where its payload went.
type slot struct {
	hash uint64
	at   int64
	n    int32
}

// job makes the plan's Job of a slot, writing its key, prefix and its
// record's id, into keys: link lays the keys out there in the plan's order, where
// every pass over the jobs — a resume looks each up in the checkpoint,
// several times — streams through them instead of missing the
// processor's caches at each one, as keys in the order they were read
// would (a few hundred nanoseconds each, seconds at millions of jobs).
func (b *builder) job(keys *arena.Strings, kind Kind, prefix, id string, s slot) Job {
	return Job{Kind: kind, key: keys.AddRef(prefix, id), Hash: s.hash, at: s.at, n: s.n}
}

// ticketID and replyID return a record's id.
func (b *builder) ticketID(m *ticketMeta) string { return b.ticketIDs.Get(m.id) }
func (b *builder) replyID(m *replyMeta) string   { return b.strs.Get(m.id) }

// ticketIDAt and replyIDAt return the id of the i-th ticket or reply
// record; ticketIDAt until link moves the tickets into sending order.
func (b *builder) ticketIDAt(i int32) string { return b.ticketIDs.Get(*b.ticketRefs.At(int(i))) }
func (b *builder) replyIDAt(i int32) string  { return b.replyID(b.replies.At(int(i))) }

// addTicket and addReply store a record's metadata and its origin.
func (b *builder) addTicket(m ticketMeta, o origin) {
	b.tickets.Add(m)
	b.ticketRefs.Add(m.id)
	b.ticketOrigins.add(o)
}

func (b *builder) addReply(m replyMeta, o origin) {
	b.replies.Add(m)
	b.replyOrigins.add(o)
}

// ticketOrigin and replyOrigin return the origin of the i-th ticket or
// reply record, in the order they were read.
func (b *builder) ticketOrigin(i int32) string { return b.origins.get(b.ticketOrigins.get(i)) }
func (b *builder) replyOrigin(i int32) string  { return b.origins.get(b.replyOrigins.get(i)) }

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
