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

// The layouts an export may have (Mapping.Layout): how its rows hold
// tickets and messages.
const (
	// LayoutTicketsAndReplies is a table of tickets (each with its first
	// message) and a table of the replies that follow.
	LayoutTicketsAndReplies = "tickets-and-replies"
	// LayoutMessages is one table with a row per message, the ticket's
	// fields repeated on each; a ticket's first message is its body.
	LayoutMessages = "messages"
	// LayoutTicketsWithComments is one table with a row per ticket, its
	// comments in a column the header repeats (Jira's "Comment").
	LayoutTicketsWithComments = "tickets-with-comments"
)

// layoutsHelp lists the layouts for messages that say which exist.
const layoutsHelp = "tickets-and-replies (a folder with tickets.csv and replies.csv, or a workbook with a tickets and a replies sheet), " +
	"messages (one file or sheet, a row per message, the ticket's fields repeated on each), " +
	"tickets-with-comments (one file or sheet, a row per ticket, its comments in a repeated column, as Jira exports)"

// CellFormat says how a cell that holds several values splits, e.g. a Jira
// comment "04/Mar/24 5:10 PM;712020:5c1b;It works now" into created_at,
// author_id and body.
type CellFormat struct {
	// Column is the column (with comments: however often the header
	// repeats it).
	Column string `json:"column" yaml:"column"`
	// Separator separates the parts [";"].
	Separator string `json:"separator" yaml:"separator"`
	// Parts name the parts in order; "skip" passes one over. The free-text
	// part (body, or an attachment's name) takes whatever the others leave,
	// separators included.
	Parts []string `json:"parts" yaml:"parts"`
}

// The parts a comment cell and an attachment cell may name.
var (
	commentParts    = []string{"created_at", "author_email", "author_name", "author_id", "internal", "body", "skip"}
	attachmentParts = []string{"name", "url", "path", "skip"}
)

func (m *Mapping) layout() string {
	if m == nil || m.Layout == "" {
		return LayoutTicketsAndReplies
	}
	return m.Layout
}

// checkLayout checks the layout and the keys that go with it.
func (m *Mapping) checkLayout() error {
	layout := m.layout()
	switch layout {
	case LayoutTicketsAndReplies, LayoutMessages, LayoutTicketsWithComments:
	default:
		return fmt.Errorf("layout %q is not one this tool reads; the layouts are %s", m.Layout, layoutsHelp)
	}
	if m.FirstMessage != "" && layout != LayoutMessages {
		return fmt.Errorf("first_message is for layout: %s", LayoutMessages)
	}
	switch {
	case layout == LayoutTicketsWithComments && m.Comments == nil:
		return fmt.Errorf("layout %s needs comments: the column and its parts, e.g. {column: Comment, parts: [created_at, author_id, body]}", layout)
	case layout != LayoutTicketsWithComments && m.Comments != nil:
		return fmt.Errorf("comments is for layout: %s", LayoutTicketsWithComments)
	case layout == LayoutTicketsWithComments && len(m.Replies) > 0:
		return fmt.Errorf("layout %s has no replies table: map the ticket's columns under tickets, and the comments under comments", layout)
	}
	if m.Comments != nil {
		if strings.TrimSpace(m.Comments.Column) == "" {
			return errors.New("comments names no column")
		}
		if err := m.Comments.check("comments", commentParts, "body"); err != nil {
			return err
		}
	}
	if m.AttachmentCells != nil {
		if m.AttachmentCells.Column != "" {
			return errors.New("attachment_cells applies to the attachments field's column: map that under tickets or replies, not here")
		}
		if err := m.AttachmentCells.check("attachment_cells", attachmentParts, ""); err != nil {
			return err
		}
		if slices.Contains(m.AttachmentCells.Parts, "url") == slices.Contains(m.AttachmentCells.Parts, "path") {
			return errors.New("attachment_cells.parts needs url or path (one of them)")
		}
	}
	return nil
}

func (f *CellFormat) check(key string, known []string, required string) error {
	if len(f.Parts) == 0 {
		return fmt.Errorf("%s.parts is empty: name the parts of a cell in order (of %s)", key, strings.Join(known, ", "))
	}
	seen := map[string]bool{}
	for _, p := range f.Parts {
		if !slices.Contains(known, p) {
			return fmt.Errorf("%s.parts: %q is not one of %s", key, p, strings.Join(known, ", "))
		}
		if seen[p] && p != "skip" {
			return fmt.Errorf("%s.parts names %q twice", key, p)
		}
		seen[p] = true
	}
	if required != "" && !seen[required] {
		return fmt.Errorf("%s.parts needs %s", key, required)
	}
	return nil
}

func (f *CellFormat) separator() string {
	if f.Separator == "" {
		return ";"
	}
	return f.Separator
}

// split splits a cell into its named parts. The free part (or, without
// one, the last) takes what the parts before it and after it leave, so
// that a body holding the separator stays whole.
func (f *CellFormat) split(cell, free string) (map[string]string, error) {
	sep := f.separator()
	pieces := strings.Split(cell, sep)
	k := len(f.Parts)
	if len(pieces) < k {
		return nil, fmt.Errorf("the cell has %d parts separated by %q, and the mapping names %d (%s)",
			len(pieces), sep, k, strings.Join(f.Parts, sep))
	}
	at := slices.Index(f.Parts, free)
	if at < 0 {
		at = k - 1
	}
	after := k - 1 - at
	out := make(map[string]string, k)
	for i, p := range f.Parts {
		var v string
		switch {
		case i < at:
			v = pieces[i]
		case i == at:
			v = strings.Join(pieces[at:len(pieces)-after], sep)
		default:
			v = pieces[len(pieces)-(k-i)]
		}
		if p != "skip" {
			out[p] = strings.TrimSpace(v)
		}
	}
	return out, nil
}

// records makes the records of an export's tables by its layout.
type records interface {
	next(ctx context.Context) (Record, error)
}

// unreadable is the record of a row the format could not read — a
// ticket's, or a reply's — with the problem that says why: reported, never
// skipped.
func unreadable(t table, n int, p FieldProblem, ticket bool) Record {
	p.Unreadable = true
	if ticket {
		return Record{Ticket: &Ticket{Origin: t.origin(n, 0), Problems: []FieldProblem{p}}}
	}
	return Record{Reply: &Reply{Origin: t.origin(n, 0), Problems: []FieldProblem{p}}}
}

// pairRecords reads the tickets-and-replies layout: every row of the
// tickets table, then every row of the replies table.
type pairRecords struct {
	conv    *converter
	tickets *tableReader
	replies *tableReader
}

// tableReader is one table read by one header.
type tableReader struct {
	t       table
	h       *header
	idField string
	done    bool
}

func (p *pairRecords) next(ctx context.Context) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	for _, tr := range []*tableReader{p.tickets, p.replies} {
		if tr.done {
			continue
		}
		n, cells, problem, err := tr.t.next()
		switch {
		case errors.Is(err, io.EOF):
			tr.done = true
			continue
		case err != nil:
			return Record{}, err
		case problem != nil:
			return unreadable(tr.t, n, *problem, tr == p.tickets), nil
		}
		if why := tr.h.skipped(tr.t, n, cells); why != "" {
			return Record{Skip: &Skipped{Origin: tr.t.origin(n, 0), Why: why}}, nil
		}
		r, problems := tr.h.row(tr.t, n, cells, tr.idField)
		if tr == p.tickets {
			t := p.conv.ticket(r)
			t.Problems = append(t.Problems, problems...)
			return Record{Ticket: t}, nil
		}
		rp := p.conv.reply(r)
		rp.Problems = append(rp.Problems, problems...)
		return Record{Reply: rp}, nil
	}
	return Record{}, io.EOF
}

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

// commentRecords reads the tickets-with-comments layout: each row is a
// ticket, then one reply per non-empty cell of the comments' columns.
type commentRecords struct {
	conv     *converter
	t        table
	h        *header
	comments []int // the comments' columns
	format   *CellFormat
	queue    []Record // the replies of the row read last
	ids      messageIDs
}

func (cr *commentRecords) next(ctx context.Context) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	if len(cr.queue) > 0 {
		rec := cr.queue[0]
		cr.queue = cr.queue[1:]
		return rec, nil
	}
	n, cells, problem, err := cr.t.next()
	switch {
	case err != nil:
		return Record{}, err
	case problem != nil:
		return unreadable(cr.t, n, *problem, true), nil
	}
	if why := cr.h.skipped(cr.t, n, cells); why != "" {
		return Record{Skip: &Skipped{Origin: cr.t.origin(n, 0), Why: why}}, nil
	}
	r, problems := cr.h.row(cr.t, n, cells, "ticket_id")
	t := cr.conv.ticket(r)
	t.Problems = append(t.Problems, problems...)
	for _, col := range cr.comments {
		if col >= len(cells) || strings.TrimSpace(cells[col]) == "" {
			continue
		}
		cr.queue = append(cr.queue, Record{Reply: cr.comment(t.Key, cr.t.origin(n, col), cells[col])})
	}
	return Record{Ticket: t}, nil
}

// comment makes the reply a comment cell of ticket holds, named by what it
// is (messageIDs): Jira names no comment.
func (cr *commentRecords) comment(ticket, origin, cell string) *Reply {
	parts, err := cr.format.split(cell, "body")
	r := row{origin: origin, get: func(field string) string { return parts[field] }}
	var rp *Reply
	if err != nil {
		// The text is kept for the reports (and named by); the problem
		// says what is wrong.
		parts = map[string]string{"body": cell}
		rp = &Reply{Origin: origin, Body: cell, Problems: []FieldProblem{{Field: "body", Message: fmt.Sprintf("comment %q: %v", truncateCell(cell), err)}}}
	} else {
		rp = cr.conv.reply(r)
	}
	var twin *FieldProblem
	if rp.Key, twin = cr.ids.name(ticket, r); twin != nil {
		rp.Problems = append(rp.Problems, *twin)
	}
	rp.TicketKey = ticket
	return rp
}

// layoutRecords resolves the tables' headers for the mapping's layout and
// returns what reads their records, with each table's headers. names name
// each table's header row for messages ("tickets.csv line 1").
func layoutRecords(conv *converter, m *Mapping, tables []table, names []string) (records, [][]*header, error) {
	if m != nil && (m.Messages != "" || m.AttachmentFields != nil) {
		return nil, nil, &InputError{Err: errors.New("the mapping's messages and attachment_fields are for a JSON export (--json); a table's layout says where its messages are")}
	}
	recs, headers, err := layoutHeaders(conv, m, tables, names)
	if err == nil {
		err = checkSkips(m, headers)
	}
	return recs, headers, err
}

func layoutHeaders(conv *converter, m *Mapping, tables []table, names []string) (records, [][]*header, error) {
	switch m.layout() {
	case LayoutMessages:
		found := tables[0].header()
		th, err := resolveHeader(names[0], "tickets", found, m, messageTicketRequired)
		if err != nil {
			return nil, nil, err
		}
		rh, err := resolveHeader(names[0], "replies", found, m, messageRequired)
		if err != nil {
			return nil, nil, err
		}
		for i := range th.keep {
			th.keep[i] = th.keep[i] && rh.field[i] == "" // a message's column is not another column
		}
		mr := &messageRecords{conv: conv, t: tables[0], tickets: firstMessageHeader(th, rh), messages: rh}
		if m.FirstMessage != "" {
			if mr.firstCol = th.column(m.FirstMessage); len(mr.firstCol) == 0 {
				return nil, nil, &InputError{Err: fmt.Errorf("%s: the mapping's first_message column %q is not in the header, which has: %s",
					names[0], m.FirstMessage, strings.Join(nonEmpty(th.found), ", "))}
			}
			th.keep[mr.firstCol[0]] = false
		}
		if m.TicketRow != TicketRowFirst {
			mr.latestCols, mr.latest = latestColumns(th), map[string]latestRow{}
		}
		return mr, [][]*header{{th, rh}}, nil
	case LayoutTicketsWithComments:
		th, err := resolveHeader(names[0], "tickets", tables[0].header(), m, ticketRequired)
		if err != nil {
			return nil, nil, err
		}
		cols := th.column(m.Comments.Column)
		switch {
		case len(cols) == 0:
			return nil, nil, &InputError{Err: fmt.Errorf("%s: the mapping's comments column %q is not in the header, which has: %s",
				names[0], m.Comments.Column, strings.Join(nonEmpty(th.found), ", "))}
		case th.field[cols[0]] != "":
			return nil, nil, &InputError{Err: fmt.Errorf("%s: the comments column %q is also mapped to %s", names[0], m.Comments.Column, th.field[cols[0]])}
		}
		for _, i := range cols {
			th.keep[i] = false
		}
		return &commentRecords{conv: conv, t: tables[0], h: th, comments: cols, format: m.Comments}, [][]*header{{th}}, nil
	}
	th, err := resolveHeader(names[0], "tickets", tables[0].header(), m, ticketRequired)
	if err != nil {
		return nil, nil, err
	}
	rh, err := resolveHeader(names[1], "replies", tables[1].header(), m, replyRequired)
	if err != nil {
		return nil, nil, err
	}
	return &pairRecords{conv: conv, tickets: &tableReader{t: tables[0], h: th, idField: "ticket_id"}, replies: &tableReader{t: tables[1], h: rh, idField: "reply_id"}},
		[][]*header{{th}, {rh}}, nil
}
