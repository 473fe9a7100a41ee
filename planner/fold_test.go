package planner_test

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
)

// withStatus sets a ticket record's status.
func withStatus(r readers.Record, status string) readers.Record {
	r.Ticket.Status = status
	return r
}

// Open tickets go first, newest first by last activity; the rest likewise
// after them. The fingerprint is the chronological plan's, whatever the
// order.
func TestOpenFirstOrder(t *testing.T) {
	recs := func() []readers.Record {
		return []readers.Record{
			withStatus(ticket("A", day(1)), "closed"), reply("a1", "A", day(9)),
			withStatus(ticket("B", day(2)), "Pending "),
			withStatus(ticket("C", day(3)), "solved"),
			withStatus(ticket("D", day(4)), "open"), reply("d1", "D", day(5)),
		}
	}
	open := []string{"open", "pending"}
	chrono := build(t, planner.Options{OpenStatuses: open, Order: planner.OrderChronological}, recs()...)
	first := build(t, planner.Options{OpenStatuses: open, Order: planner.OrderOpenFirst}, recs()...)
	if got, want := order(chrono), "ticket/A reply/a1 ticket/B ticket/C ticket/D reply/d1"; got != want {
		t.Errorf("chronological: %s, want %s", got, want)
	}
	if got, want := order(first), "ticket/D reply/d1 ticket/B ticket/A reply/a1 ticket/C"; got != want {
		t.Errorf("open-first: %s, want %s", got, want)
	}
	if chrono.Fingerprint != first.Fingerprint {
		t.Error("the order changed the fingerprint: a checkpoint could not resume under the other order")
	}
	l := planner.Limits{EventsPerSec: 1, RepliesPerMin: 60}
	if m := first.Milestones(planner.OrderOpenFirst, planner.FoldOptions{}, l); m.OpenSeconds != 2 || m.VisibleSeconds != 4 || m.DoneSeconds != 4 {
		t.Errorf("open-first milestones %+v, want open complete at 2 s (D at 1, d1 and B at 2), all at 4", m)
	}
	if m := first.Milestones(planner.OrderChronological, planner.FoldOptions{}, l); m.OpenSeconds != 5 {
		t.Errorf("chronological milestones %+v, want open complete at 5 s (D's reply after A's)", m)
	}
	if a, b := chrono.Milestones(planner.OrderOpenFirst, planner.FoldOptions{}, l), first.Milestones(planner.OrderOpenFirst, planner.FoldOptions{}, l); a != b {
		t.Errorf("open-first milestones of the chronological plan %+v, of the open-first plan %+v", a, b)
	}
}

// The open-first plan, made in that order as it is linked, is the
// chronological plan's tickets sorted open first, then newest last
// activity first, ties in chronological order; over many tickets with
// equal times, orphans and replies older than their ticket.
func TestOpenFirstOrderMatchesSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 24))
	var recs []readers.Record
	last := map[string]time.Time{}
	open := map[string]bool{}
	for i := range 300 {
		id := fmt.Sprint("T", i)
		created := day(1 + rng.IntN(20))
		status := []string{"open", "closed", "pending", "solved"}[rng.IntN(4)]
		recs = append(recs, withStatus(ticket(id, created), status))
		last[id], open[id] = created, status == "open" || status == "pending"
		for k := range rng.IntN(4) {
			at := day(1 + rng.IntN(28))
			recs = append(recs, reply(fmt.Sprint(id, "-r", k), id, at))
			if at.After(last[id]) {
				last[id] = at
			}
		}
	}
	recs = append(recs, reply("orphan", "nowhere", day(3)))
	rng.Shuffle(len(recs), func(i, j int) { recs[i], recs[j] = recs[j], recs[i] })
	opts := planner.Options{OpenStatuses: []string{"open", "pending"}}
	opts.Order = planner.OrderChronological
	chrono := build(t, opts, recs...)
	opts.Order = planner.OrderOpenFirst
	first := build(t, opts, recs...)
	if chrono.Fingerprint != first.Fingerprint {
		t.Error("the order changed the fingerprint")
	}
	jobs := map[string]string{} // a ticket's jobs, in sending order
	var ids []string
	for _, tk := range chrono.Tickets {
		id := strings.TrimPrefix(chrono.Key(tk.Job), "ticket/")
		ids = append(ids, id)
		keys := []string{chrono.Key(tk.Job)}
		for _, r := range tk.Replies {
			keys = append(keys, chrono.Key(r))
		}
		jobs[id] = strings.Join(keys, " ")
	}
	slices.SortStableFunc(ids, func(a, b string) int {
		if open[a] != open[b] {
			if open[a] {
				return -1
			}
			return 1
		}
		return cmp.Compare(last[b].UnixNano(), last[a].UnixNano())
	})
	var want []string
	for _, id := range ids {
		want = append(want, jobs[id])
	}
	if got := order(first); got != strings.Join(want, " ") {
		t.Errorf("open-first order\n%s\nwant\n%s", got, strings.Join(want, " "))
	}
	if !reflect.DeepEqual(first.Stats, chrono.Stats) {
		t.Errorf("stats differ with the order: %+v against %+v", first.Stats, chrono.Stats)
	}
}

// Folding leaves open tickets unfolded however old, unless asked: they are
// the ones agents answer.
func TestFoldLeavesOpenTickets(t *testing.T) {
	recs := func() []readers.Record {
		return []readers.Record{withStatus(ticket("A", day(1)), "open"), reply("a1", "A", day(2)),
			withStatus(ticket("B", day(1)), "solved"), reply("b1", "B", day(2))}
	}
	for _, tt := range []struct {
		open bool
		want string
	}{{false, "ticket/A reply/a1 folded/B"}, {true, "folded/A folded/B"}} {
		plan := build(t, planner.Options{OpenStatuses: []string{"open"}, Order: planner.OrderOpenFirst}, recs()...)
		if _, err := plan.Fold(planner.FoldOptions{Before: day(10), Open: tt.open}, nil); err != nil {
			t.Fatal(err)
		}
		if got := order(plan); got != tt.want {
			t.Errorf("Open %v: %s, want %s", tt.open, got, tt.want)
		}
	}
}

// A folded ticket goes as one event whose text holds every message, in
// order, with its time and author; its images ride on the event, its
// other files on one message after it; replies are not sent apart.
func TestFold(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "shot.png"), []byte(pngMagic+"image"), 0o644)
	os.WriteFile(filepath.Join(root, "log.txt"), []byte("log"), 0o644)
	old := ticket("OLD", day(1))
	r1 := reply("o1", "OLD", day(2))
	r1.Reply.Attachments = readers.SplitAttachments("shot.png; log.txt", ";", root)
	r2 := reply("o2", "OLD", day(3))
	r2.Reply.Author = readers.User{Name: "Bob", SourceID: "u9", Email: "bob@example.com"}
	recs := []readers.Record{old, r1, r2, ticket("NEW", day(20)), reply("n1", "NEW", day(21))}
	plan := build(t, planner.Options{}, recs...)
	fingerprint := plan.Fingerprint
	res, err := plan.Fold(planner.FoldOptions{Before: day(10)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Folded != 1 || res.FoldedReplies != 2 {
		t.Errorf("fold result %+v, want 1 ticket with 2 replies", res)
	}
	if got, want := order(plan), "folded/OLD folded-files/OLD ticket/NEW reply/n1"; got != want {
		t.Errorf("jobs: %s, want %s", got, want)
	}
	var folded planner.Ticket
	for _, tk := range plan.Tickets {
		if tk.Folded {
			folded = tk
		}
	}
	ev, err := plan.Event(folded.Job)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"3 messages", "2024-01-01 12:00 UTC · Anna <anna@example.com>\nBody OLD",
		"2024-01-02 12:00 UTC · Anna <anna@example.com>\nReply o1", "Bob <bob@example.com>\nReply o2"} {
		if !strings.Contains(ev.Body, want) {
			t.Errorf("the transcript lacks %q:\n%s", want, ev.Body)
		}
	}
	if ev.SSID != "OLD" || ev.Properties["folded"] != "true" || ev.Properties["folded_messages"] != "3" {
		t.Errorf("event ssid %q, properties %v", ev.SSID, ev.Properties)
	}
	if len(ev.Files) != 1 || ev.Files[0].Name != "shot.png" {
		t.Errorf("event files %+v, want the image", ev.Files)
	}
	files, err := plan.Reply(folded.Replies[0])
	if err != nil {
		t.Fatal(err)
	}
	if files.SSID != "OLD-files" || files.TicketSSID != "OLD" || len(files.Files) != 1 || files.Files[0].Name != "log.txt" || !files.Created.Equal(day(3)) {
		t.Errorf("files message %+v", files)
	}
	if plan.Fingerprint != fingerprint {
		t.Error("folding changed the fingerprint")
	}
	if got := strings.Join(plan.Covers("folded/OLD"), " "); got != "ticket/OLD reply/o1 reply/o2" {
		t.Errorf("Covers(folded/OLD) = %s, want ticket/OLD reply/o1 reply/o2", got)
	}
	for _, key := range []string{"ticket/NEW", "folded/NEW", "reply/n1", "ticket/OLD"} {
		if got := plan.Covers(key); got != nil {
			t.Errorf("Covers(%s) = %v, want nil: not a folded event", key, got)
		}
	}
	if s := plan.Stats; s.FoldedTickets != 1 || s.FoldedReplies != 2 || s.FoldedFiles != 1 || s.ReplyJobs != 2 {
		t.Errorf("stats %+v", s)
	}
}

// A fold date changed between runs never sends a message twice: a ticket
// an earlier run began unfolded stays so, and one it sent folded stays
// folded.
func TestFoldKeepsWhatWasBegun(t *testing.T) {
	recs := func() []readers.Record {
		return []readers.Record{ticket("A", day(1)), reply("a1", "A", day(2)), ticket("B", day(3)), reply("b1", "B", day(4))}
	}
	begun := map[string]bool{"reply/a1": true, "folded/B": true}
	plan := build(t, planner.Options{}, recs()...)
	res, err := plan.Fold(planner.FoldOptions{Before: day(2).Add(time.Hour)}, &planner.Earlier{Started: func(key string) bool { return begun[key] }})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := order(plan), "ticket/A reply/a1 folded/B"; got != want {
		t.Errorf("jobs: %s, want %s (A begun unfolded, B begun folded)", got, want)
	}
	if res.KeptNative != 1 || res.KeptFolded != 1 || res.Folded != 1 {
		t.Errorf("fold result %+v", res)
	}
	// A reply added to the export after B went folded goes on its own,
	// after the event, which holds what it held (same content, so not
	// "changed"); one the event held stays inside it.
	folded, _ := plan.Event(plan.Tickets[1].Job)
	foldedHash := plan.Tickets[1].Job.Hash
	plan = build(t, planner.Options{}, append(recs(), reply("b2", "B", day(5)))...)
	held := map[string]bool{"ticket/B": true, "reply/b1": true}
	res, err = plan.Fold(planner.FoldOptions{}, &planner.Earlier{Started: func(key string) bool { return begun[key] },
		Inside: func(id, key string) bool { return id == "B" && held[key] }})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := order(plan), "ticket/A reply/a1 folded/B reply/b2"; got != want {
		t.Errorf("with a reply added: jobs %s, want %s", got, want)
	}
	again, _ := plan.Event(plan.Tickets[1].Job)
	if again.Body != folded.Body || plan.Tickets[1].Job.Hash != foldedHash {
		t.Errorf("the folded event changed with a reply added after it:\n%s\nwas\n%s", again.Body, folded.Body)
	}
	if got := strings.Join(plan.Covers("folded/B"), " "); got != "ticket/B reply/b1" {
		t.Errorf("Covers(folded/B) = %s, want ticket/B reply/b1", got)
	}

	// Long conversations: the event holds the start, cut between messages;
	// the whole goes as transcript.txt on the files message.
	long := []readers.Record{ticket("L", day(1))}
	for i := range 40 {
		r := reply("l"+string(rune('a'+i%26))+string(rune('a'+i/26)), "L", day(2).Add(time.Duration(i)*time.Minute))
		r.Reply.Body = strings.Repeat("Ünïcode text ", 200)
		long = append(long, r)
	}
	plan = build(t, planner.Options{}, long...)
	res, err = plan.Fold(planner.FoldOptions{Before: day(10)}, nil)
	if err != nil || res.Transcripts != 1 {
		t.Fatalf("fold %+v, %v; want one transcript", res, err)
	}
	ev, _ := plan.Event(plan.Tickets[0].Job)
	files, _ := plan.Reply(plan.Tickets[0].Replies[0])
	if len(ev.Body) > planner.TranscriptCap+200 || !strings.HasSuffix(ev.Body, "transcript.txt, on the next message.]") {
		t.Errorf("event text of %d bytes ends %q", len(ev.Body), ev.Body[len(ev.Body)-60:])
	}
	if len(files.Files) != 1 || files.Files[0].Name != "transcript.txt" || !strings.HasPrefix(files.Files[0].Text, ev.Body[:1000]) ||
		files.Files[0].Size != int64(len(files.Files[0].Text)) {
		t.Errorf("transcript file %+v", files.Files)
	}
}

// Fold decides each ticket's folded form from the plan's metadata where it
// can, without reading payloads, and makes the event and files message as
// they are sent: what it decided is what is sent, whatever the ticket's
// files, links, requester and length.
func TestFoldDecidesAsSent(t *testing.T) {
	root := t.TempDir()
	os.WriteFile(filepath.Join(root, "shot.png"), []byte(pngMagic+"image"), 0o644)
	os.WriteFile(filepath.Join(root, "log.txt"), []byte("log"), 0o644)
	with := func(r readers.Record, refs string) readers.Record {
		as := readers.SplitAttachments(refs, ";", root)
		if r.Ticket != nil {
			r.Ticket.Attachments = as
		} else {
			r.Reply.Attachments = as
		}
		return r
	}
	anonymous := func(r readers.Record) readers.Record {
		r.Ticket.Requester = readers.User{Name: "Visitor", SourceID: "v1"}
		return r
	}
	long := reply("l1", "LONG", day(2))
	long.Reply.Body = strings.Repeat("a long answer ", 5000)
	recs := []readers.Record{
		ticket("IMG", day(1)), with(reply("i1", "IMG", day(2)), "shot.png"),
		ticket("TXT", day(1)), with(reply("t1", "TXT", day(2)), "log.txt"),
		ticket("LINK", day(1)), with(reply("k1", "LINK", day(2)), "https://files.example.com/report.pdf"),
		with(ticket("FIRST", day(1)), "log.txt"),
		with(ticket("FIRSTIMG", day(1)), "shot.png"),
		ticket("LONG", day(1)), long,
		anonymous(ticket("ANON", day(1))), with(reply("a1", "ANON", day(2)), "log.txt"),
		anonymous(ticket("ANONIMG", day(1))), with(reply("b1", "ANONIMG", day(2)), "shot.png"),
	}
	plan := build(t, planner.Options{DownloadURLs: true}, recs...)
	res, err := plan.Fold(planner.FoldOptions{Before: day(10)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Folded != 7 || res.Unfoldable != 1 || res.Transcripts != 1 {
		t.Errorf("fold result %+v, want 7 folded, 1 unfoldable (ANON), 1 transcript (LONG)", res)
	}
	want := "ticket/ANON reply/a1 folded/ANONIMG folded/FIRST folded-files/FIRST folded/FIRSTIMG folded/IMG " +
		"folded/LINK folded-files/LINK folded/LONG folded-files/LONG folded/TXT folded-files/TXT" // same times: by id
	if got := order(plan); got != want {
		t.Errorf("jobs:\n%s\nwant\n%s", got, want)
	}
	for _, tk := range plan.Tickets {
		if _, err := plan.Event(tk.Job); err != nil {
			t.Errorf("%s: %v", plan.Key(tk.Job), err)
		}
		for _, r := range tk.Replies {
			if rep, err := plan.Reply(r); err != nil {
				t.Errorf("%s: %v", plan.Key(r), err)
			} else if plan.Key(r) == "folded-files/LONG" && (len(rep.Files) != 1 || rep.Files[0].Name != "transcript.txt") {
				t.Errorf("%s: files %+v, want the transcript", plan.Key(r), rep.Files)
			}
		}
	}
}
