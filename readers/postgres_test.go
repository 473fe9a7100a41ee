package readers_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assembly-import/assembly-import/internal/pgtest"
	"github.com/assembly-import/assembly-import/internal/testutil"
	"github.com/assembly-import/assembly-import/internal/wine"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
	"github.com/assembly-import/assembly-import/readers/readertest"
)

// helpdeskSQL is a small helpdesk database of another tool's shape: the
// query file below maps it, as an admin would for an unlisted helpdesk.
const helpdeskSQL = `
CREATE TABLE people (id serial PRIMARY KEY, email text, name text);
CREATE TABLE issues (id integer PRIMARY KEY, subject text, opened timestamptz, reporter integer REFERENCES people, state text);
CREATE TABLE posts (id integer PRIMARY KEY, issue integer, author integer REFERENCES people, posted timestamp, body text, private boolean);
CREATE TABLE files (post integer, filename text, stored_as text);
INSERT INTO people (email, name) VALUES ('ann@example.com', 'Ann Ärger'), ('agent@example.com', 'Agent'), (NULL, 'Nobody');
INSERT INTO issues VALUES
  (10, 'Printer on fire', '2024-03-01 09:00+00', 1, 'open'),
  (11, 'Umlaute', '2024-03-02 10:00+01', 1, 'closed'),
  (12, 'No messages at all', '2024-03-03 09:00+00', 1, 'open');
INSERT INTO posts VALUES
  (100, 10, 1, '2024-03-01 09:00', 'It is on fire', false),
  (102, 10, 2, '2024-03-01 09:30', 'On it.', false),
  (101, 10, 2, '2024-03-01 09:10', 'Internal: check the fuse', true),
  (110, 11, 1, '2024-03-02 09:00', 'ÄÖÜ falsch', false),
  (111, 11, 3, '2024-03-02 09:05', 'Who am I?', false),
  (112, 11, 2, '2024-03-02 09:10', '', false);
INSERT INTO files VALUES (102, 'fuse.png', 'files/fuse.png');
`

const helpdeskQueries = `
-- The first post of an issue is the ticket's body; the others are replies.
-- name: tickets
SELECT i.id AS ticket_id, i.subject AS title, i.opened AS created_at, p.email AS requester_email,
       p.name AS requester_name, i.state AS status,
       (SELECT body FROM posts WHERE issue = i.id ORDER BY posted, id LIMIT 1) AS body
FROM issues i JOIN people p ON p.id = i.reporter
ORDER BY i.id;

-- name: replies
SELECT po.id AS reply_id, po.issue AS ticket_id, po.posted AS created_at, pe.email AS author_email,
       pe.name AS author_name, po.private AS internal, po.body
FROM posts po JOIN people pe ON pe.id = po.author
WHERE po.id <> (SELECT id FROM posts WHERE issue = po.issue ORDER BY posted, id LIMIT 1)
ORDER BY po.id;

-- name: attachments
SELECT post AS reply_id, stored_as AS path, filename AS name FROM files;
`

func helpdeskDB(t *testing.T) (*pgtest.Server, readers.Queries, string) {
	t.Helper()
	srv := pgtest.Start(t)
	srv.Load(t, helpdeskSQL)
	dir := wine.TempDir(t)
	qf := filepath.Join(dir, "helpdesk.sql")
	os.WriteFile(qf, []byte(helpdeskQueries), 0o644)
	os.MkdirAll(filepath.Join(dir, "files"), 0o755)
	os.WriteFile(filepath.Join(dir, "files", "fuse.png"), []byte("png"), 0o644)
	q, err := readers.LoadQueries(qf)
	if err != nil {
		t.Fatal(err)
	}
	return srv, q, dir
}

// openPreset reads the database at dsn with a preset, closing the source
// when t ends.
func openPreset(t *testing.T, dsn, preset string, opts readers.PostgresOptions) *readers.Postgres {
	t.Helper()
	q, tables, err := readers.Preset(preset)
	if err != nil {
		t.Fatal(err)
	}
	opts.DSN, opts.Queries, opts.Tables, opts.Helpdesk = dsn, q, tables, preset
	src, err := readers.OpenPostgres(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { src.Close() })
	return src
}

func TestPostgresQueryFile(t *testing.T) {
	srv, q, dir := helpdeskDB(t)
	open := func(t *testing.T) planner.Source {
		p, err := readers.OpenPostgres(context.Background(), readers.PostgresOptions{DSN: srv.DSN, Queries: q, AttachmentsRoot: dir})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	readertest.Run(t, open, append(readertest.Keys(true, "10", "11", "12"), readertest.Keys(false, "101", "102", "111", "112")...))

	src := open(t)
	defer src.Close()
	plan := testutil.Plan(t, src, planner.Options{})
	got := testutil.Problems(plan)
	for _, want := range []string{
		"replies reply_id=111: error: reply 111 author_email: the author has no email",
		"replies reply_id=112: error: reply 112 body: the message is empty",
		"tickets ticket_id=12: error: ticket 12 body: the first message is empty",
	} {
		if !strings.Contains(strings.Join(got, "\n"), want) {
			t.Errorf("no problem %q among:\n%s", want, strings.Join(got, "\n"))
		}
	}
	if plan.Stats.InternalSkipped != 1 || plan.Stats.TicketJobs != 2 || plan.Stats.ReplyJobs != 1 || plan.Stats.Attachments != 1 {
		t.Errorf("stats = %+v", plan.Stats)
	}
	ev, _ := plan.Event(plan.Tickets[1].Job)
	if ev.SSID != "11" || ev.Created.Format("15:04") != "09:00" || ev.Body != "ÄÖÜ falsch" || ev.Requester.Name != "Ann Ärger" {
		t.Errorf("ticket 11 = %+v", ev)
	}
	r, _ := plan.Reply(plan.Tickets[0].Replies[0])
	if r.SSID != "102" || len(r.Files) != 1 || r.Files[0].Name != "fuse.png" {
		t.Errorf("reply 102 = %+v", r)
	}
}

func TestPostgresErrors(t *testing.T) {
	srv, q, _ := helpdeskDB(t)
	ctx := context.Background()
	bad := q
	bad.Tickets = "SELECT id AS ticket_id, subject FROM issues"
	if _, err := readers.OpenPostgres(ctx, readers.PostgresOptions{DSN: srv.DSN, Queries: bad}); err == nil ||
		!strings.Contains(err.Error(), "tickets query: missing column title (the header has: ticket_id, subject)") {
		t.Errorf("a query without the canonical columns: %v", err)
	}
	bad.Tickets = "SELECT * FROM no_such_table"
	if _, err := readers.OpenPostgres(ctx, readers.PostgresOptions{DSN: srv.DSN, Queries: bad}); err == nil ||
		!strings.Contains(err.Error(), `tickets query: ERROR: relation "no_such_table" does not exist`) {
		t.Errorf("a query on a missing table: %v", err)
	}
	_, err := readers.OpenPostgres(ctx, readers.PostgresOptions{DSN: "postgres://admin:s3cr3t-pw@127.0.0.1:1/helpdesk?connect_timeout=2", Queries: q})
	if err == nil || !strings.Contains(err.Error(), "host=127.0.0.1 port=1 database=helpdesk user=admin") || strings.Contains(err.Error(), "s3cr3t-pw") {
		t.Errorf("cannot connect: %v (want where, never the password)", err)
	}
}

// An attachments row must never vanish: one that says nowhere where its file
// is becomes a problem of its message, and one whose message the other
// queries do not return fails the read.
func TestPostgresAttachmentRowsAccounted(t *testing.T) {
	srv, q, dir := helpdeskDB(t)
	ctx := context.Background()
	build := func(attachments string) (*planner.Plan, error) {
		qq := q
		qq.Attachments = attachments
		src, err := readers.OpenPostgres(ctx, readers.PostgresOptions{DSN: srv.DSN, Queries: qq, AttachmentsRoot: dir})
		if err != nil {
			return nil, err
		}
		defer src.Close()
		return planner.Build(ctx, src, planner.Options{SpillDir: wine.TempDir(t)})
	}

	plan, err := build(`SELECT 102 AS reply_id, NULL::text AS path, 'in-s3.pdf' AS name`)
	if err != nil {
		t.Fatal(err)
	}
	defer plan.Close()
	got := testutil.Problems(plan)
	want := `replies reply_id=102: error: reply 102 attachments: the attachments query gives "in-s3.pdf" neither a path, a url nor data`
	if !strings.Contains(strings.Join(got, "\n"), want) {
		t.Errorf("no problem %q among:\n%s", want, strings.Join(got, "\n"))
	}

	_, err = build(`SELECT 999 AS reply_id, 'files/fuse.png' AS path`)
	if err == nil || !strings.Contains(err.Error(), "attachments query: it gives files to messages the tickets and replies queries do not return: replies 999") {
		t.Errorf("an attachment for a reply no query returns: %v", err)
	}
}

func TestLoadQueriesErrors(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"SELECT 1", `line 1: SQL before the first "-- name:" line`},
		{"-- name: tickets\nSELECT 1\n-- name: messages\nSELECT 2", `line 3: unknown query "messages"`},
		{"-- name: tickets\nSELECT 1", "needs a tickets and a replies query"},
	} {
		path := filepath.Join(wine.TempDir(t), "q.sql")
		os.WriteFile(path, []byte(tt.text), 0o644)
		if _, err := readers.LoadQueries(path); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadQueries(%q) = %v, want %q", tt.text, err, tt.want)
		}
	}
}
