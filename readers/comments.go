package readers

import (
	"context"
	"fmt"
	"strings"
)

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
