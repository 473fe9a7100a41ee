package readers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cespare/xxhash/v2"
)

// The messages layout needs only the ticket's id and title from the
// tickets' fields, and a message's time, text and author from the
// replies' (reply_id is made up when the export has none).
var (
	messageTicketRequired = requirement{{"ticket_id"}, {"title"}}
	messageRequired       = requirement{{"created_at"}, {"body"}, {"author_email", "author_id"}}
)

// messageRecords reads the messages layout in two passes: the first finds
// each ticket's first message (the row first_message marks, else the
// earliest, else the first in the file); the second makes that row the
// ticket and every other row a reply, in the table's order.
type messageRecords struct {
	conv     *converter
	t        table
	tickets  *header // a ticket's fields, on its first message's row (firstMessageHeader)
	messages *header // a message's fields
	firstCol []int   // the first_message column, if mapped
	first    map[string]int
	// latestCols are the columns of a ticket's fields taken from its
	// latest row (Mapping.TicketRow): title, status, tags, company and
	// the kept columns; latest holds, per ticket, that row's cells of them.
	latestCols []int
	latest     map[string]latestRow
	scanned    bool
	ids        messageIDs // for exports without message ids
}

// latestRow is the latest row of a ticket so far.
type latestRow struct {
	n       int
	created time.Time
	cells   []string // at latestCols
}

// firstMessage is the best candidate so far for a ticket's first message.
type firstMessage struct {
	n       int
	marked  bool
	created time.Time // zero when unreadable: after every readable time
}

func (f firstMessage) before(g firstMessage) bool {
	switch {
	case f.marked != g.marked:
		return f.marked
	case f.created.IsZero() != g.created.IsZero():
		return !f.created.IsZero()
	case !f.created.Equal(g.created):
		return f.created.Before(g.created)
	}
	return f.n < g.n
}

func (mr *messageRecords) scan(ctx context.Context) error {
	best := map[string]firstMessage{}
	for count := 0; ; count++ {
		if count%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		n, cells, problem, err := mr.t.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		if problem != nil {
			continue // reported by the second pass
		}
		key := strings.TrimSpace(mr.tickets.get(mr.t, n, cells, "ticket_id"))
		if key == "" {
			continue
		}
		f := firstMessage{n: n}
		f.created, _ = mr.conv.time(mr.messages.get(mr.t, n, cells, "created_at"), "created_at", nil)
		mr.seeLatest(key, f.created, n, cells) // a skipped row (a close) may say the status
		if mr.messages.skipped(mr.t, n, cells) != "" {
			continue
		}
		if len(mr.firstCol) > 0 && mr.firstCol[0] < len(cells) {
			f.marked, _ = ParseBool(cells[mr.firstCol[0]])
		}
		if g, ok := best[key]; !ok || f.before(g) {
			best[key] = f
		}
	}
	mr.first = make(map[string]int, len(best))
	for key, f := range best {
		mr.first[key] = f.n
	}
	return mr.t.rewind()
}

func (mr *messageRecords) next(ctx context.Context) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	if !mr.scanned {
		if err := mr.scan(ctx); err != nil {
			return Record{}, err
		}
		mr.scanned = true
	}
	n, cells, problem, err := mr.t.next()
	switch {
	case err != nil:
		return Record{}, err
	case problem != nil:
		return unreadable(mr.t, n, *problem, false), nil
	}
	if why := mr.messages.skipped(mr.t, n, cells); why != "" {
		return Record{Skip: &Skipped{Origin: mr.t.origin(n, 0), Why: why}}, nil
	}
	key := strings.TrimSpace(mr.tickets.get(mr.t, n, cells, "ticket_id"))
	if first, ok := mr.first[key]; ok && first == n {
		if l, ok := mr.latest[key]; ok && l.n != n {
			cells = slices.Clone(cells)
			for k, i := range mr.latestCols {
				if i < len(cells) {
					cells[i] = l.cells[k]
				}
			}
		}
		tr, problems := mr.tickets.row(mr.t, n, cells, "ticket_id")
		t := mr.conv.ticket(tr)
		t.Problems = append(t.Problems, problems...)
		return Record{Ticket: t}, nil
	}
	msg, problems := mr.messages.row(mr.t, n, cells, "created_at")
	rp := mr.conv.reply(msg)
	rp.TicketKey = key
	if _, ok := mr.messages.index["reply_id"]; !ok {
		var twin *FieldProblem
		if rp.Key, twin = mr.ids.name(key, msg); twin != nil {
			rp.Problems = append(rp.Problems, *twin)
		}
	}
	rp.Problems = append(rp.Problems, problems...)
	return Record{Reply: rp}, nil
}

// seeLatest keeps row n's cells of the ticket's fields when it is the
// ticket's latest row so far: the latest time, and of rows at one time (or
// without a readable one) the last in the table.
func (mr *messageRecords) seeLatest(key string, created time.Time, n int, cells []string) {
	if len(mr.latestCols) == 0 {
		return
	}
	l, ok := mr.latest[key]
	if ok && (created.IsZero() && !l.created.IsZero() || created.Before(l.created)) {
		return
	}
	l.n, l.created = n, created
	if l.cells == nil {
		l.cells = make([]string, len(mr.latestCols))
	}
	for k, i := range mr.latestCols {
		l.cells[k] = ""
		if i < len(cells) {
			l.cells[k] = strings.Clone(cells[i])
		}
	}
	mr.latest[key] = l
}

// latestColumns returns the columns of th, a messages table's ticket
// header, taken from a ticket's latest row: its title, status, tags,
// company and kept columns (not its id, requester, time, text or files,
// which are its first message's).
func latestColumns(th *header) []int {
	var cols []int
	for i, f := range th.field {
		switch f {
		case "title", "status", "tags", "company_id":
			cols = append(cols, i)
		case "":
			if th.keep[i] {
				cols = append(cols, i)
			}
		}
	}
	return cols
}

// firstMessageHeader reads a ticket from its first message's row: by the
// tickets' columns and, where none is mapped, the message's time, text and
// files, and its author as the requester.
func firstMessageHeader(th, rh *header) *header {
	h := *th
	h.index, h.repeats = maps.Clone(th.index), maps.Clone(th.repeats)
	for _, f := range []string{"created_at", "body", "attachments"} {
		if _, ok := h.index[f]; ok {
			continue
		}
		if i, ok := rh.index[f]; ok {
			h.index[f] = i
		}
		if cols, ok := rh.repeats[f]; ok {
			h.repeats[f] = cols
		}
	}
	_, email := h.index["requester_email"]
	_, id := h.index["requester_id"]
	if !email && !id {
		for _, p := range []string{"email", "name", "id"} {
			if i, ok := rh.index["author_"+p]; ok {
				h.index["requester_"+p] = i
			}
		}
	}
	return &h
}

// messageIDs names the messages of an export that has no message ids by
// what each message is, never by where it stands: a re-export, sorted
// otherwise or with messages added or removed before one, names every
// message it shares with the first export the same. A name is
// "<ticket>/msg-<hash>", the hash of the message's time, author and text as
// the export writes them (its cells, not what the tool makes of them, so
// that a new --timezone or body conversion does not rename it). Messages
// alike in all of these — twins — are told apart by their order ("#2"),
// the one case where a name depends on position; each is reported.
type messageIDs struct {
	seen map[uint64]int // how often each name was given so far
}

// messageFields are what a message's name is made of.
var messageFields = []string{"created_at", "author_email", "author_id", "author_name", "body", "attachments"}

// name returns the name of the message r of ticket, and a warning when it
// is a twin of an earlier one.
func (ids *messageIDs) name(ticket string, r row) (string, *FieldProblem) {
	var d xxhash.Digest
	d.Reset()
	for _, f := range messageFields {
		v := strings.TrimSpace(strings.ReplaceAll(r.get(f), "\r\n", "\n"))
		if f == "author_email" {
			v = strings.ToLower(v)
		}
		d.WriteString(strconv.Itoa(len(v)))
		d.WriteString(":")
		d.WriteString(v)
	}
	id := fmt.Sprintf("%s/msg-%012x", ticket, d.Sum64()>>16)
	if ids.seen == nil {
		ids.seen = map[uint64]int{}
	}
	key := xxhash.Sum64String(id)
	ids.seen[key]++
	n := ids.seen[key]
	if n == 1 {
		return id, nil
	}
	return id + "#" + strconv.Itoa(n), &FieldProblem{Field: "reply_id", Warning: true, Message: fmt.Sprintf(
		"a twin of an earlier message of ticket %s (same time, author and text): named %s#%d by its order; a re-export that drops one of the twins may leave one out", ticket, id, n)}
}
