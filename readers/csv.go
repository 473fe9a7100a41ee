package readers

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/gocarina/gocsv"
)

// The files a CSV export directory holds.
const (
	TicketsFile = "tickets.csv"
	RepliesFile = "replies.csv"
)

// ticketRow is one line of tickets.csv. Every column is read as text; the
// converter checks it, so a bad cell becomes a located problem rather than
// a failed read.
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
	Attachments    string `csv:"attachments"`
}

func (r *ticketRow) get(field string) string {
	switch field {
	case "ticket_id":
		return r.TicketID
	case "title":
		return r.Title
	case "created_at":
		return r.CreatedAt
	case "requester_email":
		return r.RequesterEmail
	case "requester_name":
		return r.RequesterName
	case "requester_id":
		return r.RequesterID
	case "company_id":
		return r.CompanyID
	case "status":
		return r.Status
	case "tags":
		return r.Tags
	case "body":
		return r.Body
	case "attachments":
		return r.Attachments
	}
	return ""
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

func (r *replyRow) get(field string) string {
	switch field {
	case "reply_id":
		return r.ReplyID
	case "ticket_id":
		return r.TicketID
	case "created_at":
		return r.CreatedAt
	case "author_email":
		return r.AuthorEmail
	case "author_name":
		return r.AuthorName
	case "author_id":
		return r.AuthorID
	case "internal":
		return r.Internal
	case "body":
		return r.Body
	case "attachments":
		return r.Attachments
	}
	return ""
}

// CSVOptions configures a CSV source.
type CSVOptions struct {
	// Dir holds tickets.csv and replies.csv.
	Dir string
	// Location is the time zone of timestamps written without one; nil is
	// UTC. A mapping's timezone takes precedence.
	Location *time.Location
	// AttachmentsRoot is the folder attachment paths are relative to; empty
	// means Dir.
	AttachmentsRoot string
	// Mapping adapts foreign headers and formats; nil reads canonical columns.
	Mapping *Mapping
}

// CSV streams a CSV export: every ticket of tickets.csv, then every reply of
// replies.csv, one row in memory at a time. It is not safe for concurrent use.
type CSV struct {
	conv    *converter
	tickets *csvFile
	replies *csvFile
}

// csvFile is one open CSV file and the gocsv unmarshaller reading it.
type csvFile struct {
	name string
	f    *os.File
	cr   *csv.Reader
	um   *gocsv.Unmarshaller
	h    *header
	kept bool // some other column is kept: read rows with the columns gocsv did not match
	done bool
}

// OpenCSV opens both files of a CSV export and checks their headers, so a
// missing file or column is reported before anything is read.
func OpenCSV(opts CSVOptions) (*CSV, error) {
	root := opts.AttachmentsRoot
	if root == "" {
		root = opts.Dir
	}
	conv, err := newConverter(opts.Mapping, opts.Location, root)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	tickets, err := openCSVFile(filepath.Join(opts.Dir, TicketsFile), "tickets", &ticketRow{}, opts.Mapping)
	if err != nil {
		return nil, err
	}
	replies, err := openCSVFile(filepath.Join(opts.Dir, RepliesFile), "replies", &replyRow{}, opts.Mapping)
	if err != nil {
		tickets.f.Close()
		return nil, err
	}
	return &CSV{conv: conv, tickets: tickets, replies: replies}, nil
}

func openCSVFile(path, kind string, rowType any, m *Mapping) (*csvFile, error) {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("%s: %w", path, err)}
	}
	cr := newCSVReader(f, name, m)
	um, err := gocsv.NewUnmarshaller(cr, rowType)
	if err != nil {
		f.Close()
		if errors.Is(err, io.EOF) {
			return nil, &InputError{Err: fmt.Errorf("%s: the file is empty: it needs a header line", name)}
		}
		if ie := (*InputError)(nil); errors.As(err, &ie) {
			return nil, ie // it names the file and line
		}
		return nil, &InputError{Err: fmt.Errorf("%s line 1: %w", name, err)}
	}
	h, err := resolveHeader(name+" line 1", kind, um.Headers, m)
	if err != nil {
		f.Close()
		return nil, err
	}
	// gocsv matches columns to struct tags: give each column its canonical
	// field, and the others a name no tag has, to find them among the
	// unmatched.
	if err := um.RenormalizeHeaders(func([]string) []string {
		out := make([]string, len(h.field))
		for i, field := range h.field {
			out[i] = field
			if field == "" {
				out[i] = otherColumn(i)
			}
		}
		return out
	}); err != nil {
		f.Close()
		return nil, &InputError{Err: fmt.Errorf("%s line 1: %w", name, err)}
	}
	// From here on gocsv copies each row's fields into a struct at once, so
	// the reader may reuse the row's slice (each row's text is still a new
	// string); um.Headers, read before, is not affected.
	cr.ReuseRecord = true
	return &csvFile{name: name, f: f, cr: cr, um: um, h: h, kept: slices.Contains(h.keep, true)}, nil
}

// otherColumn names column i when it maps to no field.
func otherColumn(i int) string { return "\x00" + strconv.Itoa(i) }

// Next returns the next record: tickets first, then replies. It returns
// io.EOF after the last one. A row that cannot be parsed (a wrong number of
// fields, a stray quote) is returned as a record whose Problems say why, so
// it is reported, never skipped; errors reading the files end the stream.
func (c *CSV) Next(ctx context.Context) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	for _, f := range []*csvFile{c.tickets, c.replies} {
		if f.done {
			continue
		}
		r, problem, err := f.read()
		switch {
		case errors.Is(err, io.EOF):
			f.done = true
			continue
		case err != nil:
			return Record{}, err
		case f == c.tickets && problem != nil:
			return Record{Ticket: &Ticket{Origin: r.origin, Problems: []FieldProblem{*problem}}}, nil
		case problem != nil:
			return Record{Reply: &Reply{Origin: r.origin, Problems: []FieldProblem{*problem}}}, nil
		case f == c.tickets:
			return Record{Ticket: c.conv.ticket(r)}, nil
		default:
			return Record{Reply: c.conv.reply(r)}, nil
		}
	}
	return Record{}, io.EOF
}

// read returns the next row. A row the CSV parser rejects comes back as a
// problem with the line it starts on.
func (f *csvFile) read() (row, *FieldProblem, error) {
	var v any
	var unmatched map[string]string
	var err error
	if f.kept {
		v, unmatched, err = f.um.ReadUnmatched()
	} else {
		v, err = f.um.Read() // without a map of the other columns for each row
	}
	if errors.Is(err, io.EOF) {
		return row{}, nil, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			msg = fmt.Sprintf("the row does not have the header's %d fields", len(f.h.found))
		} else if pe.Line != pe.StartLine {
			msg = fmt.Sprintf("%s (line %d, column %d)", msg, pe.Line, pe.Column)
		}
		return row{origin: f.origin(pe.StartLine)}, &FieldProblem{Message: "unreadable CSV row: " + msg}, nil
	}
	if err != nil {
		if ie := (*InputError)(nil); errors.As(err, &ie) {
			return row{}, nil, ie // it names the file and line
		}
		return row{}, nil, fmt.Errorf("%s: %w", f.name, err)
	}
	line, _ := f.cr.FieldPos(0)
	r := row{origin: f.origin(line)}
	switch v := v.(type) {
	case *ticketRow:
		r.get = v.get
	case *replyRow:
		r.get = v.get
	}
	if f.h.shared {
		// Fields mapped to one column: gocsv filled the column's first
		// field; the others read it from there.
		get := r.get
		r.get = func(field string) string {
			if i, ok := f.h.index[field]; ok {
				return get(f.h.field[i])
			}
			return ""
		}
	}
	for i, kept := range f.h.keep {
		if kept {
			if r.extra == nil {
				r.extra = map[string]string{}
			}
			r.extra[f.h.found[i]] = unmatched[otherColumn(i)]
		}
	}
	return r, nil, nil
}

// origin names a line of the file: "replies.csv:17".
func (f *csvFile) origin(line int) string { return f.name + ":" + strconv.Itoa(line) }

// Close closes both files.
func (c *CSV) Close() error {
	return errors.Join(c.tickets.f.Close(), c.replies.f.Close())
}

// InputError is a problem with the input as a whole — a missing file or
// column — that the user must fix; it is printed plainly, without a trace.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }
