package readers_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assembly-import/assembly-import/internal/wine"
	"github.com/assembly-import/assembly-import/readers"
)

// TestInspectSamples recognises each sample's shape, or for the ones in
// their own helpdesk's columns, finds the column of each field.
func TestInspectSamples(t *testing.T) {
	for _, c := range []struct {
		path, source, shape string
		layout              string // of the guess, for an export not recognised
		picks               []string
	}{
		{path: "../samples/csv", source: "--csv", shape: "assembly-import"},
		{path: "../samples/xlsx/helpdesk.xlsx", source: "--xlsx", shape: "assembly-import"},
		{path: "../samples/jira", source: "--csv", shape: "jira-csv"},
		{path: "../samples/messages/conversations.csv", source: "--csv", shape: "chat-messages"},
		{path: "../samples/zendesk-json", source: "--json", shape: "zendesk-json"},
		{path: "../samples/postgres/chatwoot.dump", source: "--pg-dump", shape: "chatwoot-dump"},
		{path: "../samples/postgres/zammad.sql", source: "--pg-dump", shape: "zammad-dump"},
		{path: "../samples/postgres/freescout.dump", source: "--pg-dump", shape: "freescout-dump"},
		{path: "../samples/foreign", source: "--csv", layout: readers.LayoutTicketsAndReplies,
			picks: []string{"tickets.title=Subject", "tickets.body=Description", "replies.reply_id=Comment ID", "replies.internal=Private", "replies.body=Comment"}},
		{path: "../samples/excel-de", source: "--csv", layout: readers.LayoutTicketsAndReplies,
			picks: []string{"tickets.ticket_id=Ticket-Nr.", "tickets.title=Betreff", "tickets.created_at=Erstellt am", "replies.reply_id=Antwort-Nr.", "replies.author_name=Von"}},
	} {
		t.Run(filepath.Base(c.path), func(t *testing.T) {
			f, err := readers.Inspect(context.Background(), c.path, wine.TempDir(t))
			if err != nil {
				t.Fatal(err)
			}
			if f.Source != c.source {
				t.Errorf("read with %s, want %s", f.Source, c.source)
			}
			switch {
			case c.shape != "" && (f.Shape == nil || f.Shape.Name != c.shape):
				t.Fatalf("recognised as %+v, want %s", f.Shape, c.shape)
			case c.shape == "" && f.Shape != nil:
				t.Fatalf("recognised as %s: the test wants a guess", f.Shape.Name)
			case c.shape != "":
				return
			}
			if f.Guess.Layout != c.layout {
				t.Errorf("layout %s, want %s", f.Guess.Layout, c.layout)
			}
			got := map[string]bool{}
			for _, p := range f.Guess.Tickets {
				got["tickets."+p.Field+"="+p.Column] = true
			}
			for _, p := range f.Guess.Replies {
				got["replies."+p.Field+"="+p.Column] = true
			}
			for _, want := range c.picks {
				if !got[want] {
					t.Errorf("no pick %s among %v", want, got)
				}
			}
			if len(f.Guess.Missing) > 0 {
				t.Errorf("no column for %v", f.Guess.Missing)
			}
			if _, err := readers.ParseMappingText("inspect.yaml", []byte(f.Guess.Mapping)); err != nil {
				t.Errorf("the written mapping does not load: %v\n%s", err, f.Guess.Mapping)
			}
			for _, l := range strings.Split(strings.TrimSpace(f.Guess.Mapping), "\n") {
				if !strings.Contains(l, "#") && strings.TrimSpace(l) != "tickets:" && strings.TrimSpace(l) != "replies:" {
					t.Errorf("a line of the mapping has no comment: %q", l)
				}
			}
		})
	}
}

// TestInspectExportsWithoutConversation recognises the CSV exports that
// hold no messages, and Recognise refuses them saying what to export.
func TestInspectExportsWithoutConversation(t *testing.T) {
	dir := wine.TempDir(t)
	for name, c := range map[string]struct{ csv, want string }{
		"zendesk.csv": {"Id,Requester,Requester id,Requester external id,Requester email,Requester domain,Submitter,Assignee,Group,Subject,Tags,Status,Priority,Via,Ticket type,Created at,Updated at,Requester wait time in minutes\n" +
			"1,Ann,11,,ann@example.com,example.com,Ann,Bob,Support,Hi,,open,normal,Mail,question,2024-03-01 10:00:00 +0100,2024-03-01 10:00:00 +0100,3\n", "use its JSON export"},
		"helpscout.csv": {"Conversation ID,Number,Subject,Status,Mailbox,Assigned To,Customer Name,Customer Email,Tags,Created At\n" +
			"123,45,Hi,active,Support,Bob,Ann,ann@example.com,,2024-03-01T10:00:00Z\n", "embed=threads"},
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(c.csv), 0o600); err != nil {
			t.Fatal(err)
		}
		m, shape, err := readers.Recognise(context.Background(), path)
		if m != nil || shape == nil || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Recognise = %v, %+v, %v; want a refusal saying %q", name, m, shape, err, c.want)
		}
	}
}

// TestInspectTimeFormats finds the form of zoneless day/month timestamps
// and says when day/month and month/day both fit.
func TestInspectTimeFormats(t *testing.T) {
	dir := wine.TempDir(t)
	write := func(rows string) *readers.Finding {
		t.Helper()
		path := filepath.Join(dir, "messages.csv")
		os.WriteFile(path, []byte("Conversation,Sent,From,Email,Text\n"+rows), 0o600)
		f, err := readers.Inspect(context.Background(), path, dir)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	f := write("1,25/03/2024 14:05,Ann,ann@example.com,Hi\n1,26/03/2024 09:00,Bob,bob@example.com,Hello\n")
	if !strings.Contains(f.Guess.Mapping, `time_format: "02/01/2006 15:04"`) || !f.Guess.Zoneless || f.Guess.Layout != readers.LayoutMessages {
		t.Errorf("day/month times: %+v\n%s", f.Guess, f.Guess.Mapping)
	}
	f = write("1,03/04/2024 14:05,Ann,ann@example.com,Hi\n")
	if !strings.Contains(f.Guess.Mapping, "day/month and month/day both fit") {
		t.Errorf("ambiguous times not said:\n%s", f.Guess.Mapping)
	}
}
