package readers

import (
	"fmt"
	"strings"
	"time"
)

// converter turns rows into records, the same way for every format.
type converter struct {
	loc         *time.Location
	timeFormats []string
	bodyFormat  string // BodyText, BodyHTML, BodyAuto, BodyJira or BodyMarkdown
	separator   string
	// attachmentCells splits a cell that describes one file in parts.
	attachmentCells *CellFormat
	root            string // attachments' folder
	// zoneGiven says the export's zone was given (--timezone or the
	// mapping's timezone); without it, local counts the timestamps read
	// as UTC for want of one.
	zoneGiven bool
	local     zoneless
}

// zoneless counts the timestamps read without a zone, and where the first
// was.
type zoneless struct {
	count        int
	origin, cell string
}

func newConverter(m *Mapping, loc *time.Location, root string) (*converter, error) {
	if m != nil && m.Timezone != "" {
		var err error
		if loc, err = m.location(); err != nil {
			return nil, err
		}
	}
	given := loc != nil
	if loc == nil {
		loc = time.UTC
	}
	c := &converter{loc: loc, separator: m.separator(), root: root, bodyFormat: BodyAuto, zoneGiven: given}
	if m != nil {
		c.timeFormats = m.TimeFormat
		c.attachmentCells = m.AttachmentCells
		if m.BodyFormat != "" {
			c.bodyFormat = m.BodyFormat
		}
	}
	return c, nil
}

// body turns a message body into what is sent, by the body format, and
// appends to problems a warning when the conversion removed more than
// markup.
func (c *converter) body(s string, problems []FieldProblem) (string, []FieldProblem) {
	switch {
	case c.bodyFormat == BodyJira:
		return jiraText(s), problems
	case c.bodyFormat == BodyMarkdown:
		return markdownText(s), problems
	case c.bodyFormat != BodyHTML && (c.bodyFormat != BodyAuto || !LooksLikeHTML(s)):
		return s, problems
	}
	text, dropped := htmlText(s)
	if dropped > 0 {
		problems = append(problems, FieldProblem{Field: "body", Warning: true, Message: fmt.Sprintf(
			"turning this HTML into text removed %d letters that were not markup (a script, or a style or comment left open): check the message, or set body_format: text", dropped)})
	}
	return text, problems
}

func (c *converter) ticket(r row) *Ticket {
	t := &Ticket{
		Origin: r.origin,
		Key:    strings.TrimSpace(r.get("ticket_id")),
		Title:  strings.TrimSpace(r.get("title")),
		Requester: User{
			Email:    strings.TrimSpace(r.get("requester_email")),
			Name:     strings.TrimSpace(r.get("requester_name")),
			SourceID: strings.TrimSpace(r.get("requester_id")),
		},
		Company: strings.TrimSpace(r.get("company_id")),
		Status:  strings.TrimSpace(r.get("status")),
	}
	t.Attachments, t.Problems = c.attachments(r)
	t.Body, t.Problems = c.body(r.get("body"), t.Problems)
	for _, cell := range r.cells("tags") {
		t.Tags = append(t.Tags, SplitTags(cell)...)
	}
	t.Created, t.Problems = c.time(r.get("created_at"), "created_at", t.Problems)
	c.seeZone(r.origin, r.get("created_at"))
	for col, v := range r.extra {
		if strings.TrimSpace(v) == "" {
			continue
		}
		if t.Extra == nil {
			t.Extra = make(map[string]string)
		}
		t.Extra[col] = v
	}
	return t
}

func (c *converter) reply(r row) *Reply {
	rp := &Reply{
		Origin:    r.origin,
		Key:       strings.TrimSpace(r.get("reply_id")),
		TicketKey: strings.TrimSpace(r.get("ticket_id")),
		Author: User{
			Email:    strings.TrimSpace(r.get("author_email")),
			Name:     strings.TrimSpace(r.get("author_name")),
			SourceID: strings.TrimSpace(r.get("author_id")),
		},
	}
	rp.Attachments, rp.Problems = c.attachments(r)
	rp.Body, rp.Problems = c.body(r.get("body"), rp.Problems)
	rp.Created, rp.Problems = c.time(r.get("created_at"), "created_at", rp.Problems)
	c.seeZone(r.origin, r.get("created_at"))
	internal, err := ParseBool(r.get("internal"))
	if err != nil {
		msg := err.Error()
		if col := r.columnOf("internal"); normalizeColumn(col) != "internal" && col != "" {
			msg += fmt.Sprintf("; the mapping can say which of column %s's words mean internal: internal: {column: %s, true: [%s]}",
				col, col, strings.TrimSpace(r.get("internal")))
		}
		rp.Problems = append(rp.Problems, FieldProblem{Field: "internal", Message: msg})
	}
	rp.Internal = internal
	return rp
}

// attachments reads the attachments of a row: every cell of the field's
// columns, each a list of paths and links or, with attachment_cells, one
// file in parts.
func (c *converter) attachments(r row) ([]Attachment, []FieldProblem) {
	var out []Attachment
	var problems []FieldProblem
	for _, cell := range r.cells("attachments") {
		if c.attachmentCells == nil {
			out = append(out, SplitAttachments(cell, c.separator, c.root)...)
			continue
		}
		parts, err := c.attachmentCells.split(cell, "name")
		if err != nil {
			problems = append(problems, FieldProblem{Field: "attachments", Message: fmt.Sprintf("%q: %v", truncateCell(cell), err)})
			continue
		}
		ref := parts["url"] + parts["path"]
		if ref == "" {
			problems = append(problems, FieldProblem{Field: "attachments", Message: fmt.Sprintf("%q: the cell names no file", truncateCell(cell))})
			continue
		}
		as := SplitAttachments(ref, "\x00", c.root) // one file: no separator splits it
		if name := parts["name"]; name != "" {
			as[0].Name = name
		}
		out = append(out, as...)
	}
	return out, problems
}

// seeZone counts cell when it is a timestamp written without a zone and
// the export's zone was not given: it is read as UTC.
func (c *converter) seeZone(origin, cell string) {
	if c.zoneGiven || !c.readsLocal(cell) {
		return
	}
	if c.local.count == 0 {
		c.local.origin, c.local.cell = origin, truncateCell(strings.TrimSpace(cell))
	}
	c.local.count++
}

// readsLocal says whether cell is a timestamp without a zone, read in c.loc.
func (c *converter) readsLocal(cell string) bool {
	cell = strings.TrimSpace(cell)
	if cell == "" || isDigits(cell) {
		return false
	}
	for _, layout := range c.timeFormats {
		if _, err := time.Parse(layout, cell); err == nil {
			return !strings.Contains(layout, "Z07") && !strings.Contains(layout, "-07") && !strings.Contains(layout, "MST")
		}
	}
	return !hasZone(cell)
}

// notes says what the converter found of the whole export: timestamps
// read as UTC for want of a zone.
func (c *converter) notes() []Note {
	if c.local.count == 0 {
		return nil
	}
	return []Note{{Origin: c.local.origin, Field: "created_at", Message: fmt.Sprintf(
		"%d timestamps have no time zone (the first: %q) and were read as UTC: if the export wrote another zone's clock, "+
			"every message is off by its offset; say the zone with timezone: in the mapping (or --timezone), e.g. timezone: Europe/Berlin",
		c.local.count, c.local.cell)}}
}

// time parses a timestamp cell; an empty cell is the zero time (the
// planner reports it missing), anything unparseable is a problem.
func (c *converter) time(cell, field string, problems []FieldProblem) (time.Time, []FieldProblem) {
	cell = strings.TrimSpace(cell)
	if cell == "" {
		return time.Time{}, problems
	}
	var t time.Time
	var note string
	var err error
	if len(c.timeFormats) > 0 {
		t, note, err = ParseTimeLayouts(cell, c.timeFormats, c.loc)
	} else {
		t, note, err = ParseTime(cell, c.loc)
	}
	switch {
	case err != nil:
		problems = append(problems, FieldProblem{Field: field, Message: err.Error()})
	case note != "":
		problems = append(problems, FieldProblem{Field: field, Message: note, Warning: true})
	}
	return t, problems
}
