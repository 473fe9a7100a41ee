// Package readers streams a helpdesk's history — tickets, replies and their
// attachments — out of an export, one record at a time, in one shape whatever
// the source format.
package readers

import (
	"fmt"
	"strings"
	"time"
)

// User is a person as the old helpdesk knew them.
type User struct {
	Email      string `json:"email,omitempty"`
	Name       string `json:"name,omitempty"`
	SourceID   string `json:"source_id,omitempty"`   // the person's id in the old helpdesk
	AssemblyID string `json:"assembly_id,omitempty"` // the Assembly user id, when the admin knows it
}

// Attachment is a file attached to a message, as the source names it. The
// planner resolves and checks it; readers only say where the bytes are.
type Attachment struct {
	// Ref is the attachment exactly as written in the source, for messages.
	Ref string `json:"ref"`
	// Name is the file name to upload under.
	Name string `json:"name"`
	// Path is a local path relative to Root (exactly one of Path and URL is set).
	Path string `json:"path,omitempty"`
	// Root is the folder Path is relative to and may not escape.
	Root string `json:"root,omitempty"`
	// URL is an http(s) address of the file.
	URL string `json:"url,omitempty"`
}

// FieldProblem is something wrong with one field of one record, found while
// reading it. The planner reports it as an error of the record, or as a
// warning when Warning is set (the value was read, but not beyond doubt).
type FieldProblem struct {
	Field   string
	Message string
	Warning bool
	// Unreadable says the format could not read the row at all (a stray
	// quote, a wrong number of fields): what it holds, and maybe rows it
	// swallowed, is not sent.
	Unreadable bool
}

// HasError reports whether ps holds an error, of field when field is not "".
func HasError(ps []FieldProblem, field string) bool {
	for _, p := range ps {
		if !p.Warning && (field == "" || p.Field == field) {
			return true
		}
	}
	return false
}

// Ticket is one conversation of the old helpdesk and its first message.
type Ticket struct {
	// Origin says where the record came from, e.g. "tickets.csv:12".
	Origin    string
	Key       string
	Title     string
	Created   time.Time // zero when missing or unparseable (see Problems)
	Requester User
	Company   string
	Status    string
	Tags      []string
	Body      string
	// Extra holds the source's other columns, kept as additional properties.
	Extra map[string]string
	// Attachments are the first message's files.
	Attachments []Attachment
	Problems    []FieldProblem
}

// Reply is one message added to a ticket after its first.
type Reply struct {
	Origin      string
	Key         string
	TicketKey   string
	Created     time.Time // zero when missing or unparseable (see Problems)
	Author      User
	Internal    bool // an agents-only note
	Body        string
	Attachments []Attachment
	Problems    []FieldProblem
}

// Note is something a reader says once of the whole export, after reading
// it (timestamps read as UTC for want of a zone), where it was first seen.
type Note struct {
	Origin, Field, Message string
}

// Record is one item of a source: exactly one of Ticket, Reply and Skip
// is set.
type Record struct {
	Ticket *Ticket
	Reply  *Reply
	// Skip is a row the mapping's skip_rows says is not a message.
	Skip *Skipped
}

// Origin returns where the record came from.
func (r Record) Origin() string {
	switch {
	case r.Ticket != nil:
		return r.Ticket.Origin
	case r.Skip != nil:
		return r.Skip.Origin
	}
	return r.Reply.Origin
}

func isDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// ParseBool reads a yes/no cell: true/false, yes/no, 1/0, y/n; empty is false.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "false", "no", "n", "f":
		return false, nil
	case "1", "true", "yes", "y", "t":
		return true, nil
	}
	return false, fmt.Errorf("%q is not a yes/no value", s)
}

// SplitAttachments splits a list cell ("a.png; https://x/y.pdf") into
// attachments relative to root.
func SplitAttachments(cell, sep, root string) []Attachment {
	var out []Attachment
	for _, ref := range strings.Split(cell, sep) {
		ref = strings.TrimSpace(ref)
		if ref == "" {
			continue
		}
		a := Attachment{Ref: ref}
		if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
			a.URL = ref
			a.Name = ref[strings.LastIndex(ref, "/")+1:]
			if i := strings.IndexAny(a.Name, "?#"); i >= 0 {
				a.Name = a.Name[:i]
			}
		} else {
			a.Path = ref
			a.Root = root
			a.Name = ref[strings.LastIndexAny(ref, `/\`)+1:]
		}
		out = append(out, a)
	}
	return out
}

// SplitTags splits a tag cell on commas and semicolons.
func SplitTags(cell string) []string {
	var out []string
	for _, t := range strings.FieldsFunc(cell, func(r rune) bool { return r == ',' || r == ';' }) {
		if t = strings.TrimSpace(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}
