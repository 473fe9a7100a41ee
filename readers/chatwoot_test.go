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
)

// chatwootSQL is a faithful subset of Chatwoot's db/schema.rb (the tables
// and columns the preset reads) with the dirt real databases hold.
const chatwootSQL = `
CREATE TABLE contacts (id serial PRIMARY KEY, name varchar DEFAULT '', email varchar, phone_number varchar,
  account_id integer NOT NULL, created_at timestamp NOT NULL, updated_at timestamp NOT NULL, identifier varchar);
CREATE TABLE users (id serial PRIMARY KEY, name varchar NOT NULL, display_name varchar, email varchar,
  created_at timestamp NOT NULL, updated_at timestamp NOT NULL);
CREATE TABLE conversations (id serial PRIMARY KEY, account_id integer NOT NULL, inbox_id integer NOT NULL,
  status integer DEFAULT 0 NOT NULL, assignee_id integer, created_at timestamp NOT NULL, updated_at timestamp NOT NULL,
  contact_id bigint, display_id integer NOT NULL, additional_attributes jsonb DEFAULT '{}', cached_label_list text);
CREATE TABLE messages (id serial PRIMARY KEY, content text, account_id integer NOT NULL, inbox_id integer NOT NULL,
  conversation_id integer NOT NULL, message_type integer NOT NULL, created_at timestamp NOT NULL,
  updated_at timestamp NOT NULL, private boolean DEFAULT false NOT NULL, status integer DEFAULT 0,
  content_type integer DEFAULT 0 NOT NULL, sender_type varchar, sender_id bigint);
CREATE TABLE attachments (id serial PRIMARY KEY, file_type integer DEFAULT 0, external_url varchar,
  message_id integer NOT NULL, account_id integer NOT NULL, created_at timestamp NOT NULL, updated_at timestamp NOT NULL,
  fallback_title varchar, extension varchar);
CREATE TABLE active_storage_blobs (id bigserial PRIMARY KEY, key varchar NOT NULL, filename varchar NOT NULL,
  content_type varchar, metadata text, byte_size bigint NOT NULL, checksum varchar, created_at timestamp NOT NULL,
  service_name varchar NOT NULL);
CREATE TABLE active_storage_attachments (id bigserial PRIMARY KEY, name varchar NOT NULL, record_type varchar NOT NULL,
  record_id bigint NOT NULL, blob_id bigint NOT NULL, created_at timestamp NOT NULL);

INSERT INTO contacts (id, name, email, account_id, created_at, updated_at) VALUES
  (1, 'Zoë Müller', 'zoe@example.de', 1, now(), now()),
  (2, '', NULL, 1, now(), now());
INSERT INTO users (id, name, email, created_at, updated_at) VALUES (7, 'Priya', 'priya@helpdesk.example', now(), now());
INSERT INTO conversations (id, account_id, inbox_id, status, created_at, updated_at, contact_id, display_id, additional_attributes, cached_label_list) VALUES
  (501, 1, 1, 1, '2024-05-01 08:00', now(), 1, 11, '{"mail_subject": "Rechnung falsch"}', 'billing,vip'),
  (502, 1, 2, 0, '2024-05-02 09:00', now(), 2, 12, '{}', NULL),
  (503, 1, 2, 2, '2024-05-03 09:00', now(), 1, 13, '{}', NULL);
INSERT INTO messages (id, content, account_id, inbox_id, conversation_id, message_type, created_at, updated_at, private, sender_type, sender_id) VALUES
  (9001, 'Die Rechnung ist falsch', 1, 1, 501, 0, '2024-05-01 08:00', now(), false, 'Contact', 1),
  (9004, 'Fixed, sorry!', 1, 1, 501, 1, '2024-05-01 09:30', now(), false, 'User', 7),
  (9002, 'Customer is VIP', 1, 1, 501, 1, '2024-05-01 09:00', now(), true, 'User', 7),
  (9003, 'Conversation was resolved by Priya', 1, 1, 501, 2, '2024-05-01 09:31', now(), false, NULL, NULL),
  (9010, 'hi?', 1, 2, 502, 0, '2024-05-02 09:00', now(), false, 'Contact', 2),
  (9011, 'Hello! How can I help?', 1, 2, 502, 1, '2024-05-02 09:01', now(), false, 'User', 7),
  (9012, 'my order is late', 1, 2, 502, 0, '2024-05-02 09:02', now(), false, 'Contact', 2),
  (9013, '', 1, 2, 502, 1, '2024-05-02 09:03', now(), false, 'User', 7);
INSERT INTO attachments (id, message_id, account_id, created_at, updated_at, external_url, fallback_title) VALUES
  (1, 9001, 1, now(), now(), NULL, NULL),
  (2, 9004, 1, now(), now(), NULL, NULL),
  (3, 9011, 1, now(), now(), 'https://cdn.example.com/welcome.png', 'welcome');
INSERT INTO active_storage_blobs (id, key, filename, content_type, byte_size, created_at, service_name) VALUES
  (1, 'ab12cd34ef', 'rechnung.pdf', 'application/pdf', 8, now(), 'local'),
  (2, 'ff00ee11dd', 'fixed.png', 'image/png', 3, now(), 'local');
INSERT INTO active_storage_attachments (name, record_type, record_id, blob_id, created_at) VALUES
  ('file', 'Attachment', 1, 1, now()), ('file', 'Attachment', 2, 2, now());
`

func TestChatwootPreset(t *testing.T) {
	srv := pgtest.Start(t)
	srv.Load(t, chatwootSQL)
	storage := wine.TempDir(t) // Chatwoot's storage/ folder: <key[0:2]>/<key[2:4]>/<key>
	for key, data := range map[string]string{"ab12cd34ef": "%PDF-1.4", "ff00ee11dd": "png"} {
		dir := filepath.Join(storage, key[:2], key[2:4])
		os.MkdirAll(dir, 0o755)
		os.WriteFile(filepath.Join(dir, key), []byte(data), 0o644)
	}
	plan := testutil.Plan(t, openPreset(t, srv.DSN, "chatwoot", readers.PostgresOptions{AttachmentsRoot: storage}), planner.Options{})
	if got := order(plan); got != "ticket/501 attachments/501 reply/message-9004 ticket/502 reply/message-9011" {
		t.Errorf("order = %s", got)
	}
	problems := testutil.Problems(plan)
	for _, want := range []string{
		"tickets ticket_id=503: error: ticket 503 body: the first message is empty",
		"replies reply_id=message-9012: error: reply message-9012 author_email: the author has no email",
		"replies reply_id=message-9013: error: reply message-9013 body: the message is empty",
	} {
		if !strings.Contains(strings.Join(problems, "\n"), want) {
			t.Errorf("no problem %q among:\n%s", want, strings.Join(problems, "\n"))
		}
	}
	if plan.Stats.InternalSkipped != 1 {
		t.Errorf("internal notes skipped = %d, want 1 (the private note)", plan.Stats.InternalSkipped)
	}
	ev, _ := plan.Event(plan.Tickets[0].Job)
	if ev.Title != "Rechnung falsch" || ev.Body != "Die Rechnung ist falsch" || ev.Requester.Name != "Zoë Müller" ||
		ev.Properties["status"] != "resolved" || ev.Properties["tags"] != "billing, vip" || ev.Created.Format("2006-01-02 15:04") != "2024-05-01 08:00" {
		t.Errorf("conversation 501 = %+v", ev)
	}
	followUp, _ := plan.Reply(plan.Tickets[0].Replies[0])
	if len(followUp.Files) != 1 || followUp.Files[0].Name != "rechnung.pdf" {
		t.Errorf("first message's PDF should follow the ticket: %+v", followUp)
	}
	fixed, _ := plan.Reply(plan.Tickets[0].Replies[1])
	if fixed.Author.Email != "priya@helpdesk.example" || len(fixed.Files) != 1 || fixed.Files[0].Name != "fixed.png" {
		t.Errorf("reply 9004 = %+v", fixed)
	}
	welcome, _ := plan.Reply(plan.Tickets[1].Replies[0])
	if len(welcome.ImageURLs) != 1 {
		t.Errorf("reply 9011 = %+v, want its external image", welcome)
	}
	if ev2, _ := plan.Event(plan.Tickets[1].Job); ev2.Title != "Conversation #12" {
		t.Errorf("a chat without a subject is titled %q", ev2.Title)
	}
}

func TestPresetOnAnotherDatabase(t *testing.T) {
	srv := pgtest.Start(t)
	q, tables, _ := readers.Preset("chatwoot")
	_, err := readers.OpenPostgres(context.Background(), readers.PostgresOptions{DSN: srv.DSN, Queries: q, Tables: tables, Helpdesk: "chatwoot"})
	if err == nil || !strings.Contains(err.Error(), "this does not look like a chatwoot database") || !strings.Contains(err.Error(), "table conversations not found") {
		t.Errorf("OpenPostgres(empty database) = %v", err)
	}
	if _, _, err := readers.Preset("osticket"); err == nil || !strings.Contains(err.Error(), `no preset "osticket"`) {
		t.Errorf("Preset(osticket) = %v", err)
	}
}

// order lists a plan's job keys in sending order.
func order(p *planner.Plan) string {
	var keys []string
	for key := range p.All() {
		keys = append(keys, key)
	}
	return strings.Join(keys, " ")
}

// TestPresetIsAQueryFile: a preset is a query file; written out and read
// back with LoadQueries, it plans the same database identically — the path
// an admin takes to adapt a preset to a customised helpdesk.
func TestPresetIsAQueryFile(t *testing.T) {
	srv := pgtest.Start(t)
	srv.Load(t, chatwootSQL)
	ctx := context.Background()
	preset, tables, _ := readers.Preset("chatwoot")
	file := filepath.Join(wine.TempDir(t), "chatwoot.sql")
	os.WriteFile(file, []byte("-- name: tickets\n"+preset.Tickets+"\n-- name: replies\n"+preset.Replies+"\n-- name: attachments\n"+preset.Attachments+"\n"), 0o644)
	fromFile, err := readers.LoadQueries(file)
	if err != nil {
		t.Fatal(err)
	}
	var prints []string
	for _, opts := range []readers.PostgresOptions{
		{DSN: srv.DSN, Queries: preset, Tables: tables, Helpdesk: "chatwoot"},
		{DSN: srv.DSN, Queries: fromFile},
	} {
		src, err := readers.OpenPostgres(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		prints = append(prints, testutil.Plan(t, src, planner.Options{}).Fingerprint)
		src.Close()
	}
	if prints[0] != prints[1] {
		t.Errorf("preset and query file plan differently: %v", prints)
	}
}
