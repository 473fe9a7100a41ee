package planner

import (
	"cmp"
	"slices"
	"time"

	"github.com/assembly-import/assembly-import/internal/arena"
)

// byTime is a record to sort by creation time, then id: its time beside
// its index, so that sorting reads a compact slice, not the records.
type byTime struct {
	created stamp
	i       int32
}

// sortByTime sorts records by time, then by id, which it looks up only
// for equal times.
func sortByTime(s []byTime, id func(int32) string) {
	slices.SortFunc(s, func(x, y byTime) int {
		if c := x.created.compare(y.created); c != 0 {
			return c
		}
		return cmp.Compare(id(x.i), id(y.i))
	})
}

// link checks what needs the whole source — replies against their tickets —
// and orders the jobs: tickets by creation time then id, each ticket's
// replies likewise, after the ticket's follow-up message if it has one.
// It sorts indexes rather than records, moves the records' metadata into
// sending order in place, then makes the jobs from it front to back,
// letting the metadata go as it goes: the builder's records and the plan's
// jobs, the two largest things planning holds, never exist whole at once.
func (b *builder) link(keys *arena.Strings, o Order) []Ticket {
	places, sending, rank := b.orderTickets()
	counts, last := b.placeReplies(rank, sending)
	b.arrangePlaces(places[:sending], counts, last, o)
	sent, ends := b.groupReplies(places[:sending], counts)
	// Every reply has found its ticket: let the collector have what found
	// them while the jobs are made.
	b.ticketAt, b.ticketKeys, b.ticketRefs = nil, nil, arena.List[arena.Ref]{}
	b.replies.Gather(sent)
	b.tickets.Gather(places) // the ticket at pos is the pos-th record now
	// A ticket's jobs share an allocation with its neighbours'.
	var chunk []Job
	out := make([]Ticket, sending)
	var from int32 // the replies of the ticket at pos are b.replies[from:ends[pos]]
	replyJobs := 0
	for pos := range out {
		t := b.tickets.At(pos)
		id := b.ticketID(t)
		job := b.job(keys, KindTicket, ticketPrefix, id, t.slot())
		to := ends[pos]
		if need := int(to-from) + 1; cap(chunk)-len(chunk) < need {
			chunk = make([]Job, 0, max(jobChunk, need))
		}
		start := len(chunk)
		if t.followUp != 0 {
			chunk = append(chunk, b.job(keys, KindReply, followUpPrefix, id, b.followUps[t.followUp-1])) // right after the ticket
		}
		last, files := t.created, t.files
		for k := from; k < to; k++ {
			r := b.replies.At(int(k))
			chunk = append(chunk, b.job(keys, KindReply, replyPrefix, b.replyID(r), r.slot()))
			last, files = max(last, r.created), files || r.files()
		}
		replies := chunk[start:len(chunk):len(chunk)]
		out[pos] = Ticket{Job: job, Replies: replies, Open: t.open, last: last, seq: t.seq,
			replies: int32(len(replies)), files: files, anonymous: t.anonymous}
		replyJobs += len(replies)
		if t.open {
			b.stats.OpenTickets++
			b.stats.OpenReplies += len(replies)
		}
		b.replies.Drop(int(to))
		b.tickets.Drop(pos + 1)
		from = to
	}
	b.stats.TicketJobs, b.stats.ReplyJobs = len(out), replyJobs
	// The records are spent, and the jobs' keys are in their own arena:
	// let the collector have the rest.
	b.tickets, b.replies, b.strs, b.ticketIDs = arena.List[ticketMeta]{}, arena.List[replyMeta]{}, arena.Strings{}, arena.Strings{}
	b.followUps = nil
	return out
}

// jobChunk is how many jobs link allocates at a time, at least.
const jobChunk = 1 << 14

// orderTickets returns every ticket record's index, those sent first, in
// sending order (places[:sending]), the others after them; and each
// record's place in that order (-1 for a ticket that is not sent).
func (b *builder) orderTickets() (places []int32, sending int, rank []int32) {
	var valid []byTime
	for i := range b.tickets.Len() {
		if t := b.tickets.At(i); t.ok {
			valid = append(valid, byTime{t.created, int32(i)})
		}
	}
	sortByTime(valid, b.ticketIDAt)
	places = make([]int32, 0, b.tickets.Len())
	rank = make([]int32, b.tickets.Len())
	for i := range rank {
		rank[i] = -1
	}
	for pos, t := range valid {
		places, rank[t.i] = append(places, t.i), int32(pos)
	}
	for i, pos := range rank {
		if pos < 0 {
			places = append(places, int32(i))
		}
	}
	return places, len(valid), rank
}

// placeReplies checks each reply against its ticket and records in it
// the place of its ticket in chronological order (rank); it returns how
// many replies each of the sending tickets has to send, and each one's
// last activity (its last reply's time, or its own).
func (b *builder) placeReplies(rank []int32, sending int) (counts []int32, last []stamp) {
	counts, last = make([]int32, sending), make([]stamp, sending)
	for i, pos := range rank {
		if pos >= 0 {
			last[pos] = b.tickets.At(i).created
		}
	}
	for k := range b.replies.Len() {
		pos := b.ticketOf(int32(k), rank)
		r := b.replies.At(k)
		r.setPlace(pos)
		if pos >= 0 {
			counts[pos]++
			last[pos] = max(last[pos], r.created)
		}
	}
	b.ticketOrigins, b.replyOrigins = originLog{}, originLog{} // every problem linking finds is reported
	return counts, last
}

// arrangePlaces puts the sending tickets (places, in chronological order)
// and their reply counts in the order o sends them, and records in each
// ticket its chronological place (seq). Made in sending order, the jobs'
// keys lie in the order every pass over the plan, and a resume's
// look-ups, take them.
func (b *builder) arrangePlaces(places, counts []int32, last []stamp, o Order) {
	keys := make([]orderKey, len(places))
	for pos, i := range places {
		t := b.tickets.At(int(i))
		t.seq = int32(pos)
		keys[pos] = orderKey{last: last[pos], seq: int32(pos), open: t.open}
	}
	slices.SortFunc(keys, o.compareKeys)
	chrono, n := slices.Clone(places), slices.Clone(counts)
	for pos, k := range keys {
		places[pos], counts[pos] = chrono[k.seq], n[k.seq]
	}
}

// groupReplies returns the replies to send, grouped by their ticket's
// place in sending order (a counting sort: linear, each reply's metadata
// read once), each group sorted by time then id, given the tickets in
// sending order (places) and how many replies each has (counts); ends[pos]
// is where the group of the ticket at pos ends. The replies not sent
// follow, in any order: sent is a permutation of all the replies, for
// List.Gather.
func (b *builder) groupReplies(places, counts []int32) (sent, ends []int32) {
	n := b.replies.Len()
	place := make([]int32, len(places)) // a chronological place's place in sending order
	for pos, i := range places {
		place[b.tickets.At(int(i)).seq] = int32(pos)
	}
	ends = make([]int32, len(counts)+1) // the starts, shifted by one
	for pos, c := range counts {
		ends[pos+1] = ends[pos] + c
	}
	sending := ends[len(counts)]
	sent = make([]int32, n)
	unsent := sending
	for k := range n {
		c := b.replies.At(k).place()
		if c < 0 {
			sent[unsent] = int32(k)
			unsent++
			continue
		}
		pos := place[c]
		sent[ends[pos]] = int32(k)
		ends[pos]++ // now the end of pos's replies, which is where pos+1's start
	}
	ends = ends[:len(counts)]
	var group []byTime // the replies of one ticket
	var from int32
	for _, to := range ends {
		group = group[:0]
		for _, k := range sent[from:to] {
			group = append(group, byTime{b.replies.At(int(k)).created, k})
		}
		sortByTime(group, b.replyIDAt)
		for x, r := range group {
			sent[from+int32(x)] = r.i
		}
		from = to
	}
	return sent, ends
}

// ticketOf checks reply k against its ticket and returns the ticket's
// place in sending order, or -1 when the reply is not sent (reporting why,
// unless reading did).
func (b *builder) ticketOf(k int32, rank []int32) int32 {
	r := b.replies.At(int(k))
	if !r.ok() && (b.replyID(r) == "" || r.noKey()) {
		return -1 // reported already
	}
	i, exists := r.ticket()
	if r.pending() {
		i, exists = b.ticketAt.Get(b.ticketKeys[k], b.ticketIDAt)
	}
	if !exists || rank[i] < 0 {
		item := itemID{ReplyGroup, b.replyID(r)}
		if exists {
			b.problems.add(SeverityError, ProblemTicketBlocked, b.replyOrigin(k), item, "ticket_id",
				"ticket %s has errors (%s), so its replies are not migrated either",
				b.ticketIDAt(i), b.ticketOrigin(i))
		} else {
			b.problems.add(SeverityError, ProblemOrphan, b.replyOrigin(k), item, "ticket_id", "there is no ticket %s", b.ticketKeys[k])
		}
		return -1
	}
	if !r.ok() {
		return -1
	}
	if t := b.tickets.At(int(i)).created; r.created.compare(t) < 0 {
		b.problems.add(SeverityWarning, ProblemBeforeTicket, b.replyOrigin(k), itemID{ReplyGroup, b.replyID(r)}, "created_at",
			"the reply (%s) is older than its ticket (%s)", r.created.time().Format(time.RFC3339), t.time().Format(time.RFC3339))
	}
	return rank[i]
}
