package readers_test

import (
	"crypto/sha256"
	"encoding/hex"
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

// zammadSQL is a faithful subset of Zammad's schema (create_base,
// create_ticket: the tables and columns the preset reads) with dirty data.
const zammadSQL = `
CREATE TABLE users (id serial PRIMARY KEY, login varchar(255) NOT NULL, firstname varchar(100), lastname varchar(100), email varchar(255));
CREATE TABLE ticket_states (id serial PRIMARY KEY, name varchar(250) NOT NULL);
CREATE TABLE tickets (id serial PRIMARY KEY, group_id integer, priority_id integer, state_id integer NOT NULL, number varchar(60) NOT NULL,
  title varchar(250) NOT NULL, owner_id integer, customer_id integer NOT NULL, created_at timestamp(3) NOT NULL, updated_at timestamp(3) NOT NULL);
CREATE TABLE ticket_article_senders (id serial PRIMARY KEY, name varchar(250) NOT NULL);
CREATE TABLE ticket_articles (id serial PRIMARY KEY, ticket_id integer NOT NULL, type_id integer NOT NULL, sender_id integer NOT NULL,
  "from" varchar(3000), subject varchar(3000), content_type varchar(20) DEFAULT 'text/plain' NOT NULL, body text NOT NULL,
  internal boolean DEFAULT false NOT NULL, created_by_id integer NOT NULL, created_at timestamp(3) NOT NULL, updated_at timestamp(3) NOT NULL);
CREATE TABLE store_objects (id serial PRIMARY KEY, name varchar(250) NOT NULL);
CREATE TABLE store_files (id serial PRIMARY KEY, sha varchar(128) NOT NULL, provider varchar(20));
CREATE TABLE stores (id serial PRIMARY KEY, store_object_id integer NOT NULL, store_file_id integer NOT NULL, o_id bigint NOT NULL,
  preferences varchar(2500), size varchar(50), filename varchar(250) NOT NULL, created_by_id integer NOT NULL);
CREATE TABLE store_provider_dbs (id serial PRIMARY KEY, sha varchar(128) NOT NULL, data bytea);

INSERT INTO users VALUES (1, '-', NULL, NULL, NULL), (2, 'nicole', 'Nicole', 'Braun', 'nicole.braun@zammad.org'), (3, 'agent', 'Åsa', 'Lind', 'asa@helpdesk.example');
INSERT INTO ticket_states VALUES (1, 'new'), (2, 'open'), (4, 'closed');
INSERT INTO ticket_article_senders VALUES (1, 'Agent'), (2, 'Customer'), (3, 'System');
INSERT INTO tickets (id, state_id, number, title, customer_id, created_at, updated_at) VALUES
  (7, 4, '31001', 'Welcome to Zammad!', 2, '2024-07-01 08:00', now()),
  (8, 2, '31002', 'Only a note so far', 2, '2024-07-02 08:00', now());
INSERT INTO ticket_articles (id, ticket_id, type_id, sender_id, content_type, body, internal, created_by_id, created_at, updated_at) VALUES
  (70, 7, 1, 2, 'text/html', '<div>Hello,<br>my <b>printer</b> is broken.</div>', false, 2, '2024-07-01 08:00', now()),
  (71, 7, 1, 3, 'text/plain', 'Your request has been received (auto reply)', false, 1, '2024-07-01 08:00:01', now()),
  (73, 7, 10, 1, 'text/plain', 'Check the warranty first', true, 3, '2024-07-01 08:30', now()),
  (72, 7, 1, 1, 'text/plain', 'Hi Nicole,
please send a photo.', false, 3, '2024-07-01 09:00', now()),
  (80, 8, 10, 1, 'text/plain', 'internal only', true, 3, '2024-07-02 08:00', now());
INSERT INTO store_objects VALUES (1, 'Ticket::Article'), (2, 'UploadCache');
INSERT INTO store_files VALUES (1, '__SHA_DB__', 'DB'), (2, '__SHA_FILE__', 'File');
INSERT INTO store_provider_dbs (sha, data) VALUES ('__SHA_DB__', decode('__PHOTO__', 'hex'));
INSERT INTO stores (store_object_id, store_file_id, o_id, filename, created_by_id) VALUES
  (1, 1, 70, 'broken-printer.jpg', 2),
  (1, 2, 72, 'manual.pdf', 3),
  (2, 1, 999, 'not-an-article.jpg', 2);
`

func TestZammadPreset(t *testing.T) {
	photo := "\xff\xd8\xff\xe0photo-bytes" // a JPEG's first bytes: the event takes it
	sum := sha256.Sum256([]byte(photo))
	srv := pgtest.Start(t)
	pdf := sha256.Sum256([]byte("%PDF-1.4"))
	pdfSHA := hex.EncodeToString(pdf[:])
	srv.Load(t, strings.NewReplacer("__SHA_DB__", hex.EncodeToString(sum[:]), "__SHA_FILE__", pdfSHA, "__PHOTO__", hex.EncodeToString([]byte(photo))).Replace(zammadSQL))
	// Where Zammad's Store::Provider::File writes it: the hash in folders
	// of 4, 4, 5, 5, 7 and 7 characters under storage/fs, the rest its name.
	fs := wine.TempDir(t)
	dir := filepath.Join(fs, pdfSHA[0:4], pdfSHA[4:8], pdfSHA[8:13], pdfSHA[13:18], pdfSHA[18:25], pdfSHA[25:32])
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, pdfSHA[32:]), []byte("%PDF-1.4"), 0o644)
	blobs := wine.TempDir(t)
	plan := testutil.Plan(t, openPreset(t, srv.DSN, "zammad", readers.PostgresOptions{AttachmentsRoot: fs, BlobDir: blobs}), planner.Options{})
	if got := order(plan); got != "ticket/7 reply/article-72" {
		t.Errorf("order = %s (the System's auto reply left out, the note skipped)", got)
	}
	ev, _ := plan.Event(plan.Tickets[0].Job)
	if ev.Title != "Welcome to Zammad!" || ev.Body != "Hello,\nmy printer is broken." || ev.Requester.Email != "nicole.braun@zammad.org" ||
		ev.Properties["status"] != "closed" || len(ev.Files) != 1 || ev.Files[0].Name != "broken-printer.jpg" {
		t.Errorf("ticket 7 = %+v", ev)
	}
	if data, err := os.ReadFile(filepath.Join(ev.Files[0].Root, ev.Files[0].Rel)); err != nil || string(data) != photo {
		t.Errorf("the photo from the database: %q, %v", data, err)
	}
	r, _ := plan.Reply(plan.Tickets[0].Replies[0])
	if r.Body != "Hi Nicole,\nplease send a photo." || r.Author.Name != "Åsa Lind" || len(r.Files) != 1 || r.Files[0].Name != "manual.pdf" {
		t.Errorf("reply 72 = %+v (plain text keeps its lines)", r)
	}
	problems := testutil.Problems(plan)
	if want := "tickets ticket_id=8: error: ticket 8 body: the first message is empty"; !strings.Contains(strings.Join(problems, "\n"), want) {
		t.Errorf("no problem %q among:\n%s", want, strings.Join(problems, "\n"))
	}
	if plan.Stats.InternalSkipped != 2 {
		t.Errorf("internal notes skipped = %d, want 2", plan.Stats.InternalSkipped)
	}
}
