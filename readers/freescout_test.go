package readers_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assembly-import/assembly-import/internal/pgtest"
	"github.com/assembly-import/assembly-import/internal/testutil"
	"github.com/assembly-import/assembly-import/internal/wine"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
)

// freescoutSQL is a faithful subset of FreeScout's migrations (the tables
// and columns the preset reads) with the dirt real databases hold.
const freescoutSQL = `
CREATE TABLE customers (id serial PRIMARY KEY, first_name varchar(255), last_name varchar(255), created_at timestamp, updated_at timestamp);
CREATE TABLE emails (id serial PRIMARY KEY, customer_id integer NOT NULL, email varchar(191) NOT NULL, type smallint DEFAULT 1);
CREATE TABLE users (id serial PRIMARY KEY, first_name varchar(20) NOT NULL, last_name varchar(30) NOT NULL, email varchar(100) NOT NULL);
CREATE TABLE conversations (id serial PRIMARY KEY, number integer NOT NULL, threads_count integer DEFAULT 0, type smallint NOT NULL,
  folder_id integer NOT NULL, status smallint DEFAULT 1, state smallint DEFAULT 1, subject varchar(998) NOT NULL, preview varchar(255) NOT NULL,
  mailbox_id integer NOT NULL, user_id integer, customer_id integer NOT NULL, created_by_user_id integer, created_by_customer_id integer,
  source_via smallint NOT NULL, source_type smallint NOT NULL, created_at timestamp, updated_at timestamp);
CREATE TABLE threads (id serial PRIMARY KEY, conversation_id integer NOT NULL, user_id integer, type smallint NOT NULL,
  status smallint DEFAULT 1, state smallint DEFAULT 1, action_type smallint, body text, source_via smallint NOT NULL,
  source_type smallint NOT NULL, customer_id integer NOT NULL, created_by_user_id integer, created_by_customer_id integer,
  created_at timestamp, updated_at timestamp);
CREATE TABLE attachments (id serial PRIMARY KEY, thread_id integer, user_id integer, file_dir varchar(20), file_name varchar(255) NOT NULL,
  mime_type varchar(127) NOT NULL, type integer NOT NULL, size integer, embedded boolean DEFAULT false);

INSERT INTO customers VALUES (1, 'Jürgen', 'Groß', now(), now()), (2, 'Anon', NULL, now(), now());
INSERT INTO emails (customer_id, email) VALUES (1, 'juergen@example.de'), (1, 'j.gross@example.de');
INSERT INTO users VALUES (3, 'Marco', 'Rossi', 'marco@helpdesk.example');
INSERT INTO conversations (id, number, type, folder_id, status, state, subject, preview, mailbox_id, customer_id, source_via, source_type, created_at) VALUES
  (40, 1040, 1, 1, 3, 2, 'Lieferung fehlt', '', 1, 1, 1, 1, '2024-06-01 10:00'),
  (41, 1041, 1, 1, 1, 1, 'A draft', '', 1, 1, 2, 1, '2024-06-02 10:00'),
  (42, 1042, 1, 1, 2, 2, 'From nobody', '', 1, 2, 1, 1, '2024-06-03 10:00');
INSERT INTO threads (id, conversation_id, type, state, body, source_via, source_type, customer_id, created_by_user_id, created_by_customer_id, created_at) VALUES
  (400, 40, 1, 2, '<p>Meine Lieferung <b>fehlt</b>.</p><p>Grüße</p>', 1, 1, 1, NULL, 1, '2024-06-01 10:00'),
  (401, 40, 4, 2, NULL, 2, 1, 1, 3, NULL, '2024-06-01 10:05'),
  (403, 40, 2, 2, '<div>Sorry! See <a href="https://track.example/1">tracking</a>.</div>', 2, 1, 1, 3, NULL, '2024-06-01 11:00'),
  (402, 40, 3, 2, '<p>Carrier lost it</p>', 2, 1, 1, 3, NULL, '2024-06-01 10:30'),
  (404, 40, 2, 1, '<p>unsent draft</p>', 2, 1, 1, 3, NULL, '2024-06-01 12:00'),
  (420, 42, 1, 2, '<p>hello</p>', 1, 1, 2, NULL, 2, '2024-06-03 10:00'),
  (421, 42, 1, 2, '<p>anyone?</p>', 1, 1, 2, NULL, 2, '2024-06-03 11:00'),
  (410, 41, 1, 2, '<p>in a draft conversation</p>', 1, 1, 1, NULL, 1, '2024-06-02 10:00');
INSERT INTO attachments (thread_id, file_dir, file_name, mime_type, type, size, embedded) VALUES
  (400, '1/2/', 'lieferschein.pdf', 'application/pdf', 0, 8, false),
  (403, '3/', 'label.png', 'image/png', 0, 3, false),
  (403, '3/', 'inline.png', 'image/png', 0, 3, true),
  (404, '3/', 'on-the-unsent-draft.pdf', 'application/pdf', 0, 3, false),
  (410, '4/', 'in-the-draft-conversation.pdf', 'application/pdf', 0, 3, false);
`

func TestFreeScoutPreset(t *testing.T) {
	srv := pgtest.Start(t)
	srv.Load(t, freescoutSQL)
	storage := wine.TempDir(t) // storage/app/attachment
	for path, data := range map[string]string{"1/2/lieferschein.pdf": "%PDF-1.4", "3/label.png": "png"} {
		os.MkdirAll(filepath.Join(storage, filepath.Dir(path)), 0o755)
		os.WriteFile(filepath.Join(storage, path), []byte(data), 0o644)
	}
	plan := testutil.Plan(t, openPreset(t, srv.DSN, "freescout", readers.PostgresOptions{AttachmentsRoot: storage}),
		planner.Options{InternalNotes: planner.InternalInclude})
	if got := order(plan); got != "ticket/40 attachments/40 reply/thread-402 reply/thread-403 ticket/42" {
		t.Errorf("order = %s (drafts, line items and unpublished threads left out)", got)
	}
	ev, _ := plan.Event(plan.Tickets[0].Job)
	if ev.Title != "Lieferung fehlt" || ev.Body != "Meine Lieferung fehlt.\n\nGrüße" || ev.Requester.Email != "juergen@example.de" ||
		ev.Requester.Name != "Jürgen Groß" || ev.Properties["status"] != "closed" {
		t.Errorf("conversation 40 = %+v", ev)
	}
	note, _ := plan.Reply(plan.Tickets[0].Replies[1])
	if !strings.HasPrefix(note.Body, "[Internal note]\nCarrier lost it") || note.Author.Email != "marco@helpdesk.example" {
		t.Errorf("note 402 = %+v", note)
	}
	reply, _ := plan.Reply(plan.Tickets[0].Replies[2])
	if reply.Body != "Sorry! See tracking (https://track.example/1)." || len(reply.Files) != 1 || reply.Files[0].Name != "label.png" {
		t.Errorf("reply 403 = %+v", reply)
	}
	followUp, _ := plan.Reply(plan.Tickets[0].Replies[0])
	if len(followUp.Files) != 1 || followUp.Files[0].Name != "lieferschein.pdf" {
		t.Errorf("the first message's PDF: %+v", followUp)
	}
	problems := testutil.Problems(plan)
	// A customer without an address: the ticket goes (by the customer's id),
	// the customer's reply cannot (Assembly needs an email on replies).
	if want := "replies reply_id=thread-421: error: reply thread-421 author_email: the author has no email"; !strings.Contains(strings.Join(problems, "\n"), want) {
		t.Errorf("no problem %q among:\n%s", want, strings.Join(problems, "\n"))
	}
}
