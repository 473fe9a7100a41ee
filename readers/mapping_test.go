package readers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assembly-import/assembly-import/internal/testutil"
	"github.com/assembly-import/assembly-import/internal/wine"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
)

func writeMapping(t *testing.T, name, text string) *readers.Mapping {
	t.Helper()
	path := filepath.Join(wine.TempDir(t), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := readers.LoadMapping(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const foreignMapping = `
tickets:
  ticket_id: Ticket ID
  title: Subject
  created_at: Created At
  requester_email: Requester Email
  requester_name: Requester
  body: Description
  status: Status
replies:
  reply_id: Comment ID
  ticket_id: Ticket ID
  created_at: Created At
  author_email: Author Email
  body: Comment
  attachments: Files
time_format: "02.01.2006 15:04"
timezone: Europe/Berlin
attachment_separator: ","
keep_columns: [Priority]
`

// TestMappingForeignCSV reads an export with the old helpdesk's headers and
// formats through a mapping: the same plan as the canonical export.
func TestMappingForeignCSV(t *testing.T) {
	foreign := writeExport(t,
		"Ticket ID,Subject,Created At,Requester Email,Requester,Description,Status,Priority,Internal Group\n"+
			"77,Printer on fire,01.03.2024 10:30,a@x.io,Ann,Smoke!,open,urgent,Facilities\n",
		"Comment ID,Ticket ID,Created At,Author Email,Comment,Files\n"+
			"9,77,01.03.2024 11:00,agent@x.io,On it,\"a.png, b.png\"\n")
	canonical := writeExport(t,
		"ticket_id,title,created_at,requester_email,requester_name,body,status,Priority\n"+
			"77,Printer on fire,2024-03-01T09:30:00Z,a@x.io,Ann,Smoke!,open,urgent\n",
		"reply_id,ticket_id,created_at,author_email,body,attachments\n"+
			"9,77,2024-03-01T10:00:00Z,agent@x.io,On it,a.png;b.png\n")
	for _, dir := range []string{foreign, canonical} {
		os.WriteFile(filepath.Join(dir, "a.png"), []byte("\x89PNG\r\n\x1a\n"), 0o644)
		os.WriteFile(filepath.Join(dir, "b.png"), []byte("\x89PNG\r\n\x1a\n"), 0o644)
	}
	m := writeMapping(t, "mapping.yaml", foreignMapping)
	plans := map[string]*planner.Plan{}
	for name, opts := range map[string]readers.CSVOptions{"foreign": {Path: foreign, Mapping: m}, "canonical": {Path: canonical}} {
		src, err := readers.OpenCSV(opts)
		if err != nil {
			t.Fatal(err)
		}
		p := testutil.Plan(t, src, planner.Options{Now: func() time.Time { return opened.AddDate(1, 0, 0) }})
		src.Close()
		if len(p.Problems) > 0 {
			t.Fatalf("%s: problems %v", name, p.Problems)
		}
		plans[name] = p
	}
	if plans["foreign"].Fingerprint != plans["canonical"].Fingerprint {
		ev, _ := plans["foreign"].Event(plans["foreign"].Tickets[0].Job)
		t.Errorf("the mapped export plans differently from the canonical one; event %+v", ev)
	}
}

func TestMappingErrors(t *testing.T) {
	dir := writeExport(t, "Ticket ID,Subject,Created,Email,Text\n", "reply_id,ticket_id,created_at,author_email,body\n")
	tests := []struct{ name, file, text, want string }{
		{"unknown column", "m.yaml", "tickets:\n  ticket_id: Ticket ID\n  title: Title\n",
			`the mapping's column "Title" (for title) is not in the header, which has: Ticket ID, Subject, Created, Email, Text`},
		{"missing required", "m.yaml", "tickets:\n  ticket_id: Ticket ID\n  title: Subject\n  requester_email: Email\n  body: Text\n",
			"missing column created_at"},
		{"keep unknown", "m.json", `{"tickets": {"ticket_id": "Ticket ID", "title": "Subject", "created_at": "Created", "requester_email": "Email", "body": "Text"}, "keep_columns": ["Group"]}`,
			`keep_columns names "Group"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readers.OpenCSV(readers.CSVOptions{Path: dir, Mapping: writeMapping(t, tt.file, tt.text)})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("OpenCSV() = %v, want %q", err, tt.want)
			}
		})
	}
	for _, bad := range []struct{ file, text, want string }{
		{"m.yaml", "tickets:\n  subject: Subject\n", `tickets has no field "subject"`},
		{"m.yaml", "time_fmt: x\n", "field time_fmt not found"},
		{"m.yaml", "timezone: Mars/Olympus\n", `timezone "Mars/Olympus"`},
		{"m.txt", "", "want a .yaml, .yml or .json file"},
	} {
		path := filepath.Join(wine.TempDir(t), bad.file)
		os.WriteFile(path, []byte(bad.text), 0o644)
		if _, err := readers.LoadMapping(path); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("LoadMapping(%q) = %v, want %q", bad.text, err, bad.want)
		}
	}
}

// Two fields mapped to one column both read it: Intercom's export has no
// subject, so the ticket's id serves as its title too.
func TestMappingTwoFieldsOneColumn(t *testing.T) {
	dir := writeExport(t,
		"Id,Created,Email,Message\n215,2024-03-01 09:30:00,a@x.io,Hello\n",
		"Part,Conversation,Created,Email,Message\n1,215,2024-03-01 10:00:00,agent@x.io,Hi\n")
	m := writeMapping(t, "mapping.yaml", `
tickets: {ticket_id: Id, title: Id, created_at: Created, requester_email: Email, body: Message}
replies: {reply_id: Part, ticket_id: Conversation, created_at: Created, author_email: Email, body: Message}
`)
	src, err := readers.OpenCSV(readers.CSVOptions{Path: dir, Mapping: m, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	p := testutil.Plan(t, src, planner.Options{Now: func() time.Time { return opened.AddDate(1, 0, 0) }})
	if len(p.Problems) > 0 {
		t.Fatalf("problems %v", p.Problems)
	}
	ev, _ := p.Event(p.Tickets[0].Job)
	if ev.SSID != "215" || ev.Title != "215" {
		t.Errorf("event %+v: want id and title 215", ev)
	}
}

// A German Excel's export: Windows-1252, semicolons, day.month.year.
// Without the mapping's encoding it is refused at its first odd byte,
// naming the line; with it, the accents arrive intact.
func TestWindows1252Export(t *testing.T) {
	dir := writeExport(t,
		"Ticket;Betreff;Erstellt;E-Mail;Text\r\n1;Drucker;01.03.2024 10:30;a@x.io;Gr\xfc\xdfe, Mar\xeda\r\n",
		"Antwort;Ticket;Erstellt;E-Mail;Text\r\n9;1;01.03.2024 11:00;agent@x.io;Sch\xf6n\r\n")
	mapping := `
tickets: {ticket_id: Ticket, title: Betreff, created_at: Erstellt, requester_email: E-Mail, body: Text}
replies: {reply_id: Antwort, ticket_id: Ticket, created_at: Erstellt, author_email: E-Mail, body: Text}
time_format: "02.01.2006 15:04"
`
	src, err := readers.OpenCSV(readers.CSVOptions{Path: dir, Mapping: writeMapping(t, "m.yaml", mapping)})
	if err == nil {
		_, err = src.Next(t.Context())
		src.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "tickets.csv line 2: byte 0xFC is not UTF-8") {
		t.Errorf("without encoding: %v", err)
	}
	src, err = readers.OpenCSV(readers.CSVOptions{Path: dir, Mapping: writeMapping(t, "m.yaml", mapping+"encoding: windows-1252\n"), Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	p := testutil.Plan(t, src, planner.Options{Now: func() time.Time { return opened.AddDate(1, 0, 0) }})
	ev, _ := p.Event(p.Tickets[0].Job)
	r, _ := p.Reply(p.Tickets[0].Replies[0])
	if len(p.Problems) > 0 || ev.Body != "Grüße, María" || r.Body != "Schön" {
		t.Errorf("problems %v; body %q, reply %q", p.Problems, ev.Body, r.Body)
	}
}

// samples/excel-de, a German Excel's export, plans clean through its mapping.
func TestSampleExcelDE(t *testing.T) {
	src, err := readers.OpenCSV(readers.CSVOptions{Path: "../samples/excel-de", Mapping: writeMappingFrom(t, "../samples/excel-de/mapping.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	p := testutil.Plan(t, src, planner.Options{})
	if len(p.Problems) > 0 || p.Stats.TicketJobs != 4 || p.Stats.ReplyJobs != 6 {
		t.Fatalf("problems %v, stats %+v", p.Problems, p.Stats)
	}
	ev, _ := p.Event(p.Tickets[3].Job)
	if ev.Requester.Name != "François Garçon" || !strings.Contains(ev.Body, "19,90 €") {
		t.Errorf("ticket 1004 = %+v", ev)
	}
}

func writeMappingFrom(t *testing.T, path string) *readers.Mapping {
	t.Helper()
	m, err := readers.LoadMapping(path)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Bodies exported as HTML (Zendesk, Freshdesk, Help Scout) go as readable
// text; body_format: text keeps them as written.
func TestHTMLBodies(t *testing.T) {
	dir := writeExport(t,
		"ticket_id,title,created_at,requester_email,body\n1,Hi,2024-03-01 09:30:00,a@x.io,\"<div class=\"\"zd-comment\"\"><p>Hi,</p><p>It&rsquo;s broken.</p></div>\"\n",
		"reply_id,ticket_id,created_at,author_email,body\n9,1,2024-03-01 10:00:00,agent@x.io,if a < b then c > d\n")
	for _, tt := range []struct {
		mapping, ticket, reply string
	}{
		{"", "Hi,\n\nIt’s broken.", "if a < b then c > d"},
		{"body_format: html\n", "Hi,\n\nIt’s broken.", "if a < b then c > d"},
		{"body_format: text\n", `<div class="zd-comment"><p>Hi,</p><p>It&rsquo;s broken.</p></div>`, "if a < b then c > d"},
	} {
		opts := readers.CSVOptions{Path: dir}
		if tt.mapping != "" {
			opts.Mapping = writeMapping(t, "m.yaml", tt.mapping)
		}
		src, err := readers.OpenCSV(opts)
		if err != nil {
			t.Fatal(err)
		}
		p := testutil.Plan(t, src, planner.Options{Now: func() time.Time { return opened.AddDate(1, 0, 0) }})
		src.Close()
		ev, _ := p.Event(p.Tickets[0].Job)
		r, _ := p.Reply(p.Tickets[0].Replies[0])
		if ev.Body != tt.ticket || r.Body != tt.reply {
			t.Errorf("%q: ticket %q, reply %q; want %q, %q", tt.mapping, ev.Body, r.Body, tt.ticket, tt.reply)
		}
	}
}
