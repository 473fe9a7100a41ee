package planner_test

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/internal/synth"
	"github.com/assembly-import/assembly-import/internal/testutil"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
)

// records is a Source over records in memory.
type records struct {
	recs []readers.Record
	i    int
}

func (r *records) Next(ctx context.Context) (readers.Record, error) {
	if r.i == len(r.recs) {
		return readers.Record{}, io.EOF
	}
	r.i++
	return r.recs[r.i-1], nil
}

func (r *records) Close() error { return nil }

var (
	now  = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	day  = func(d int) time.Time { return time.Date(2024, 1, d, 12, 0, 0, 0, time.UTC) }
	anna = readers.User{Email: "anna@example.com", Name: "Anna", SourceID: "u1"}
)

func ticket(key string, created time.Time) readers.Record {
	return readers.Record{Ticket: &readers.Ticket{Origin: "tickets.csv:" + key, Key: key, Title: "Title " + key,
		Created: created, Requester: anna, Body: "Body " + key}}
}

func reply(key, ticketKey string, created time.Time) readers.Record {
	return readers.Record{Reply: &readers.Reply{Origin: "replies.csv:" + key, Key: key, TicketKey: ticketKey,
		Created: created, Author: anna, Body: "Reply " + key}}
}

func build(t *testing.T, opts planner.Options, recs ...readers.Record) *planner.Plan {
	t.Helper()
	opts.Now = func() time.Time { return now }
	opts.SpillDir = t.TempDir()
	plan, err := planner.Build(context.Background(), &records{recs: recs}, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { plan.Close() })
	return plan
}

// order lists a plan's job keys in sending order.
func order(p *planner.Plan) string {
	var keys []string
	for _, t := range p.Tickets {
		keys = append(keys, p.Key(t.Job))
		for _, r := range t.Replies {
			keys = append(keys, p.Key(r))
		}
	}
	return strings.Join(keys, " ")
}

func TestOrder(t *testing.T) {
	plan := build(t, planner.Options{},
		reply("r3", "B", day(5)),
		ticket("B", day(2)),
		reply("r2", "A", day(4)),
		reply("r1b", "A", day(3)),
		reply("r1a", "A", day(3)), // same time as r1b: ties go by id
		ticket("A", day(2)),       // same time as B: ties go by id
		ticket("C", day(1)),
	)
	want := "ticket/C ticket/A reply/r1a reply/r1b reply/r2 ticket/B reply/r3"
	if got := order(plan); got != want {
		t.Errorf("order = %s\nwant    %s", got, want)
	}
	if plan.Stats.TicketJobs != 3 || plan.Stats.ReplyJobs != 4 || len(plan.Problems) != 0 {
		t.Errorf("stats %+v, problems %v", plan.Stats, plan.Problems)
	}
}

func TestDeterminism(t *testing.T) {
	recs := func() []readers.Record {
		var out []readers.Record
		for i := range 50 {
			out = append(out, ticket(fmt.Sprint("t", i%7, i), day(1+i%5)))
			out = append(out, reply(fmt.Sprint("r", i), fmt.Sprint("t", i%7, i), day(10+i%3)))
		}
		return out
	}
	a, b := build(t, planner.Options{}, recs()...), build(t, planner.Options{}, recs()...)
	if order(a) != order(b) || a.Fingerprint != b.Fingerprint {
		t.Fatalf("the same input planned twice differs:\n%s\n%s", order(a), order(b))
	}
	// The fingerprint is the content, not where it was read from.
	moved := recs()
	for _, r := range moved {
		if r.Ticket != nil {
			r.Ticket.Origin = "tickets!A1"
		} else {
			r.Reply.Origin = "replies!A1"
		}
	}
	if c := build(t, planner.Options{}, moved...); c.Fingerprint != a.Fingerprint {
		t.Errorf("fingerprint changed with origins only")
	}
	changed := recs()
	changed[1].Reply.Body = "edited"
	if c := build(t, planner.Options{}, changed...); c.Fingerprint == a.Fingerprint {
		t.Errorf("fingerprint did not change with a reply's body")
	}
	if c := build(t, planner.Options{IDPrefix: "zd-"}, recs()...); c.Fingerprint == a.Fingerprint {
		t.Errorf("fingerprint did not change with the id prefix")
	}
}

func TestPayloads(t *testing.T) {
	tk := ticket("T1", day(1))
	tk.Ticket.Status, tk.Ticket.Tags, tk.Ticket.Company = "open", []string{"vip", "billing"}, "acme"
	tk.Ticket.Extra = map[string]string{"Priority": "high"}
	rp := reply("R1", "T1", day(2))
	plan := build(t, planner.Options{IDPrefix: "zd-"}, tk, rp)
	ev, err := plan.Event(plan.Tickets[0].Job)
	if err != nil {
		t.Fatal(err)
	}
	if ev.SSID != "zd-T1" || ev.Title != "Title T1" || ev.Body != "Body T1" || ev.Company != "acme" || !ev.Created.Equal(day(1)) ||
		ev.Properties["status"] != "open" || ev.Properties["tags"] != "vip, billing" || ev.Properties["Priority"] != "high" {
		t.Errorf("event = %+v", ev)
	}
	r, err := plan.Reply(plan.Tickets[0].Replies[0])
	if err != nil {
		t.Fatal(err)
	}
	if r.SSID != "zd-R1" || r.TicketSSID != "zd-T1" || r.Body != "Reply R1" || r.Author != anna || r.Origin != "replies.csv:R1" {
		t.Errorf("reply = %+v", r)
	}
}

func TestInternalNotes(t *testing.T) {
	note := reply("n1", "T1", day(2))
	note.Reply.Internal = true
	skip := build(t, planner.Options{}, ticket("T1", day(1)), note, reply("r1", "T1", day(3)))
	if skip.Stats.InternalSkipped != 1 || skip.Stats.ReplyJobs != 1 {
		t.Errorf("skip: stats %+v", skip.Stats)
	}
	note = reply("n1", "T1", day(2))
	note.Reply.Internal = true
	incl := build(t, planner.Options{InternalNotes: planner.InternalInclude}, ticket("T1", day(1)), note)
	r, err := incl.Reply(incl.Tickets[0].Replies[0])
	if err != nil {
		t.Fatal(err)
	}
	if incl.Stats.InternalIncluded != 1 || !strings.HasPrefix(r.Body, "[Internal note]\n") {
		t.Errorf("include: stats %+v, body %q", incl.Stats, r.Body)
	}
}

func TestValidation(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	for _, f := range []string{filepath.Join(root, "ok.pdf"), filepath.Join(outside, "secret.txt")} {
		if err := os.WriteFile(f, []byte("%PDF"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(outside, "secret.txt"), filepath.Join(root, "link.txt")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	for name, size := range map[string]int64{"max.bin": assembly.MaxReplyFileSize, "over.bin": assembly.MaxReplyFileSize + 1} {
		f, err := os.Create(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Truncate(size); err != nil { // sparse: no 32 MB written
			t.Fatal(err)
		}
		f.Close()
	}
	with := func(r readers.Record, edit func(*readers.Reply)) readers.Record { edit(r.Reply); return r }
	withT := func(r readers.Record, edit func(*readers.Ticket)) readers.Record { edit(r.Ticket); return r }
	attach := func(refs string) func(*readers.Reply) {
		return func(r *readers.Reply) { r.Attachments = readers.SplitAttachments(refs, ";", root) }
	}
	base := ticket("T", day(1))
	tests := []struct {
		name   string
		recs   []readers.Record
		sev    planner.Severity
		kind   string
		origin string
		field  string
		words  string
	}{
		{"reader problem", []readers.Record{withT(ticket("X", day(1)), func(t *readers.Ticket) {
			t.Problems = []readers.FieldProblem{{Field: "created_at", Message: `"soon" is not a timestamp`}}
		})}, planner.SeverityError, planner.ProblemBadValue, "tickets.csv:X", "created_at", "soon"},
		{"unreadable row", []readers.Record{{Reply: &readers.Reply{Origin: "replies.csv:9",
			Problems: []readers.FieldProblem{{Message: "unreadable CSV row: bare quote"}}}}},
			planner.SeverityError, planner.ProblemUnreadable, "replies.csv:9", "", "bare quote"},
		{"ticket without id", []readers.Record{withT(ticket("X", day(1)), func(t *readers.Ticket) { t.Key = "" })},
			planner.SeverityError, planner.ProblemMissing, "tickets.csv:X", "ticket_id", "no id"},
		{"duplicate ticket", []readers.Record{base, withT(ticket("T", day(1)), func(t *readers.Ticket) { t.Origin = "tickets.csv:9" })},
			planner.SeverityError, planner.ProblemDuplicate, "tickets.csv:9", "ticket_id", "first seen at tickets.csv:T"},
		{"empty title", []readers.Record{withT(ticket("X", day(1)), func(t *readers.Ticket) { t.Title = " " })},
			planner.SeverityError, planner.ProblemMissing, "tickets.csv:X", "title", "title is empty"},
		{"empty ticket body", []readers.Record{withT(ticket("X", day(1)), func(t *readers.Ticket) { t.Body = "" })},
			planner.SeverityError, planner.ProblemEmptyBody, "tickets.csv:X", "body", "first message is empty"},
		{"missing time", []readers.Record{withT(ticket("X", time.Time{}), func(*readers.Ticket) {})},
			planner.SeverityError, planner.ProblemMissing, "tickets.csv:X", "created_at", "empty"},
		{"future time", []readers.Record{ticket("X", now.Add(time.Hour))},
			planner.SeverityError, planner.ProblemFuture, "tickets.csv:X", "created_at", "in the future"},
		{"requester without identity", []readers.Record{withT(ticket("X", day(1)), func(t *readers.Ticket) { t.Requester = readers.User{Name: "Nobody"} })},
			planner.SeverityError, planner.ProblemIdentity, "tickets.csv:X", "requester_email", "neither an email nor an id"},
		{"bad email", []readers.Record{withT(ticket("X", day(1)), func(t *readers.Ticket) { t.Requester.Email = "anna at example" })},
			planner.SeverityError, planner.ProblemBadValue, "tickets.csv:X", "requester_email", "not an email address"},
		{"author without email", []readers.Record{base, with(reply("R", "T", day(2)), func(r *readers.Reply) { r.Author.Email = "" })},
			planner.SeverityError, planner.ProblemIdentity, "replies.csv:R", "author_email", "author has no email"},
		{"orphan reply", []readers.Record{base, reply("R", "nope", day(2))},
			planner.SeverityError, planner.ProblemOrphan, "replies.csv:R", "ticket_id", "there is no ticket nope"},
		{"reply of a bad ticket", []readers.Record{withT(ticket("X", day(1)), func(t *readers.Ticket) { t.Title = "" }), reply("R", "X", day(2))},
			planner.SeverityError, planner.ProblemTicketBlocked, "replies.csv:R", "ticket_id", "ticket X has errors"},
		{"duplicate reply", []readers.Record{base, reply("R", "T", day(2)), with(reply("R", "T", day(3)), func(r *readers.Reply) { r.Origin = "replies.csv:9" })},
			planner.SeverityError, planner.ProblemDuplicate, "replies.csv:9", "reply_id", "first seen at replies.csv:R"},
		{"reply without ticket id", []readers.Record{base, reply("R", "", day(2))},
			planner.SeverityError, planner.ProblemMissing, "replies.csv:R", "ticket_id", "names no ticket"},
		{"empty reply", []readers.Record{base, with(reply("R", "T", day(2)), func(r *readers.Reply) { r.Body = "\n" })},
			planner.SeverityError, planner.ProblemEmptyBody, "replies.csv:R", "body", "message is empty"},
		{"reply older than ticket", []readers.Record{base, reply("R", "T", day(1).Add(-time.Hour))},
			planner.SeverityWarning, planner.ProblemBeforeTicket, "replies.csv:R", "created_at", "older than its ticket"},
		{"missing file", []readers.Record{base, with(reply("R", "T", day(2)), attach("gone.png"))},
			planner.SeverityError, planner.ProblemAttachment, "replies.csv:R", "attachments", `"gone.png" does not exist`},
		{"file over 32 MB", []readers.Record{base, with(reply("R", "T", day(2)), attach("over.bin"))},
			planner.SeverityError, planner.ProblemAttachment, "replies.csv:R", "attachments", "over Assembly's 32 MB limit"},
		{"path with ..", []readers.Record{base, with(reply("R", "T", day(2)), attach("../secret.txt"))},
			planner.SeverityError, planner.ProblemAttachment, "replies.csv:R", "attachments", "leads outside"},
		{"absolute path", []readers.Record{base, with(reply("R", "T", day(2)), attach(filepath.Join(outside, "secret.txt")))},
			planner.SeverityError, planner.ProblemAttachment, "replies.csv:R", "attachments", "absolute path"},
		{"symlink outside", []readers.Record{base, with(reply("R", "T", day(2)), attach("link.txt"))},
			planner.SeverityError, planner.ProblemAttachment, "replies.csv:R", "attachments", "outside the attachment folder"},
		{"folder", []readers.Record{base, with(reply("R", "T", day(2)), attach("dir"))},
			planner.SeverityError, planner.ProblemAttachment, "replies.csv:R", "attachments", "not a regular file"},
		{"bad URL", []readers.Record{base, with(reply("R", "T", day(2)), func(r *readers.Reply) {
			r.Attachments = []readers.Attachment{{Ref: "https://", URL: "https://"}}
		})}, planner.SeverityError, planner.ProblemAttachment, "replies.csv:R", "attachments", "not a valid http(s) URL"},
		{"link to a non-image", []readers.Record{base, with(reply("R", "T", day(2)), attach("https://files.example.com/a.pdf"))},
			planner.SeverityWarning, planner.ProblemAttachmentLink, "replies.csv:R", "attachments", "link is added to the message text"},
		{"only attachments", []readers.Record{base, with(reply("R", "T", day(2)), func(r *readers.Reply) {
			r.Body = ""
			attach("ok.pdf")(r)
		})}, planner.SeverityWarning, planner.ProblemEmptyBody, "replies.csv:R", "body", "file names as its text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := build(t, planner.Options{}, tt.recs...)
			want := 1
			if tt.kind == planner.ProblemTicketBlocked {
				want = 2 // the ticket's own problem, then its reply's
			}
			if len(plan.Problems) != want {
				t.Fatalf("problems = %v, want %d", plan.Problems, want)
			}
			p := plan.Problems[want-1]
			if p.Severity != tt.sev || p.Kind != tt.kind || p.Origin != tt.origin || p.Field != tt.field || !strings.Contains(p.Message, tt.words) {
				t.Errorf("problem = %+v\nwant %s %s at %s [%s] saying %q", p, tt.sev, tt.kind, tt.origin, tt.field, tt.words)
			}
			blocked := tt.sev == planner.SeverityError
			if sent := plan.Stats.TicketJobs + plan.Stats.ReplyJobs; blocked && sent != len(tt.recs)-1 && tt.kind != planner.ProblemTicketBlocked {
				t.Errorf("%d jobs planned for %d records: an error must keep exactly its item out", sent, len(tt.recs))
			}
		})
	}
}

func TestAttachmentsResolved(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "sub", "shot.png"), []byte(pngMagic), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(root, "max.bin"))
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(assembly.MaxReplyFileSize) // exactly 32 MB is allowed
	f.Close()
	r := reply("R", "T", day(2))
	r.Reply.Attachments = readers.SplitAttachments(`sub/shot.png;sub\shot.png;max.bin;https://cdn.example.com/x.JPG?s=1`, ";", root)
	plan := build(t, planner.Options{}, ticket("T", day(1)), r)
	if len(plan.Problems) != 0 {
		t.Fatalf("problems: %v", plan.Problems)
	}
	got, err := plan.Reply(plan.Tickets[0].Replies[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Files) != 3 || got.Files[0].Name != "shot.png" || got.Files[0].ContentType != "image/png" ||
		filepath.Join(got.Files[0].Root, got.Files[0].Rel) != filepath.Join(root, "sub", "shot.png") || got.Files[2].Size != assembly.MaxReplyFileSize {
		t.Errorf("files = %+v", got.Files)
	}
	if len(got.ImageURLs) != 1 || plan.Stats.Attachments != 4 {
		t.Errorf("image URLs %v, stats %+v", got.ImageURLs, plan.Stats)
	}
}

func TestProject(t *testing.T) {
	// The design's arithmetic: 100,000 tickets and 400,000 replies.
	p := planner.Project(100_000, 400_000, planner.Limits{EventsPerSec: 30, RepliesPerMin: 60})
	if p.EventsSeconds < 3333 || p.EventsSeconds > 3334 || p.RepliesSeconds != 400_000 {
		t.Errorf("Project = %+v", p)
	}
	if got := planner.Duration(p.TotalSeconds); got != "4d 15h" {
		t.Errorf("Duration(%v) = %q, want 4d 15h", p.TotalSeconds, got)
	}
}

// TestFirstMessageAttachments: the event carries JPG/PNG files and links up
// to 4 MB; everything else goes on a follow-up message, first in the
// ticket's reply lane, from the requester.
// The first bytes of a PNG and of a JPEG, which is what sniffing reads.
const (
	pngMagic  = "\x89PNG\r\n\x1a\n"
	jpegMagic = "\xff\xd8\xff\xe0"
)

func TestFirstMessageAttachments(t *testing.T) {
	root := t.TempDir()
	for name, f := range map[string]struct {
		head string
		size int64
	}{
		"small.png": {pngMagic, 100}, "photo.JPG": {jpegMagic, 200}, "huge.png": {pngMagic, 4_100_000 /* over 4 MB, under 4 MiB */},
		"doc.pdf": {"%PDF-1.4", 300}, "fake.png": {"%PDF-1.4", 300},
	} {
		os.WriteFile(filepath.Join(root, name), []byte(f.head), 0o644)
		os.Truncate(filepath.Join(root, name), f.size)
	}
	tk := ticket("T", day(1))
	tk.Ticket.Attachments = readers.SplitAttachments("small.png;photo.JPG;huge.png;doc.pdf;fake.png;https://x.example/a.png;https://x.example/b.gif", ";", root)
	plan := build(t, planner.Options{}, tk, reply("R", "T", day(2)))
	// A "png" whose bytes are a PDF goes on the follow-up as a file: the
	// API would refuse the event, and the ticket with it.
	if len(plan.Problems) != 1 || !strings.Contains(plan.Problems[0].Message, `"fake.png" is named as an image, but its bytes are application/pdf`) {
		t.Fatalf("problems: %v", plan.Problems)
	}
	ev, _ := plan.Event(plan.Tickets[0].Job)
	if len(ev.Files) != 2 || ev.Files[0].Name != "small.png" || ev.Files[1].Name != "photo.JPG" || len(ev.ImageURLs) != 1 {
		t.Errorf("event files %+v, urls %v; want the two small images and a.png", ev.Files, ev.ImageURLs)
	}
	if got := order(plan); got != "ticket/T attachments/T reply/R" {
		t.Errorf("order = %s, want the follow-up right after the ticket", got)
	}
	f, _ := plan.Reply(plan.Tickets[0].Replies[0])
	if len(f.Files) != 3 || f.Files[0].Name != "huge.png" || f.Files[1].Name != "doc.pdf" || f.Files[2].Name != "fake.png" ||
		f.Files[2].ContentType != "application/pdf" || len(f.ImageURLs) != 1 ||
		f.Author != anna || f.TicketSSID != "T" || !strings.Contains(f.Body, "huge.png, doc.pdf, fake.png") {
		t.Errorf("follow-up = %+v", f)
	}
	if plan.Stats.FollowUps != 1 || plan.Stats.Attachments != 7 || plan.Stats.ReplyJobs != 2 || plan.Stats.Invalid != 0 {
		t.Errorf("stats = %+v", plan.Stats)
	}
}

func TestOversizeAndDownloads(t *testing.T) {
	root := t.TempDir()
	f, _ := os.Create(filepath.Join(root, "big.bin"))
	f.Truncate(32_500_000) // over 32 MB, under 32 MiB: either server may count so
	f.Close()
	r := reply("R", "T", day(2))
	r.Reply.Attachments = readers.SplitAttachments("big.bin;https://old.example/files/report.xlsx", ";", root)
	plan := build(t, planner.Options{Oversize: planner.FileSkip, DownloadURLs: true}, ticket("T", day(1)), r)
	if len(plan.Problems) != 1 || plan.Problems[0].Severity != planner.SeverityWarning || !strings.Contains(plan.Problems[0].Message, "--oversize skip") {
		t.Fatalf("problems = %v, want one warning for the skipped file", plan.Problems)
	}
	got, _ := plan.Reply(plan.Tickets[0].Replies[0])
	if len(got.Files) != 0 || len(got.Downloads) != 1 || !strings.Contains(got.Body, "big.bin (not migrated: over 32 MB)") {
		t.Errorf("reply = %+v", got)
	}
}

// An image link on a host behind a login (--download-hosts) is fetched
// and uploaded with --download-urls; without it, it goes as an image URL
// with a warning that Assembly cannot open it.
func TestImageLinksBehindALogin(t *testing.T) {
	r := reply("R", "T", day(2))
	r.Reply.Attachments = readers.SplitAttachments("https://acme.atlassian.net/secure/attachment/1/shot.png;https://cdn.example/pub.png", ";", "")
	plan := build(t, planner.Options{DownloadURLs: true, LoginHosts: []string{"ACME.atlassian.net"}}, ticket("T", day(1)), r)
	got, _ := plan.Reply(plan.Tickets[0].Replies[0])
	if len(got.Downloads) != 1 || !strings.Contains(got.Downloads[0], "acme") || len(got.ImageURLs) != 1 || !strings.Contains(got.ImageURLs[0], "cdn") {
		t.Errorf("with --download-urls: downloads %v, image URLs %v", got.Downloads, got.ImageURLs)
	}
	plan = build(t, planner.Options{LoginHosts: []string{"acme.atlassian.net"}}, ticket("T", day(1)), r)
	if len(plan.Problems) != 1 || !strings.Contains(plan.Problems[0].Message, "--download-urls fetches it with the login") {
		t.Errorf("without --download-urls: problems %v, want the login warning", plan.Problems)
	}
}

// TestLargeUnsortedInput plans a synthetic export of 50,000 replies in
// random order and checks the plan against a reference computed the
// simple way, in memory; and that planning it twice gives the same plan.
func TestLargeUnsortedInput(t *testing.T) {
	dir := t.TempDir()
	if err := synth.Write(dir, 5000, 50_000, 0, 7); err != nil {
		t.Fatal(err)
	}
	a, b := testutil.PlanCSV(t, dir, planner.Options{}), testutil.PlanCSV(t, dir, planner.Options{})
	if a.Fingerprint != b.Fingerprint || order(a) != order(b) {
		t.Fatal("the same export planned twice differs")
	}
	// The reference: every row in memory, sorted by (created, id).
	type row struct {
		key, ticket string
		created     time.Time
	}
	load := func(name string, key, ticket, created int) []row {
		f, _ := os.Open(filepath.Join(dir, name))
		defer f.Close()
		recs, err := csv.NewReader(f).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var out []row
		for _, r := range recs[1:] {
			c, _, err := readers.ParseTime(r[created], time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			tk := ""
			if ticket >= 0 {
				tk = r[ticket]
			}
			out = append(out, row{r[key], tk, c})
		}
		slices.SortFunc(out, func(x, y row) int { return cmp.Or(x.created.Compare(y.created), cmp.Compare(x.key, y.key)) })
		return out
	}
	tickets, replies := load("tickets.csv", 0, -1, 2), load("replies.csv", 0, 1, 2)
	byTicket := map[string][]string{}
	for _, r := range replies {
		byTicket[r.ticket] = append(byTicket[r.ticket], "reply/"+r.key)
	}
	var want []string
	for _, tk := range tickets {
		want = append(want, "ticket/"+tk.key)
		want = append(want, byTicket[tk.key]...)
	}
	if got := order(a); got != strings.Join(want, " ") {
		t.Errorf("the plan's order differs from the reference (%d jobs, want %d)", len(strings.Fields(got)), len(want))
	}
}

// endless is a Source of ever more tickets that fails with err after n
// records (never, if err is nil), and cancels after cancelAt (if set).
type endless struct {
	n, cancelAt int
	err         error
	cancel      context.CancelFunc
	read        int
	built       atomic.Bool // Build has returned: Next must not be called any more
	t           *testing.T
}

func (e *endless) Next(ctx context.Context) (readers.Record, error) {
	if e.built.Load() {
		e.t.Error("Next called after Build returned")
	}
	if err := ctx.Err(); err != nil {
		return readers.Record{}, err
	}
	e.read++
	if e.err != nil && e.read > e.n {
		return readers.Record{}, e.err
	}
	if e.read == e.cancelAt {
		e.cancel()
	}
	return ticket(fmt.Sprint(e.read), day(1)), nil
}

func (e *endless) Close() error { return nil }

// The source is read ahead in a goroutine: its error, or a cancelled
// context, still ends Build with that error, and the source is not used
// once Build has returned.
func TestReadAheadStops(t *testing.T) {
	broken := errors.New("connection reset")
	src := &endless{n: 1500, err: broken, t: t}
	_, err := planner.Build(context.Background(), src, planner.Options{SpillDir: t.TempDir()})
	src.built.Store(true)
	if !errors.Is(err, broken) {
		t.Errorf("Build over a source failing after 1500 records = %v, want %v", err, broken)
	}

	ctx, cancel := context.WithCancel(context.Background())
	src = &endless{cancelAt: 5000, cancel: cancel, t: t}
	_, err = planner.Build(ctx, src, planner.Options{SpillDir: t.TempDir()})
	src.built.Store(true)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Build cancelled after 5000 records = %v, want context.Canceled", err)
	}
}

// A job's content hash follows what is sent: a reply's time to the
// nanosecond, its author, its body; not where it was read from.
func TestContentHash(t *testing.T) {
	base := func() []readers.Record { return []readers.Record{ticket("t", day(1)), reply("r", "t", day(2))} }
	hashOf := func(p *planner.Plan) uint64 {
		for key, hash := range p.All() {
			if key == "reply/r" {
				return hash
			}
		}
		t.Fatal("no job reply/r")
		return 0
	}
	want := hashOf(build(t, planner.Options{}, base()...))
	for _, c := range []struct {
		name string
		edit func(*readers.Reply)
		same bool
	}{
		{"a nanosecond later", func(r *readers.Reply) { r.Created = r.Created.Add(time.Nanosecond) }, false},
		{"another author name", func(r *readers.Reply) { r.Author.Name = "Anne" }, false},
		{"a body with one more space", func(r *readers.Reply) { r.Body += " " }, false},
		{"read from elsewhere", func(r *readers.Reply) { r.Origin = "replies!A9" }, true},
	} {
		recs := base()
		c.edit(recs[1].Reply)
		if got := hashOf(build(t, planner.Options{}, recs...)); (got == want) != c.same {
			t.Errorf("%s: hash %x, unedited %x; want them equal: %v", c.name, got, want, c.same)
		}
	}
}

// A reader's warning (a daylight-saving time, read but not beyond doubt)
// is a warning of the plan: the item still goes.
func TestReaderWarnings(t *testing.T) {
	r := reply("R", "T", day(2))
	r.Reply.Problems = []readers.FieldProblem{{Field: "created_at", Message: "02:30 happened twice", Warning: true}}
	tk := ticket("T", day(1))
	tk.Ticket.Requester = readers.User{Name: "Bo", SourceID: "u7"} // no email: a follow-up would need one
	tk.Ticket.Attachments = []readers.Attachment{{Ref: "a.pdf", Path: "a.pdf", Name: "a.pdf", Root: t.TempDir()}}
	os.WriteFile(filepath.Join(tk.Ticket.Attachments[0].Root, "a.pdf"), []byte("%PDF"), 0o644)
	plan := build(t, planner.Options{}, tk, r)
	var got []string
	for _, p := range plan.Problems {
		got = append(got, string(p.Severity)+" "+p.Kind+" "+p.Item+" "+p.Field)
	}
	want := []string{"error no-identity ticket T requester_email", "warning bad-value reply R created_at", "error ticket-blocked reply R ticket_id"}
	if !slices.Equal(got, want) {
		t.Errorf("problems = %q, want %q", got, want)
	}
}

// A file missing from the export blocks its message, or with
// --missing-files skip goes unsent, its name in the message's text.
func TestMissingFiles(t *testing.T) {
	root := t.TempDir()
	r := reply("R", "T", day(2))
	r.Reply.Attachments = readers.SplitAttachments("gone.pdf", ";", root)
	for _, tt := range []struct {
		policy planner.FilePolicy
		sev    planner.Severity
		body   string
	}{
		{planner.FileFail, planner.SeverityError, ""},
		{planner.FileSkip, planner.SeverityWarning, "Reply R\n\nAttachments:\ngone.pdf (not migrated: missing from the export's files)"},
	} {
		plan := build(t, planner.Options{MissingFiles: tt.policy}, ticket("T", day(1)), r)
		if len(plan.Problems) != 1 || plan.Problems[0].Severity != tt.sev || !strings.Contains(plan.Problems[0].Message, `"gone.pdf" does not exist in`) {
			t.Fatalf("%s: problems %v", tt.policy, plan.Problems)
		}
		if tt.body == "" {
			continue
		}
		got, _ := plan.Reply(plan.Tickets[0].Replies[0])
		if got.Body != tt.body || len(got.Files) != 0 {
			t.Errorf("%s: reply %+v", tt.policy, got)
		}
	}
}

// People without an email (Jira Cloud's CSV, chat exports) are errors on
// replies, or with DefaultAuthor sent as that person, the text naming who
// wrote them; a follow-up from a requester without one likewise.
func TestDefaultAuthor(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "a.pdf"), []byte("%PDF"), 0o644)
	tk := ticket("T", day(1))
	tk.Ticket.Requester = readers.User{Name: "Bo Lind", SourceID: "557058:f1"}
	tk.Ticket.Attachments = readers.SplitAttachments("a.pdf", ";", root)
	r := reply("R", "T", day(2))
	r.Reply.Author = readers.User{Name: "Ann Agent", SourceID: "5b10a2"}
	plan := build(t, planner.Options{}, tk, r)
	if plan.Stats.Errors != 3 { // the follow-up's requester, the reply's author, and the reply held back with its ticket
		t.Fatalf("without a default author: %v", plan.Problems)
	}
	plan = build(t, planner.Options{DefaultAuthor: "migration@example.com"}, tk, r)
	if plan.Stats.Errors != 0 || plan.Stats.Warnings != 2 || plan.Stats.DefaultAuthored != 2 {
		t.Fatalf("with a default author: %v, stats %+v", plan.Problems, plan.Stats)
	}
	ev, _ := plan.Event(plan.Tickets[0].Job)
	follow, _ := plan.Reply(plan.Tickets[0].Replies[0])
	got, _ := plan.Reply(plan.Tickets[0].Replies[1])
	if ev.Requester.SourceID != "557058:f1" {
		t.Errorf("the event's requester changed: %+v", ev.Requester)
	}
	if follow.Author.Email != "migration@example.com" || !strings.HasPrefix(follow.Body, "Originally written by Bo Lind, id 557058:f1:\n\n") {
		t.Errorf("follow-up = %+v", follow)
	}
	if got.Author.Email != "migration@example.com" || got.Body != "Originally written by Ann Agent, id 5b10a2:\n\nReply R" {
		t.Errorf("reply = %+v", got)
	}
	// A requester known by name only (a chat visitor): an error, or with a
	// default author the event is sent as that person, the text naming who.
	visitor := ticket("V", day(1))
	visitor.Ticket.Requester = readers.User{Name: "Visitor 8812"}
	if plan := build(t, planner.Options{}, visitor); plan.Stats.Errors != 1 {
		t.Errorf("visitor without a default author: %v", plan.Problems)
	}
	plan = build(t, planner.Options{DefaultAuthor: "migration@example.com"}, visitor)
	ev, _ = plan.Event(plan.Tickets[0].Job)
	if plan.Stats.Errors != 0 || ev.Requester.Email != "migration@example.com" || !strings.HasPrefix(ev.Body, "Originally written by Visitor 8812:\n\n") {
		t.Errorf("visitor with a default author: %v, event %+v", plan.Problems, ev)
	}
}

// Ticket 7 and reply 7 would share a source_specific_id: reported on the
// reply, whichever is read first.
func TestTicketAndReplyIDsClash(t *testing.T) {
	for _, recs := range [][]readers.Record{
		{ticket("7", day(1)), reply("7", "7", day(2)), reply("8", "7", day(3))},
		{reply("7", "7", day(2)), reply("8", "7", day(3)), ticket("7", day(1))},
	} {
		plan := build(t, planner.Options{}, recs...)
		if len(plan.Problems) != 1 || plan.Problems[0].Severity != planner.SeverityWarning || plan.Problems[0].Item != "reply 7" ||
			plan.Problems[0].Origin != "replies.csv:7" ||
			!strings.Contains(plan.Problems[0].Message, "a ticket and a reply share this id (the other is at tickets.csv:7)") {
			t.Errorf("problems = %v", plan.Problems)
		}
	}
}
