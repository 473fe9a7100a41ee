package readers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
	"github.com/assembly-import/assembly-import/readers/readertest"
)

// A JSON export of Zendesk's shape reads with no mapping, as lines or as
// an array: each ticket, then its comments but the first, which is the
// ticket's own text.
func TestJSONZendeskRecognised(t *testing.T) {
	const ticket = `{"id": 7, "subject": "Printer", "status": "hold", "requester_id": 501, "created_at": "2024-03-07T09:00:00Z",
 "tags": ["hw", "floor-2"], "via": {"channel": "email"}, "priority": "high", "custom_fields": [{"id": 36, "value": "tray 2"}, {"id": 37, "value": null}],
 "comments": [
  {"id": 12, "author_id": 601, "public": false, "html_body": "<p>Note: toner is out</p>", "created_at": "2024-03-07T09:30:00Z", "attachments": []},
  {"id": 11, "author_id": 501, "public": true, "html_body": "<p>It <b>jams</b>.</p>", "created_at": "2024-03-07T09:00:00Z",
   "attachments": [{"file_name": "jam.png", "content_url": "https://acme.zendesk.com/attachments/token/x/?name=jam.png", "size": 1234}]},
  {"id": 13, "author_id": 601, "public": true, "html_body": "<p>Fixed.</p>", "created_at": "2024-03-07T10:00:00Z", "attachments": []}]}`
	for name, text := range map[string]string{
		"tickets.jsonl": ticket + "\n" + strings.ReplaceAll(ticket, `"id": 7,`, `"id": 8,`) + "\n",
		"tickets.json":  "[" + ticket + ",\n" + strings.ReplaceAll(ticket, `"id": 7,`, `"id": 8,`) + "]",
	} {
		path := writeFile(t, name, text)
		open := func(t *testing.T) planner.Source {
			j, err := readers.OpenJSON(readers.JSONOptions{Path: path})
			if err != nil {
				t.Fatal(err)
			}
			return j
		}
		readertest.Run(t, open, []readertest.Want{{Ticket: true, Key: "7"}, {Key: "12"}, {Key: "13"}, {Ticket: true, Key: "8"}, {Key: "12"}, {Key: "13"}})
		j := open(t).(*readers.JSON)
		recs := readAll(t, j)
		j.Close()
		tk := recs[0].Ticket
		if tk.Body != "It jams." || tk.Title != "Printer" || tk.Status != "open" || tk.Requester.SourceID != "501" || !tk.Created.Equal(time.Date(2024, 3, 7, 9, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: ticket %+v", name, tk)
		}
		if len(tk.Attachments) != 1 || tk.Attachments[0].Name != "jam.png" || tk.Attachments[0].URL == "" {
			t.Errorf("%s: attachments %+v", name, tk.Attachments)
		}
		if strings.Join(tk.Tags, ",") != "hw,floor-2" || tk.Extra["via.channel"] != "email" || tk.Extra["custom_fields.36"] != "tray 2" || tk.Extra["priority"] != "high" {
			t.Errorf("%s: tags %v, extra %v", name, tk.Tags, tk.Extra)
		}
		note, fixed := recs[1].Reply, recs[2].Reply
		if !note.Internal || note.Body != "Note: toner is out" || fixed.Internal || fixed.Author.SourceID != "601" || fixed.TicketKey != "7" {
			t.Errorf("%s: replies %+v %+v", name, note, fixed)
		}
		if len(tk.Problems)+len(note.Problems)+len(fixed.Problems) > 0 {
			t.Errorf("%s: problems %v %v %v", name, tk.Problems, note.Problems, fixed.Problems)
		}
		// The objects span 7 lines each: the second starts on line 8.
		want := map[string][2]string{"tickets.jsonl": {"tickets.jsonl:1 message=13", "tickets.jsonl:8"},
			"tickets.json": {"tickets.json object=1/message=13", "tickets.json object=2"}}[name]
		if fixed.Origin != want[0] || recs[3].Ticket.Origin != want[1] {
			t.Errorf("%s: origins %q, %q, want %q", name, fixed.Origin, recs[3].Ticket.Origin, want)
		}
	}
}

// Another vendor's JSON goes through a mapping of paths: Help Scout's
// conversations with their threads under _embedded.
func TestJSONMapped(t *testing.T) {
	path := writeFile(t, "conversations.jsonl", `{"number": 31, "subject": "Refund", "status": "closed", "createdAt": "2024-05-01T09:00:00Z",
 "primaryCustomer": {"email": "ann@x.io", "first": "Ann"}, "_embedded": {"threads": [
  {"id": 2, "type": "note", "body": "check the order", "createdAt": "2024-05-01T09:05:00Z", "createdBy": {"email": "lee@s.io"}},
  {"id": 1, "type": "customer", "body": "I want a refund", "createdAt": "2024-05-01T09:00:00Z", "createdBy": {"email": "ann@x.io"}},
  {"id": 4, "type": "lineitem", "action": {"text": "assigned"}, "createdAt": "2024-04-30T09:00:00Z"},
  {"id": 3, "type": "message", "body": "Refunded.", "createdAt": "2024-05-01T10:00:00Z", "createdBy": {"email": "lee@s.io"}}]}}
`)
	m := writeMapping(t, "m.yaml", `
messages: _embedded.threads
tickets: {ticket_id: number, title: subject, status: status, created_at: createdAt, requester_email: primaryCustomer.email}
replies: {reply_id: id, created_at: createdAt, author_email: createdBy.email, body: body, internal: {column: type, true: [note]}}
skip_rows: {type: [lineitem]}
`)
	j, err := readers.OpenJSON(readers.JSONOptions{Path: path, Mapping: m})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	recs := readAll(t, j)
	// The line item, the earliest, is not a message: skipped, never the
	// ticket's text.
	if len(recs) != 4 || recs[2].Skip == nil || recs[2].Skip.Why != `type "lineitem"` || recs[0].Ticket.Body != "I want a refund" || recs[0].Ticket.Requester.Email != "ann@x.io" ||
		!recs[1].Reply.Internal || recs[3].Reply.Body != "Refunded." || recs[3].Reply.Author.Email != "lee@s.io" {
		t.Errorf("records %v", summarize(recs))
	}
}

func TestJSONErrors(t *testing.T) {
	if _, err := readers.OpenJSON(readers.JSONOptions{Path: writeFile(t, "t.json", `[{"key": "A-1", "fields": {}}]`)}); err == nil ||
		!strings.Contains(err.Error(), "not an export this tool recognises (its tickets have: fields, key)") {
		t.Errorf("unknown shape: %v", err)
	}
	if _, err := readers.OpenJSON(readers.JSONOptions{Path: writeFile(t, "t.csv", "id,subject\n1,x\n"), Mapping: writeMapping(t, "m.yaml", "messages: comments\n")}); err == nil ||
		!strings.Contains(err.Error(), "not a JSON export") {
		t.Errorf("a CSV given as JSON: %v", err)
	}
	j, err := readers.OpenJSON(readers.JSONOptions{Path: writeFile(t, "t.jsonl", `{"id": 1, "subject": "a", "requester_id": 1, "comments": []}`+"\n"+`{"id": 2, "subject": "b", "comm`)})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := j.Next(t.Context()); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Next(t.Context()); err == nil || !strings.Contains(err.Error(), "t.jsonl: ticket object 2") {
		t.Errorf("a cut-off object: %v", err)
	}
	if _, err := readers.OpenCSV(readers.CSVOptions{Path: writeFile(t, "x.csv", "a\n"), Mapping: writeMapping(t, "m.yaml", "messages: comments\nlayout: messages\n")}); err == nil ||
		!strings.Contains(err.Error(), "for a JSON export") {
		t.Errorf("messages: on a CSV: %v", err)
	}
}
