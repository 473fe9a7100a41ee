package readers

import (
	"bufio"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gocarina/gocsv"
)

// The files a CSV export directory holds.
const (
	TicketsFile = "tickets.csv"
	RepliesFile = "replies.csv"
)

// ticketRow is one line of tickets.csv. Every column is read as text; the
// reader converts and checks it, so a bad cell becomes a located problem
// rather than a failed read.
type ticketRow struct {
	TicketID       string `csv:"ticket_id"`
	Title          string `csv:"title"`
	CreatedAt      string `csv:"created_at"`
	RequesterEmail string `csv:"requester_email"`
	RequesterName  string `csv:"requester_name"`
	RequesterID    string `csv:"requester_id"`
	CompanyID      string `csv:"company_id"`
	Status         string `csv:"status"`
	Tags           string `csv:"tags"`
	Body           string `csv:"body"`
}

// replyRow is one line of replies.csv.
type replyRow struct {
	ReplyID     string `csv:"reply_id"`
	TicketID    string `csv:"ticket_id"`
	CreatedAt   string `csv:"created_at"`
	AuthorEmail string `csv:"author_email"`
	AuthorName  string `csv:"author_name"`
	AuthorID    string `csv:"author_id"`
	Internal    string `csv:"internal"`
	Body        string `csv:"body"`
	Attachments string `csv:"attachments"`
}

// columns lists a file's required columns; each inner slice is satisfied
// by any one of its names (a person needs an email or an id, not both).
type columns [][]string

var (
	ticketColumns = columns{{"ticket_id"}, {"title"}, {"created_at"}, {"requester_email", "requester_id"}, {"body"}}
	replyColumns  = columns{{"reply_id"}, {"ticket_id"}, {"created_at"}, {"author_email", "author_id"}, {"body"}}
)

// CSVOptions configures a CSV source.
type CSVOptions struct {
	// Dir holds tickets.csv and replies.csv.
	Dir string
	// Location is the time zone of timestamps written without one; nil is UTC.
	Location *time.Location
	// AttachmentsRoot is the folder attachment paths are relative to; empty
	// means Dir.
	AttachmentsRoot string
}

// CSV streams a CSV export: every ticket of tickets.csv, then every reply of
// replies.csv, one row in memory at a time. It is not safe for concurrent use.
type CSV struct {
	opts    CSVOptions
	tickets *csvFile
	replies *csvFile
}

// csvFile is one open CSV file and the gocsv unmarshaller reading it.
type csvFile struct {
	name   string
	f      *os.File
	cr     *csv.Reader
	um     *gocsv.Unmarshaller
	header map[string]string // normalised column name -> name as written
	done   bool
}

// OpenCSV opens both files of a CSV export and checks their headers, so a
// missing file or column is reported before anything is read.
func OpenCSV(opts CSVOptions) (*CSV, error) {
	if opts.Location == nil {
		opts.Location = time.UTC
	}
	if opts.AttachmentsRoot == "" {
		opts.AttachmentsRoot = opts.Dir
	}
	tickets, err := openCSVFile(filepath.Join(opts.Dir, TicketsFile), &ticketRow{}, ticketColumns)
	if err != nil {
		return nil, err
	}
	replies, err := openCSVFile(filepath.Join(opts.Dir, RepliesFile), &replyRow{}, replyColumns)
	if err != nil {
		tickets.f.Close()
		return nil, err
	}
	return &CSV{opts: opts, tickets: tickets, replies: replies}, nil
}

func openCSVFile(path string, row any, required columns) (*csvFile, error) {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("%s: %w", path, err)}
	}
	cr := newCSVReader(f)
	um, err := gocsv.NewUnmarshaller(cr, row)
	if err != nil {
		f.Close()
		if errors.Is(err, io.EOF) {
			return nil, &InputError{Err: fmt.Errorf("%s: the file is empty: it needs a header line", name)}
		}
		return nil, &InputError{Err: fmt.Errorf("%s line 1: %w", name, err)}
	}
	header := make(map[string]string, len(um.Headers))
	for _, h := range um.Headers {
		n := normalizeColumn(h)
		if _, dup := header[n]; dup {
			f.Close()
			return nil, &InputError{Err: fmt.Errorf("%s line 1: column %q appears twice", name, strings.TrimSpace(h))}
		}
		header[n] = strings.TrimSpace(h)
	}
	if err := um.RenormalizeHeaders(func(hs []string) []string {
		out := make([]string, len(hs))
		for i, h := range hs {
			out[i] = normalizeColumn(h)
		}
		return out
	}); err != nil {
		f.Close()
		return nil, &InputError{Err: fmt.Errorf("%s line 1: %w", name, err)}
	}
	for _, anyOf := range required {
		if !slices.ContainsFunc(anyOf, func(c string) bool { _, ok := header[c]; return ok }) {
			f.Close()
			return nil, &InputError{Err: fmt.Errorf("%s line 1: missing column %s (the header has: %s)",
				name, strings.Join(anyOf, " or "), strings.Join(um.Headers, ", "))}
		}
	}
	return &csvFile{name: name, f: f, cr: cr, um: um, header: header}, nil
}

// newCSVReader reads CSV from r, past a UTF-8 byte-order mark (which
// spreadsheet programs write, and gocsv would take for part of a header).
func newCSVReader(r io.Reader) *csv.Reader {
	br := bufio.NewReader(r)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\ufeff" {
		br.Discard(3)
	}
	return csv.NewReader(br)
}

// normalizeColumn makes "  Ticket_ID " and "ticket_id" the same column.
func normalizeColumn(h string) string {
	return strings.ToLower(strings.TrimSpace(h))
}

// Next returns the next record: tickets first, then replies. It returns
// io.EOF after the last one. A row that cannot be parsed (a wrong number of
// fields, a stray quote) is returned as a record whose Problems say why, so
// it is reported, never skipped; errors reading the files end the stream.
func (c *CSV) Next(ctx context.Context) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	if !c.tickets.done {
		v, extra, origin, problem, err := c.tickets.read()
		switch {
		case errors.Is(err, io.EOF):
			c.tickets.done = true
		case err != nil:
			return Record{}, err
		case problem != nil:
			return Record{Ticket: &Ticket{Origin: origin, Problems: []FieldProblem{*problem}}}, nil
		default:
			return Record{Ticket: c.ticket(v.(*ticketRow), extra, origin)}, nil
		}
	}
	if !c.replies.done {
		v, _, origin, problem, err := c.replies.read()
		switch {
		case errors.Is(err, io.EOF):
			c.replies.done = true
		case err != nil:
			return Record{}, err
		case problem != nil:
			return Record{Reply: &Reply{Origin: origin, Problems: []FieldProblem{*problem}}}, nil
		default:
			return Record{Reply: c.reply(v.(*replyRow), origin)}, nil
		}
	}
	return Record{}, io.EOF
}

// read returns the next row, its columns that map to no field, and its
// origin. A row the CSV parser rejects comes back as a problem with the line
// it starts on.
func (f *csvFile) read() (any, map[string]string, string, *FieldProblem, error) {
	v, extra, err := f.um.ReadUnmatched()
	if errors.Is(err, io.EOF) {
		return nil, nil, "", nil, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		origin := fmt.Sprintf("%s:%d", f.name, pe.StartLine)
		msg := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			msg = fmt.Sprintf("the row does not have the header's %d fields", len(f.header))
		} else if pe.Line != pe.StartLine {
			msg = fmt.Sprintf("%s (line %d, column %d)", msg, pe.Line, pe.Column)
		}
		return nil, nil, origin, &FieldProblem{Message: "unreadable CSV row: " + msg}, nil
	}
	if err != nil {
		return nil, nil, "", nil, fmt.Errorf("%s: %w", f.name, err)
	}
	line, _ := f.cr.FieldPos(0)
	return v, extra, fmt.Sprintf("%s:%d", f.name, line), nil, nil
}

func (c *CSV) ticket(row *ticketRow, extra map[string]string, origin string) *Ticket {
	t := &Ticket{
		Origin: origin,
		Key:    strings.TrimSpace(row.TicketID),
		Title:  strings.TrimSpace(row.Title),
		Requester: User{
			Email:    strings.TrimSpace(row.RequesterEmail),
			Name:     strings.TrimSpace(row.RequesterName),
			SourceID: strings.TrimSpace(row.RequesterID),
		},
		Company: strings.TrimSpace(row.CompanyID),
		Status:  strings.TrimSpace(row.Status),
		Tags:    SplitTags(row.Tags),
		Body:    row.Body,
	}
	t.Created, t.Problems = parseTimeField(row.CreatedAt, "created_at", c.opts.Location, t.Problems)
	for col, v := range extra {
		if strings.TrimSpace(v) == "" {
			continue
		}
		if t.Extra == nil {
			t.Extra = make(map[string]string)
		}
		t.Extra[c.tickets.header[col]] = v
	}
	return t
}

func (c *CSV) reply(row *replyRow, origin string) *Reply {
	r := &Reply{
		Origin:    origin,
		Key:       strings.TrimSpace(row.ReplyID),
		TicketKey: strings.TrimSpace(row.TicketID),
		Author: User{
			Email:    strings.TrimSpace(row.AuthorEmail),
			Name:     strings.TrimSpace(row.AuthorName),
			SourceID: strings.TrimSpace(row.AuthorID),
		},
		Body:        row.Body,
		Attachments: SplitAttachments(row.Attachments, ";", c.opts.AttachmentsRoot),
	}
	r.Created, r.Problems = parseTimeField(row.CreatedAt, "created_at", c.opts.Location, r.Problems)
	internal, err := ParseBool(row.Internal)
	if err != nil {
		r.Problems = append(r.Problems, FieldProblem{Field: "internal", Message: err.Error()})
	}
	r.Internal = internal
	return r
}

// parseTimeField parses a timestamp cell; an empty cell is the zero time
// (the planner reports it missing), anything unparseable is a problem.
func parseTimeField(cell, field string, loc *time.Location, problems []FieldProblem) (time.Time, []FieldProblem) {
	if strings.TrimSpace(cell) == "" {
		return time.Time{}, problems
	}
	t, err := ParseTime(cell, loc)
	if err != nil {
		problems = append(problems, FieldProblem{Field: field, Message: err.Error()})
	}
	return t, problems
}

// Close closes both files.
func (c *CSV) Close() error {
	return errors.Join(c.tickets.f.Close(), c.replies.f.Close())
}

// InputError is a problem with the input as a whole — a missing file or
// column — that the user must fix; it is printed plainly, without a trace.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }
