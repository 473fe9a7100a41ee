package readers_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/assembly-import/assembly-import/internal/wine"
	"github.com/assembly-import/assembly-import/readers"
)

func writeFile(t *testing.T, name, data string) string {
	t.Helper()
	path := filepath.Join(wine.TempDir(t), name)
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// summary is what a test compares of a record.
type summary struct {
	Kind, Key, Ticket, Origin, Created, Who, Body string
	Files, Tags                                   []string
	Extra                                         map[string]string
	Problems                                      []string
}

func summarize(recs []readers.Record) []summary {
	var out []summary
	for _, r := range recs {
		var s summary
		var files []readers.Attachment
		var problems []readers.FieldProblem
		var created time.Time
		if r.Skip != nil {
			out = append(out, summary{Kind: "skip", Origin: r.Skip.Origin, Body: r.Skip.Why})
			continue
		}
		if t := r.Ticket; t != nil {
			s = summary{Kind: "ticket", Key: t.Key, Origin: t.Origin, Who: t.Requester.Email + t.Requester.SourceID, Body: t.Body + "|" + t.Title,
				Tags: t.Tags, Extra: t.Extra}
			files, problems, created = t.Attachments, t.Problems, t.Created
		} else {
			rp := r.Reply
			s = summary{Kind: "reply", Key: rp.Key, Ticket: rp.TicketKey, Origin: rp.Origin, Who: rp.Author.Email + rp.Author.SourceID, Body: rp.Body}
			files, problems, created = rp.Attachments, rp.Problems, rp.Created
		}
		if !created.IsZero() {
			s.Created = created.UTC().Format(time.RFC3339)
		}
		for _, f := range files {
			s.Files = append(s.Files, f.Name+"="+f.URL+f.Path)
		}
		for _, p := range problems {
			s.Problems = append(s.Problems, p.Field+": "+p.Message)
		}
		out = append(out, s)
	}
	return out
}

// madeUpKeys checks the shape of the keys the tool made up for messages
// (messageIDs) and writes them as "<ticket>/msg-*", for comparing.
func madeUpKeys(t *testing.T, got []summary) []summary {
	t.Helper()
	for i, s := range got {
		if s.Kind != "reply" || !strings.Contains(s.Key, "/msg-") {
			continue
		}
		if ok, _ := regexp.MatchString(`^`+regexp.QuoteMeta(s.Ticket)+`/msg-[0-9a-f]{12}(#[0-9]+)?$`, s.Key); !ok {
			t.Errorf("made-up key %q: want %s/msg-<12 hex>", s.Key, s.Ticket)
		}
		got[i].Key = s.Ticket + "/msg-*"
	}
	return got
}

func TestMessagesLayout(t *testing.T) {
	// One row per message, out of order, no message ids; ticket 7's first
	// message is its earliest, and two of its messages share a time.
	path := writeFile(t, "conversations.csv", `Conversation,Subject,Status,Sent,From,Text,Files
7,Printer jam,open,2024-03-07 10:00:00,agent@x.io,We are on it,
8,Login,closed,2024-03-08 09:00:00,bo@x.io,Cannot log in,https://cdn.x.io/a/shot.png
7,Printer jam,open,2024-03-07 09:00:00,ann@x.io,The printer jams,
7,Printer jam,open,2024-03-07 10:00:00,ann@x.io,Still jammed,
`)
	m := writeMapping(t, "m.yaml", `
layout: messages
tickets:
  ticket_id: Conversation
  title: Subject
  status: Status
replies:
  created_at: Sent
  author_email: From
  body: Text
  attachments: Files
`)
	src, err := readers.OpenCSV(readers.CSVOptions{Path: path, Mapping: m})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got := madeUpKeys(t, summarize(readAll(t, src)))
	want := []summary{
		{Kind: "reply", Key: "7/msg-*", Ticket: "7", Origin: "conversations.csv:2", Created: "2024-03-07T10:00:00Z", Who: "agent@x.io", Body: "We are on it"},
		{Kind: "ticket", Key: "8", Origin: "conversations.csv:3", Created: "2024-03-08T09:00:00Z", Who: "bo@x.io", Body: "Cannot log in|Login",
			Files: []string{"shot.png=https://cdn.x.io/a/shot.png"}},
		{Kind: "ticket", Key: "7", Origin: "conversations.csv:4", Created: "2024-03-07T09:00:00Z", Who: "ann@x.io", Body: "The printer jams|Printer jam"},
		{Kind: "reply", Key: "7/msg-*", Ticket: "7", Origin: "conversations.csv:5", Created: "2024-03-07T10:00:00Z", Who: "ann@x.io", Body: "Still jammed"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}

	// A column that marks the first message wins over time.
	marked := writeFile(t, "marked.csv", `id,ticket,subject,first,at,email,text
m1,5,Refund,no,2024-01-01 08:00:00,a@x.io,Forwarded note
m2,5,Refund,yes,2024-01-02 08:00:00,b@x.io,I want a refund
`)
	m = writeMapping(t, "m.yaml", `
layout: messages
first_message: first
tickets: {ticket_id: ticket, title: subject}
replies: {reply_id: id, created_at: at, author_email: email, body: text}
`)
	src, err = readers.OpenCSV(readers.CSVOptions{Path: marked, Mapping: m})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got = summarize(readAll(t, src))
	if len(got) != 2 || got[0].Kind != "reply" || got[0].Key != "m1" || got[1].Kind != "ticket" || got[1].Body != "I want a refund|Refund" {
		t.Errorf("with first_message: %+v, want m1 a reply and m2 the ticket", got)
	}
	if got[1].Extra != nil {
		t.Errorf("ticket extra = %v, want the message and marker columns not kept", got[1].Extra)
	}
}

// jiraExport is shaped as Jira's "Export Excel CSV (all fields)": repeated
// Attachment, Comment, Labels and Sprint columns; comments as
// "date;accountId;body", attachments as "date;accountId;name;url".
const jiraExport = `Summary,Issue key,Issue id,Status,Reporter,Reporter Id,Created,Description,Attachment,Attachment,Comment,Comment,Comment,Labels,Labels,Sprint,Sprint
VPN drops,HELP-12,10012,Open,Ann Lee,712020:ann,04/Mar/24 5:10 PM,"The VPN drops; every hour",04/Mar/24 5:11 PM;712020:ann;vpn;log.txt;https://x.atlassian.net/secure/attachment/1/vpn%3Blog.txt,,"05/Mar/24 9:00 AM;557058:bob;Try this: reconnect; then reboot",,06/Mar/24 10:30 AM;712020:ann;Works now,network,vpn,Sprint 1,Sprint 2
Printer,HELP-13,10013,Done,Bo Chan,712020:bo,01/Feb/24 8:00 AM,Paper jam,,,,,,,,,
`

const jiraMapping = `
layout: tickets-with-comments
time_format: 02/Jan/06 3:04 PM
tickets:
  ticket_id: Issue key
  title: Summary
  status: Status
  requester_name: Reporter
  requester_id: Reporter Id
  created_at: Created
  body: Description
  attachments: Attachment
  tags: Labels
keep_columns: [Issue id, Sprint]
comments:
  column: Comment
  parts: [created_at, author_id, body]
attachment_cells:
  parts: [skip, skip, name, url]
`

func TestTicketsWithCommentsLayout(t *testing.T) {
	path := writeFile(t, "jira.csv", jiraExport)
	src, err := readers.OpenCSV(readers.CSVOptions{Path: path, Mapping: writeMapping(t, "jira.yaml", jiraMapping)})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got := madeUpKeys(t, summarize(readAll(t, src)))
	want := []summary{
		{Kind: "ticket", Key: "HELP-12", Origin: "jira.csv:2", Created: "2024-03-04T17:10:00Z", Who: "712020:ann", Body: "The VPN drops; every hour|VPN drops",
			Files: []string{"vpn;log.txt=https://x.atlassian.net/secure/attachment/1/vpn%3Blog.txt"}, Tags: []string{"network", "vpn"},
			Extra: map[string]string{"Issue id": "10012", "Sprint": "Sprint 1", "Sprint (2)": "Sprint 2"}},
		{Kind: "reply", Key: "HELP-12/msg-*", Ticket: "HELP-12", Origin: "jira.csv:2", Created: "2024-03-05T09:00:00Z", Who: "557058:bob",
			Body: "Try this: reconnect; then reboot"},
		{Kind: "reply", Key: "HELP-12/msg-*", Ticket: "HELP-12", Origin: "jira.csv:2", Created: "2024-03-06T10:30:00Z", Who: "712020:ann", Body: "Works now"},
		{Kind: "ticket", Key: "HELP-13", Origin: "jira.csv:3", Created: "2024-02-01T08:00:00Z", Who: "712020:bo", Body: "Paper jam|Printer",
			Extra: map[string]string{"Issue id": "10013"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}

	// A comment cell with fewer parts than the mapping names is a problem
	// of that comment, not of the ticket.
	bad := strings.Replace(jiraExport, "06/Mar/24 10:30 AM;712020:ann;Works now", "Works now", 1)
	src, err = readers.OpenCSV(readers.CSVOptions{Path: writeFile(t, "jira.csv", bad), Mapping: writeMapping(t, "jira.yaml", jiraMapping)})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got = summarize(readAll(t, src))
	if len(got[0].Problems) != 0 || len(got[2].Problems) != 1 || !strings.Contains(got[2].Problems[0], "the cell has 1 parts") {
		t.Errorf("problems: ticket %v, second comment %v; want the comment's only", got[0].Problems, got[2].Problems)
	}
}

// A message the export gives no id is named by what it is: a re-export
// sorted otherwise, with a message removed and others added before and
// between, names every message it shares with the first the same. Only
// twins (same ticket, time, author and text) are told apart by order, and
// reported.
func TestMadeUpIDsSurviveReExport(t *testing.T) {
	keys := func(t *testing.T, layout, mapping, export string) map[string]string {
		t.Helper()
		src, err := readers.OpenCSV(readers.CSVOptions{Path: writeFile(t, layout+".csv", export), Mapping: writeMapping(t, "m.yaml", mapping)})
		if err != nil {
			t.Fatal(err)
		}
		defer src.Close()
		byBody := map[string]string{}
		for _, r := range readAll(t, src) {
			if rp := r.Reply; rp != nil {
				if _, twice := byBody[rp.Body]; twice {
					t.Fatalf("%s: two replies read with body %q", layout, rp.Body)
				}
				byBody[rp.Body] = rp.Key
				for _, p := range rp.Problems {
					byBody[rp.Body+" problem"] = p.Message
				}
			}
		}
		return byBody
	}
	same := func(t *testing.T, first, again map[string]string, bodies ...string) {
		t.Helper()
		for _, b := range bodies {
			if first[b] == "" || first[b] != again[b] {
				t.Errorf("message %q: key %q, re-exported %q; want the same", b, first[b], again[b])
			}
		}
	}

	t.Run("messages", func(t *testing.T) {
		mapping := `
layout: messages
tickets: {ticket_id: Conversation, title: Subject}
replies: {created_at: Sent, author_email: From, body: Text}
`
		first := keys(t, "messages", mapping, `Conversation,Subject,Sent,From,Text
7,Jam,2024-03-07 09:00:00,ann@x.io,The printer jams
7,Jam,2024-03-07 10:00:00,agent@x.io,We are on it
7,Jam,2024-03-07 10:00:00,ann@x.io,Still jammed
7,Jam,2024-03-07 11:00:00,agent@x.io,Try this
7,Jam,2024-03-07 12:00:00,ann@x.io,Fixed
`)
		// Newest first; "We are on it" deleted; a message added before the
		// others at the same second, and one between.
		again := keys(t, "messages", mapping, `Conversation,Subject,Sent,From,Text
7,Jam,2024-03-07 12:00:00,ann@x.io,Fixed
7,Jam,2024-03-07 11:30:00,bo@x.io,Me too
7,Jam,2024-03-07 11:00:00,agent@x.io,Try this
7,Jam,2024-03-07 10:00:00,agent@x.io,Sorry for the wait
7,Jam,2024-03-07 10:00:00,ann@x.io,Still jammed
7,Jam,2024-03-07 09:00:00,ann@x.io,The printer jams
`)
		same(t, first, again, "Still jammed", "Try this", "Fixed")
		if again["Sorry for the wait"] == first["We are on it"] || again["Me too"] == "" {
			t.Errorf("new messages named %q and %q, the removed one %q: want names of their own", again["Sorry for the wait"], again["Me too"], first["We are on it"])
		}
	})

	t.Run("comments", func(t *testing.T) {
		mapping := `
layout: tickets-with-comments
time_format: 02/Jan/06 3:04 PM
tickets: {ticket_id: Issue key, title: Summary, created_at: Created, body: Description, requester_id: Reporter Id}
comments: {column: Comment, parts: [created_at, author_id, body]}
`
		first := keys(t, "jira", mapping, `Summary,Issue key,Reporter Id,Created,Description,Comment,Comment,Comment
VPN,HELP-1,a,01/Mar/24 9:00 AM,It drops,02/Mar/24 9:00 AM;b;One,03/Mar/24 9:00 AM;a;Two,04/Mar/24 9:00 AM;b;Three
`)
		// The first comment deleted, one added in the middle: every later
		// comment's column moves.
		again := keys(t, "jira", mapping, `Summary,Issue key,Reporter Id,Created,Description,Comment,Comment,Comment
VPN,HELP-1,a,01/Mar/24 9:00 AM,It drops,03/Mar/24 9:00 AM;a;Two,03/Mar/24 10:00 AM;b;Two and a half,04/Mar/24 9:00 AM;b;Three
`)
		same(t, first, again, "Two", "Three")
	})

	t.Run("twins", func(t *testing.T) {
		got := keys(t, "messages", `
layout: messages
tickets: {ticket_id: Conversation, title: Subject}
replies: {created_at: Sent, author_email: From, body: Text}
`, `Conversation,Subject,Sent,From,Text
7,Jam,2024-03-07 09:00:00,ann@x.io,Question
7,Jam,2024-03-07 10:00:00,ann@x.io,ok
7,Jam,2024-03-07 10:00:00,ann@x.io, ok
`)
		// Read by body: the second twin has a leading space only, which
		// names nothing apart.
		if !strings.HasSuffix(got[" ok"], "#2") && !strings.HasSuffix(got["ok"], "#2") {
			t.Errorf("twins named %q and %q; want the second with #2", got["ok"], got[" ok"])
		}
		if !strings.Contains(got[" ok problem"]+got["ok problem"], "twin") {
			t.Errorf("no problem reported for the twin: %v", got)
		}
	})
}

func TestRepeatedColumnsOutsideTheMappingAreKept(t *testing.T) {
	dir := writeExport(t, "ticket_id,title,created_at,requester_email,body,Sprint,Sprint\n1,Hi,2024-03-01T09:00:00Z,a@x.io,Hello,S1,S2\n", repliesHeader)
	src, err := readers.OpenCSV(readers.CSVOptions{Path: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	got := summarize(readAll(t, src))
	if want := map[string]string{"Sprint": "S1", "Sprint (2)": "S2"}; !cmp.Equal(got[0].Extra, want) {
		t.Errorf("extra = %v, want %v", got[0].Extra, want)
	}
}

func TestLayoutErrors(t *testing.T) {
	file := writeFile(t, "export.csv", "a,b\n1,2\n")
	folder := wine.TempDir(t)
	if err := os.WriteFile(filepath.Join(folder, "zendesk-tickets.csv"), []byte("a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	messages := writeMapping(t, "m.yaml", "layout: messages\ntickets: {ticket_id: a, title: a}\nreplies: {created_at: b, body: b, author_email: b}\n")
	comments := writeMapping(t, "c.yaml", "layout: tickets-with-comments\ntickets: {ticket_id: a}\ncomments: {column: Comment, parts: [body]}\n")
	tests := []struct {
		name string
		opts readers.CSVOptions
		want []string
	}{
		{"one file, no layout", readers.CSVOptions{Path: file}, []string{"export.csv is one file", "layout: messages", "tickets-with-comments (one file"}},
		{"folder of something else", readers.CSVOptions{Path: folder}, []string{"has no tickets.csv", "it has: zendesk-tickets.csv", "the layouts are tickets-and-replies"}},
		{"one-file layout, folder", readers.CSVOptions{Path: folder, Mapping: messages}, []string{"is a folder; layout messages reads one file"}},
		{"comments column missing", readers.CSVOptions{Path: file, Mapping: comments}, []string{"missing column"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := readers.OpenCSV(tt.opts)
			if err == nil {
				src.Close()
				t.Fatal("OpenCSV succeeded")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
	for _, bad := range []struct{ mapping, want string }{
		{"layout: zendesk\n", `layout "zendesk" is not one this tool reads; the layouts are tickets-and-replies`},
		{"layout: tickets-with-comments\n", "needs comments"},
		{"first_message: First\n", "first_message is for layout: messages"},
		{"layout: tickets-with-comments\ncomments: {column: C, parts: [when, body]}\n", `"when" is not one of created_at`},
		{"layout: tickets-with-comments\ncomments: {column: C, parts: [created_at]}\n", "comments.parts needs body"},
		{"attachment_cells: {parts: [name]}\n", "needs url or path"},
	} {
		path := writeFile(t, "m.yaml", bad.mapping)
		if _, err := readers.LoadMapping(path); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("LoadMapping(%q) = %v, want an error saying %q", bad.mapping, err, bad.want)
		}
	}
	// A field that takes one value, mapped to a repeated column.
	dir := writeExport(t, "ticket_id,Subject,Subject,created_at,requester_email,body\n", repliesHeader)
	m := writeMapping(t, "m.yaml", "tickets: {title: Subject}\n")
	if _, err := readers.OpenCSV(readers.CSVOptions{Path: dir, Mapping: m}); err == nil ||
		!strings.Contains(err.Error(), `column "Subject" appears 2 times in the header, and title takes one value`) {
		t.Errorf("title on a repeated column: %v", err)
	}
}

func TestXLSXMessagesLayout(t *testing.T) {
	path := workbook(t, false, map[string][][]any{
		"Export": {
			{"Ticket", "Subject", "Message", "Sent", "From", "Text"},
			{1, "Hello", "m2", date(opened.Add(time.Hour)), "b@x.io", "Answer"},
			{1, "Hello", "m1", date(opened), "a@x.io", "Question"},
		},
	})
	m := writeMapping(t, "m.yaml", `
layout: messages
tickets: {ticket_id: Ticket, title: Subject}
replies: {reply_id: Message, created_at: Sent, author_email: From, body: Text}
`)
	x := openMappedXLSX(t, path, m)
	got := summarize(readAll(t, x))
	want := []summary{
		{Kind: "reply", Key: "m2", Ticket: "1", Origin: "Export!D2", Created: "2024-03-01T10:30:00Z", Who: "b@x.io", Body: "Answer"},
		{Kind: "ticket", Key: "1", Origin: "Export!A3", Created: "2024-03-01T09:30:00Z", Who: "a@x.io", Body: "Question|Hello"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if loc := x.Locate("Export!D2", "body"); loc != "Export!F2" {
		t.Errorf("Locate(reply, body) = %s, want Export!F2", loc)
	}
}

// A workbook in Jira's shape: the comments' origins name their own cells,
// which Locate leaves as they are.
func TestXLSXTicketsWithCommentsLayout(t *testing.T) {
	path := workbook(t, false, map[string][][]any{
		"Issues": {
			{"Summary", "Issue key", "Reporter Id", "Created", "Description", "Comment", "Comment"},
			{"VPN", "HELP-1", "712020:ann", date(opened), "It drops", "05/Mar/24 9:00 AM;557058:bob;Try again", "06/Mar/24 9:00 AM;712020:ann;Works"},
		},
	})
	m := writeMapping(t, "m.yaml", `
layout: tickets-with-comments
time_format: 02/Jan/06 3:04 PM
tickets: {ticket_id: Issue key, title: Summary, requester_id: Reporter Id, created_at: Created, body: Description}
comments: {column: Comment, parts: [created_at, author_id, body]}
`)
	x := openMappedXLSX(t, path, m)
	got := madeUpKeys(t, summarize(readAll(t, x)))
	want := []summary{
		{Kind: "ticket", Key: "HELP-1", Origin: "Issues!B2", Created: "2024-03-01T09:30:00Z", Who: "712020:ann", Body: "It drops|VPN"},
		{Kind: "reply", Key: "HELP-1/msg-*", Ticket: "HELP-1", Origin: "Issues!F2", Created: "2024-03-05T09:00:00Z", Who: "557058:bob", Body: "Try again"},
		{Kind: "reply", Key: "HELP-1/msg-*", Ticket: "HELP-1", Origin: "Issues!G2", Created: "2024-03-06T09:00:00Z", Who: "712020:ann", Body: "Works"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	if loc := x.Locate("Issues!G2", "created_at"); loc != "Issues!G2" {
		t.Errorf("Locate(comment, created_at) = %s, want the comment's own cell", loc)
	}
	if loc := x.Locate("Issues!B2", "created_at"); loc != "Issues!D2" {
		t.Errorf("Locate(ticket, created_at) = %s, want Issues!D2", loc)
	}
}
