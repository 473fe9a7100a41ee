package readers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// The canonical fields of each file, in the order docs/csv.md lists them.
var (
	TicketFields = []string{"ticket_id", "title", "created_at", "requester_email", "requester_name", "requester_id",
		"company_id", "status", "tags", "body", "attachments"}
	ReplyFields = []string{"reply_id", "ticket_id", "created_at", "author_email", "author_name", "author_id",
		"internal", "body", "attachments"}
)

// Mapping adapts a source whose columns are not the canonical ones: an
// export with the old helpdesk's own headers ("Subject", "Requester Email"),
// its timestamp layout, its attachment separator. The zero Mapping reads
// canonical columns.
type Mapping struct {
	// Tickets and Replies map a canonical field to the source's column,
	// and for internal and status, which of its words mean what (Column).
	Tickets map[string]Column `json:"tickets" yaml:"tickets"`
	Replies map[string]Column `json:"replies" yaml:"replies"`
	// SkipRows names rows that are not messages, by a column's values
	// (a chat export's assignment or close rows): {Message type:
	// [assignment, close]}. They are counted as skipped, not read.
	SkipRows map[string][]string `json:"skip_rows" yaml:"skip_rows"`
	// TicketRow, in the messages layout, says which of a ticket's rows its
	// status, tags, title, company and kept columns come from: latest (the
	// ticket as the export last saw it) or first [latest].
	TicketRow string `json:"ticket_row" yaml:"ticket_row"`
	// TimeFormat is the layout of timestamps, as Go writes it
	// ("02/01/2006 15:04"), or a list of them tried in order; empty accepts
	// the forms ParseTime reads.
	TimeFormat Layouts `json:"time_format" yaml:"time_format"`
	// BodyFormat says how message bodies are written: text, html (turned
	// into readable text), auto [auto: html when a body looks like it],
	// jira (Jira's wiki markup) or markdown, each turned into text.
	// Zendesk, Freshdesk and Help Scout export HTML.
	BodyFormat string `json:"body_format" yaml:"body_format"`
	// DefaultAuthor is --default-author's email, for exports whose people
	// lack emails (Jira Cloud's CSV, chat exports).
	DefaultAuthor string `json:"default_author" yaml:"default_author"`
	// People is the old helpdesk's directory of people (--people), a path
	// relative to the mapping file.
	People string `json:"people" yaml:"people"`
	// Messages, in a JSON export, is the path of each ticket's array of
	// messages (Zendesk: comments); the replies' fields are paths inside
	// one message.
	Messages string `json:"messages" yaml:"messages"`
	// AttachmentFields, in a JSON export, names the fields of an
	// attachment object: its link, or its path, and its file name.
	AttachmentFields *AttachmentFields `json:"attachment_fields" yaml:"attachment_fields"`
	// Encoding is the CSV files' character set when they are not UTF-8:
	// windows-1252 (what Excel saves on Windows), iso-8859-1, iso-8859-15,
	// utf-16. A byte-order mark in a file wins over it.
	Encoding string `json:"encoding" yaml:"encoding"`
	// Delimiter separates the CSV files' fields; empty sniffs it from the
	// header line (, ; tab |).
	Delimiter string `json:"delimiter" yaml:"delimiter"`
	// Timezone is the zone of timestamps written without one [UTC].
	Timezone string `json:"timezone" yaml:"timezone"`
	// AttachmentSeparator separates the attachments of a cell [";"].
	AttachmentSeparator string `json:"attachment_separator" yaml:"attachment_separator"`
	// Layout is how the export arranges tickets and messages:
	// tickets-and-replies (a tickets file or sheet and a replies one),
	// messages (one row per message), or tickets-with-comments (one row per
	// ticket, its comments in a repeated column, as Jira exports them)
	// [tickets-and-replies].
	Layout string `json:"layout" yaml:"layout"`
	// FirstMessage, in the messages layout, names a column that marks each
	// ticket's first message (a yes/no value); without it, a ticket's
	// earliest message is its first.
	FirstMessage string `json:"first_message" yaml:"first_message"`
	// Comments, in the tickets-with-comments layout, names the comments'
	// column and how a cell splits into a comment's fields.
	Comments *CellFormat `json:"comments" yaml:"comments"`
	// AttachmentCells says how an attachments cell that describes one file
	// in parts splits (Jira: "04/Mar/24 5:10 PM;accountId;a.png;https://…");
	// without it, a cell is a list of paths and links.
	AttachmentCells *CellFormat `json:"attachment_cells" yaml:"attachment_cells"`
	// KeepColumns lists the ticket columns besides the mapped ones to keep
	// as additional properties; nil keeps every one.
	KeepColumns []string `json:"keep_columns" yaml:"keep_columns"`
	// profile says the mapping is a built-in one (Profile): its people
	// file is beside the export, not beside a mapping file.
	profile bool
}

// LoadMapping reads a mapping file, YAML (.yaml, .yml) or JSON (.json),
// and checks it names only fields that exist.
func LoadMapping(path string) (*Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("mapping: %w", err)}
	}
	return parseMapping(filepath.Base(path), data)
}

// parseMapping reads a mapping named name (its extension says YAML or
// JSON) and checks it.
func parseMapping(name string, data []byte) (*Mapping, error) {
	m := &Mapping{}
	var err error
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		err = dec.Decode(m)
	case ".yaml", ".yml":
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		err = dec.Decode(m)
	default:
		return nil, &InputError{Err: fmt.Errorf("mapping %s: want a .yaml, .yml or .json file", name)}
	}
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("mapping %s: %w", name, err)}
	}
	switch m.BodyFormat {
	case "", BodyText, BodyHTML, BodyAuto, BodyJira, BodyMarkdown:
	default:
		return nil, &InputError{Err: fmt.Errorf("mapping %s: body_format %q: want text, html, auto, jira or markdown", name, m.BodyFormat)}
	}
	if _, ok := encodingNamed(m.Encoding); !ok {
		return nil, &InputError{Err: fmt.Errorf("mapping %s: encoding %q is not one this tool reads (%s)", name, m.Encoding, knownEncodings)}
	}
	if d := []rune(m.Delimiter); len(d) > 1 || len(d) == 1 && (d[0] == '"' || d[0] == '\n' || d[0] == '\r') {
		return nil, &InputError{Err: fmt.Errorf("mapping %s: delimiter %q: want one character, such as \",\", \";\" or \"\\t\"", name, m.Delimiter)}
	}
	for _, part := range []struct {
		name   string
		m      map[string]Column
		fields []string
	}{{"tickets", m.Tickets, TicketFields}, {"replies", m.Replies, ReplyFields}} {
		for field, col := range part.m {
			if !slices.Contains(part.fields, field) {
				return nil, &InputError{Err: fmt.Errorf("mapping %s: %s has no field %q (its fields: %s)",
					name, part.name, field, strings.Join(part.fields, ", "))}
			}
			if err := col.check(field); err != nil {
				return nil, &InputError{Err: fmt.Errorf("mapping %s: %s.%s %w", name, part.name, field, err)}
			}
		}
	}
	for col, values := range m.SkipRows {
		if strings.TrimSpace(col) == "" || len(values) == 0 {
			return nil, &InputError{Err: fmt.Errorf("mapping %s: skip_rows wants a column and the values whose rows are skipped, e.g. {Message type: [assignment, close]}", name)}
		}
	}
	switch m.TicketRow {
	case "", TicketRowFirst, TicketRowLatest:
	default:
		return nil, &InputError{Err: fmt.Errorf("mapping %s: ticket_row %q: want %s or %s", name, m.TicketRow, TicketRowLatest, TicketRowFirst)}
	}
	if _, err := m.location(); err != nil {
		return nil, &InputError{Err: fmt.Errorf("mapping %s: %w", name, err)}
	}
	if err := m.checkLayout(); err != nil {
		return nil, &InputError{Err: fmt.Errorf("mapping %s: %w", name, err)}
	}
	return m, nil
}

// AttachmentFields names the fields of a JSON attachment object.
type AttachmentFields struct {
	URL  string `json:"url" yaml:"url"`
	Path string `json:"path" yaml:"path"`
	Name string `json:"name" yaml:"name"`
}

// MakesUpIDs says the export names no message, so that the reader names
// each by what it is (the messages layout without reply_id, and Jira's
// comments).
func (m *Mapping) MakesUpIDs() bool {
	if m != nil && m.Messages != "" {
		_, ok := m.Replies["reply_id"]
		return !ok
	}
	switch m.layout() {
	case LayoutTicketsWithComments:
		return true
	case LayoutMessages:
		_, ok := m.Replies["reply_id"]
		return !ok
	}
	return false
}

func (m *Mapping) location() (*time.Location, error) {
	if m == nil || m.Timezone == "" {
		return time.UTC, nil
	}
	loc, err := time.LoadLocation(m.Timezone)
	if err != nil {
		return nil, fmt.Errorf("timezone %q: %w", m.Timezone, err)
	}
	return loc, nil
}

func (m *Mapping) separator() string {
	if m == nil || m.AttachmentSeparator == "" {
		return ";"
	}
	return m.AttachmentSeparator
}

// columns returns the mapping of one file: "tickets" or "replies".
func (m *Mapping) columns(kind string) map[string]Column {
	if m == nil {
		return nil
	}
	if kind == "tickets" {
		return m.Tickets
	}
	return m.Replies
}

// header is a table's header row resolved against the canonical fields.
type header struct {
	name  string   // the file or sheet, for messages
	found []string // the header as written, trimmed
	field []string // per column: its canonical field, or "" for another column
	keep  []bool   // per other column: kept as an additional property
	extra []string // per kept column: its property's name, numbered when the column repeats ("Sprint (2)")
	index map[string]int
	// repeats holds the columns of a list field (attachments, tags) mapped
	// to a column the header repeats (Jira's "Attachment", "Attachment",
	// …): each non-empty cell adds to the list.
	repeats map[string][]int
	// columns holds every column of each normalized name, repeated or not.
	columns map[string][]int
	// values translates the words of a field's column (Column.Values).
	values map[string]words
	// skip holds the skip_rows columns the header has, in column order,
	// each with the words whose rows are skipped.
	skip []skipColumn
}

// skipColumn is a column skip_rows names and the words of its that make
// a row skipped.
type skipColumn struct {
	i     int
	words map[string]bool
}

// listFields may be mapped to a repeated column: each cell adds to them.
var listFields = map[string]bool{"attachments": true, "tags": true}

// requirement lists a file's required fields; each inner slice is
// satisfied by any one of its fields (a person needs an email or an id).
type requirement [][]string

var (
	ticketRequired = requirement{{"ticket_id"}, {"title"}, {"created_at"}, {"requester_email", "requester_id"}, {"body"}}
	replyRequired  = requirement{{"reply_id"}, {"ticket_id"}, {"created_at"}, {"author_email", "author_id"}, {"body"}}
)

// resolveHeader matches a header row with the canonical fields of kind
// ("tickets" or "replies"), through the mapping where it has one, and
// checks the required fields are there. Headers match without regard to
// case or surrounding spaces. A column may repeat; only a list field may
// be mapped to a repeated one.
func resolveHeader(name, kind string, found []string, m *Mapping, required requirement) (*header, error) {
	fields := TicketFields
	if kind == "replies" {
		fields = ReplyFields
	}
	h := &header{name: name, field: make([]string, len(found)), keep: make([]bool, len(found)), extra: make([]string, len(found)),
		index: map[string]int{}, repeats: map[string][]int{}, columns: map[string][]int{}, values: map[string]words{}}
	for i, col := range found {
		col = strings.TrimSpace(col)
		h.found = append(h.found, col)
		if col == "" {
			continue
		}
		same := h.columns[normalizeColumn(col)]
		h.extra[i] = col
		if len(same) > 0 {
			h.extra[i] = fmt.Sprintf("%s (%d)", col, len(same)+1)
		}
		h.columns[normalizeColumn(col)] = append(same, i)
	}
	mapped := m.columns(kind)
	for _, field := range fields {
		c, ok := mapped[field]
		col := c.Name
		if !ok {
			col = field
		}
		if len(c.Values) > 0 {
			h.values[field] = c.words(field)
		}
		cols := h.columns[normalizeColumn(col)]
		switch {
		case len(cols) > 1 && !listFields[field]:
			return nil, &InputError{Err: fmt.Errorf("%s: column %q appears %d times in the header, and %s takes one value: map %s to a column that appears once",
				name, h.found[cols[0]], len(cols), field, field)}
		case len(cols) > 1:
			h.repeats[field] = cols
			for _, i := range cols {
				h.field[i] = field
			}
			h.index[field] = cols[0]
		case len(cols) == 1 && h.field[cols[0]] != "":
			h.index[field] = cols[0] // two fields on one column: each reads it
		case len(cols) == 1:
			h.field[cols[0]], h.index[field] = field, cols[0]
		case ok:
			return nil, &InputError{Err: fmt.Errorf("%s: the mapping's column %q (for %s) is not in the header, which has: %s",
				name, col, field, strings.Join(nonEmpty(h.found), ", "))}
		}
	}
	for _, anyOf := range required {
		if !slices.ContainsFunc(anyOf, func(f string) bool { _, ok := h.index[f]; return ok }) {
			wanted := make([]string, len(anyOf))
			for i, f := range anyOf {
				wanted[i] = f
				if c, ok := mapped[f]; ok {
					wanted[i] = fmt.Sprintf("%q (%s)", c.Name, f)
				}
			}
			return nil, &InputError{Err: fmt.Errorf("%s: missing column %s (the header has: %s)",
				name, strings.Join(wanted, " or "), strings.Join(nonEmpty(h.found), ", "))}
		}
	}
	var keep map[string]bool
	if m != nil && m.KeepColumns != nil && kind == "tickets" {
		keep = map[string]bool{}
		for _, col := range m.KeepColumns {
			cols := h.columns[normalizeColumn(col)]
			if len(cols) == 0 || h.field[cols[0]] != "" {
				return nil, &InputError{Err: fmt.Errorf("%s: keep_columns names %q, which is not another column of the header (it has: %s)",
					name, col, strings.Join(nonEmpty(h.found), ", "))}
			}
			keep[normalizeColumn(col)] = true
		}
	}
	for i, col := range h.found {
		h.keep[i] = h.field[i] == "" && col != "" && (keep == nil || keep[normalizeColumn(col)])
	}
	h.resolveSkips(m)
	return h, nil
}

// column returns the columns a mapping names, however often it repeats.
func (h *header) column(col string) []int { return h.columns[normalizeColumn(col)] }

func nonEmpty(ss []string) []string {
	return slices.DeleteFunc(slices.Clone(ss), func(s string) bool { return s == "" })
}

// normalizeColumn makes "  Ticket_ID " and "ticket_id" the same column.
func normalizeColumn(h string) string {
	return strings.ToLower(strings.TrimSpace(h))
}

// row is one data row of a file: its cells by canonical field and the
// other columns it keeps.
type row struct {
	origin string
	get    func(field string) string
	// repeated returns the non-empty cells of a list field whose column
	// repeats, and false for any other field; nil when none repeats.
	repeated func(field string) ([]string, bool)
	extra    map[string]string
	// column names the column of a field as the header writes it; nil
	// where cells have no header (a comment's parts).
	column func(field string) string
}

// columnOf returns the header's name for the column of field, "" where
// cells have no header.
func (r row) columnOf(field string) string {
	if r.column == nil {
		return ""
	}
	return r.column(field)
}

// cells returns the non-empty cells of a list field: one per column when
// its column repeats.
func (r row) cells(field string) []string {
	if r.repeated != nil {
		if cells, ok := r.repeated(field); ok {
			return cells
		}
	}
	if v := r.get(field); strings.TrimSpace(v) != "" {
		return []string{v}
	}
	return nil
}
