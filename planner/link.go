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
// It sorts indexes rather than records, and puts every ticket's reply jobs
// in one shared slice, so that linking a million replies costs little more
// than their jobs.
func (b *builder) link() []Ticket {
	var valid []byTime
	for i := range b.tickets.Len() {
		if t := b.tickets.At(i); t.ok {
			valid = append(valid, byTime{t.created, int32(i)})
		}
	}
	sortByTime(valid, b.ticketIDAt)
	order := make([]int32, len(valid))     // valid tickets, in sending order
	rank := make([]int32, b.tickets.Len()) // ticket record -> its place in order, or -1
	for i := range rank {
		rank[i] = -1
	}
	for pos, t := range valid {
		order[pos], rank[t.i] = t.i, int32(pos)
	}
	valid = nil
	// Replies are grouped by their ticket's place in order with a counting
	// sort (linear; each reply's metadata is read once), then each ticket's
	// few are sorted by time and id. first[pos] counts, then indexes, the
	// replies of the ticket at pos.
	first := make([]int32, len(order)+1)
	ticketOf := make([]int32, b.replies.Len()) // a reply's ticket's place in order, or -1 if it is not sent
	for k := range b.replies.Len() {
		ticketOf[k] = -1
		r := b.replies.At(k)
		if !r.ok && (b.replyID(r) == "" || r.noKey) {
			continue // reported already
		}
		i, exists := r.ticket, r.ticket >= 0
		if r.pending {
			i, exists = b.ticketAt.Get(b.ticketKeys[int32(k)], b.ticketIDAt)
		}
		if !exists || rank[i] < 0 {
			item := itemID{ReplyGroup, b.replyID(r)}
			if exists {
				b.problems.add(SeverityError, ProblemTicketBlocked, b.origins.get(r.origin), item, "ticket_id",
					"ticket %s has errors (%s), so its replies are not migrated either",
					b.ticketIDAt(i), b.origins.get(b.tickets.At(int(i)).origin))
			} else {
				b.problems.add(SeverityError, ProblemOrphan, b.origins.get(r.origin), item, "ticket_id", "there is no ticket %s", b.ticketKeys[int32(k)])
			}
			continue
		}
		if !r.ok {
			continue
		}
		if t := b.tickets.At(int(i)).created; r.created.compare(t) < 0 {
			b.problems.add(SeverityWarning, ProblemBeforeTicket, b.origins.get(r.origin), itemID{ReplyGroup, b.replyID(r)}, "created_at",
				"the reply (%s) is older than its ticket (%s)", r.created.time().Format(time.RFC3339), t.time().Format(time.RFC3339))
		}
		ticketOf[k] = rank[i]
		first[rank[i]+1]++
	}
	for pos := range order {
		first[pos+1] += first[pos]
	}
	sendable := make([]int32, first[len(order)]) // valid replies of valid tickets, grouped by ticket
	for k, pos := range ticketOf {
		if pos >= 0 {
			sendable[first[pos]] = int32(k)
			first[pos]++ // now the end of pos's replies, which is where pos+1's start
		}
	}
	jobs := make([]Job, 0, len(sendable)+b.stats.FollowUps)
	out := make([]Ticket, len(order))
	var from int32     // into sendable
	var group []byTime // the replies of one ticket
	for pos, i := range order {
		group = group[:0]
		for _, k := range sendable[from:first[pos]] {
			group = append(group, byTime{b.replies.At(int(k)).created, k})
		}
		from = first[pos]
		sortByTime(group, b.replyIDAt)
		t := b.tickets.At(int(i))
		start := len(jobs)
		if t.followUp != 0 {
			jobs = append(jobs, b.job(KindReply, b.followUps[t.followUp-1])) // right after the ticket
		}
		for _, r := range group {
			jobs = append(jobs, b.job(KindReply, b.replies.At(int(r.i)).slot))
		}
		last, files := t.created, t.files
		if len(group) > 0 {
			last = max(last, group[len(group)-1].created)
		}
		for _, r := range group {
			files = files || b.replies.At(int(r.i)).files
		}
		out[pos] = Ticket{Job: b.job(KindTicket, t.slot), Replies: jobs[start:len(jobs):len(jobs)], Open: t.open, last: last, seq: int32(pos),
			replies: int32(len(jobs) - start), files: files, anonymous: t.anonymous}
		if t.open {
			b.stats.OpenTickets++
			b.stats.OpenReplies += len(jobs) - start
		}
	}
	b.stats.TicketJobs, b.stats.ReplyJobs = len(out), len(jobs)
	relayKeys(out)
	return out
}

// relayKeys copies the jobs' keys into one arena in the plan's order. They
// were stored as the source was read, in another order: every pass over
// the plan that touches them — a resume looks each up in the checkpoint,
// several times — would otherwise miss the processor's caches at each one
// (a few hundred nanoseconds, seconds at millions of jobs), where keys laid
// out in order stream through them.
func relayKeys(tickets []Ticket) {
	var keys arena.Strings
	for i := range tickets {
		t := &tickets[i]
		t.Key = keys.Add(t.Key)
		for k := range t.Replies {
			t.Replies[k].Key = keys.Add(t.Replies[k].Key)
		}
	}
}
