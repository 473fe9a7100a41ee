package readers_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/assembly-import/assembly-import/readers"
)

// chatExport is a chat tool's export as it comes: a row per event of a
// conversation, notes among the messages, assignment and close rows that
// are not messages, and the conversation's state as it was at each row.
const chatExport = `Conversation,State,Type,At,From,Text
41,waiting,comment,2024-05-01 09:00:00,ann@x.io,My parcel is late
41,waiting,note,2024-05-01 09:05:00,lee@support.io,Internal: do NOT offer a refund
41,waiting,assignment,2024-05-01 09:06:00,lee@support.io,
41,waiting,comment,2024-05-01 09:10:00,lee@support.io,It ships today
41,done,close,2024-05-01 09:30:00,lee@support.io,
42,new,comment,2024-05-02 10:00:00,bo@x.io,Hello?
`

// chatRecord is what the test compares of a record.
type chatRecord struct {
	Kind, Body, Status string
	Internal           bool
}

func readChat(t *testing.T, mapping string) ([]chatRecord, []string) {
	t.Helper()
	name := "m.yaml"
	if strings.HasPrefix(mapping, "{") {
		name = "m.json"
	}
	src, err := readers.OpenCSV(readers.CSVOptions{Path: writeFile(t, "chat.csv", chatExport), Mapping: writeMapping(t, name, mapping)})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var got []chatRecord
	var skipped []string
	for _, r := range readAll(t, src) {
		switch {
		case r.Ticket != nil:
			got = append(got, chatRecord{Kind: "ticket", Body: r.Ticket.Body, Status: r.Ticket.Status})
		case r.Skip != nil:
			skipped = append(skipped, r.Skip.Origin+" "+r.Skip.Why)
		default:
			got = append(got, chatRecord{Kind: "reply", Body: r.Reply.Body, Internal: r.Reply.Internal})
			if len(r.Reply.Problems) > 0 {
				t.Errorf("%s: %v", r.Reply.Origin, r.Reply.Problems)
			}
		}
	}
	return got, skipped
}

// A chat export's notes stay internal, its assignment and close rows are
// skipped and counted, and a conversation's status is the one its latest
// row says, in the words the mapping translates.
func TestChatExportWordsAndSkippedRows(t *testing.T) {
	yamlMapping := `
layout: messages
tickets:
  ticket_id: Conversation
  title: Conversation
  status: {column: State, open: [new, waiting], closed: done}
replies:
  created_at: At
  author_email: From
  body: Text
  internal: {column: Type, true: [note]}
skip_rows:
  Type: [assignment, Close]
`
	jsonMapping := `{"layout": "messages",
 "tickets": {"ticket_id": "Conversation", "title": "Conversation", "status": {"column": "State", "open": ["new", "waiting"], "closed": "done"}},
 "replies": {"created_at": "At", "author_email": "From", "body": "Text", "internal": {"column": "Type", "true": ["note"]}},
 "skip_rows": {"Type": ["assignment", "Close"]}}`
	want := []chatRecord{
		{Kind: "ticket", Body: "My parcel is late", Status: "closed"},
		{Kind: "reply", Body: "Internal: do NOT offer a refund", Internal: true},
		{Kind: "reply", Body: "It ships today"},
		{Kind: "ticket", Body: "Hello?", Status: "open"},
	}
	wantSkipped := []string{`chat.csv:4 Type "assignment"`, `chat.csv:6 Type "close"`}
	for name, mapping := range map[string]string{"yaml": yamlMapping, "json": jsonMapping} {
		got, skipped := readChat(t, mapping)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: records (-want +got):\n%s", name, diff)
		}
		if diff := cmp.Diff(wantSkipped, skipped); diff != "" {
			t.Errorf("%s: skipped rows (-want +got):\n%s", name, diff)
		}
	}

	// ticket_row: first takes the ticket's fields from its first message.
	got, _ := readChat(t, yamlMapping+"ticket_row: first\n")
	if got[0].Status != "open" {
		t.Errorf("ticket_row first: status %q, want the first row's (waiting: open)", got[0].Status)
	}
	// Without word lists, a type column is not a yes/no value: the error
	// says how to map its words.
	src, err := readers.OpenCSV(readers.CSVOptions{Path: writeFile(t, "chat.csv", chatExport), Mapping: writeMapping(t, "m.yaml",
		"layout: messages\ntickets: {ticket_id: Conversation, title: Conversation}\nreplies: {created_at: At, author_email: From, body: Text, internal: Type}\n")})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	for _, r := range readAll(t, src) {
		if r.Reply != nil && !strings.Contains(strings.Join(summarize([]readers.Record{r})[0].Problems, ""), "internal: {column: Type, true: [") {
			t.Errorf("%s: problems %v, want the word-list hint", r.Reply.Origin, r.Reply.Problems)
		}
	}
}

func TestValueMappingErrors(t *testing.T) {
	for _, tt := range []struct{ mapping, want string }{
		{"replies: {internal: {column: Type, maybe: [note]}}\n", `internal's lists are true and false`},
		{"tickets: {title: {column: T, open: [x]}}\n", "only internal and status may"},
		{"tickets: {status: {column: S, open: [x], closed: [X]}}\n", `lists "x" under both closed and open`},
		{"tickets: {status: {open: [x]}}\n", "names no column"},
		{"skip_rows: {Type: []}\n", "skip_rows wants a column"},
		{"ticket_row: last\n", `ticket_row "last"`},
	} {
		path := writeFile(t, "m.yaml", tt.mapping)
		_, err := readers.LoadMapping(path)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.mapping, err, tt.want)
		}
	}
	// A skip_rows column no table has.
	m := writeMapping(t, "m.yaml", "skip_rows: {Kind: [x]}\n")
	dir := writeExport(t, "ticket_id,title,created_at,requester_email,body\n", "reply_id,ticket_id,created_at,author_email,body\n")
	if _, err := readers.OpenCSV(readers.CSVOptions{Path: dir, Mapping: m}); err == nil || !strings.Contains(err.Error(), `skip_rows names column "Kind"`) {
		t.Errorf("unknown skip column: %v", err)
	}
}

// Timestamps without a zone, when no zone was given, are read as UTC and
// said once: how many, and the first; a zone given says nothing.
func TestZonelessTimestampsAreSaidOnce(t *testing.T) {
	dir := writeExport(t,
		"ticket_id,title,created_at,requester_email,body\n"+
			"1,Hello,2024-03-01T09:30:00Z,a@x.io,Hi\n"+
			"2,Other,2024-03-02 10:00:00,b@x.io,Yo\n",
		"reply_id,ticket_id,created_at,author_email,body\n"+
			"5,1,2024-03-01 10:30:00,c@x.io,Reply\n"+
			"6,1,1709290000,c@x.io,Unix seconds carry their zone\n")
	for _, tt := range []struct {
		name string
		opts readers.CSVOptions
		want string
	}{
		{"no zone given", readers.CSVOptions{Path: dir}, `tickets.csv:3 created_at: 2 timestamps have no time zone (the first: "2024-03-02 10:00:00") and were read as UTC`},
		{"--timezone", readers.CSVOptions{Path: dir, Location: time.UTC}, ""},
		{"the mapping's", readers.CSVOptions{Path: dir, Mapping: writeMapping(t, "m.yaml", "timezone: Europe/Berlin\n")}, ""},
	} {
		src, err := readers.OpenCSV(tt.opts)
		if err != nil {
			t.Fatal(err)
		}
		readAll(t, src)
		var got []string
		for _, n := range src.Notes() {
			got = append(got, n.Origin+" "+n.Field+": "+n.Message)
		}
		src.Close()
		switch {
		case tt.want == "" && len(got) > 0:
			t.Errorf("%s: notes %q, want none", tt.name, got)
		case tt.want != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tt.want)):
			t.Errorf("%s: notes %q, want one starting %q", tt.name, got, tt.want)
		}
	}
}

// A workbook's date cells are wall-clock times without a zone: said too.
func TestZonelessWorkbookDates(t *testing.T) {
	path := workbook(t, false, map[string][][]any{
		"tickets": {{"ticket_id", "title", "created_at", "requester_email", "body"}, {1, "Hello", date(opened), "a@x.io", "Hi"}},
		"replies": {xRepliesHeader},
	})
	for _, loc := range []*time.Location{nil, time.UTC} {
		x, err := readers.OpenXLSX(t.Context(), readers.XLSXOptions{Path: path, Location: loc})
		if err != nil {
			t.Fatal(err)
		}
		recs := readAll(t, x)
		if got := recs[0].Ticket.Created; !got.Equal(opened) {
			t.Errorf("created %v, want %v", got, opened)
		}
		if notes := x.Notes(); (loc == nil) != (len(notes) == 1) {
			t.Errorf("zone %v: notes %v", loc, notes)
		}
		x.Close()
	}
}
