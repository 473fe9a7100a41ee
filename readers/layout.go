package readers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
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
