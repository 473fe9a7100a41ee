package planner_test

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
)

// Duplicate reply ids are found once everything is read: each copy after
// the first is reported in read order, names the first one's place, and
// is out of the plan and its counts, though its payload was spilled.
func TestDuplicateRepliesAfterReading(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"a.pdf", "b.pdf"} {
		if err := os.WriteFile(filepath.Join(root, name), []byte("%PDF"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	at := func(r readers.Record, line int) readers.Record {
		r.Reply.Origin = fmt.Sprintf("replies.csv:%d", line)
		return r
	}
	recs := []readers.Record{ticket("T", day(1))}
	for i := range 3000 {
		recs = append(recs, at(reply(fmt.Sprint("r", i), "T", day(2)), len(recs)+1))
	}
	first := reply("r5", "T", day(2))
	first.Reply.Attachments = readers.SplitAttachments("a.pdf", ";", root)
	recs[6] = at(first, 7)
	copyWithFiles := reply("r5", "T", day(3))
	copyWithFiles.Reply.Attachments = readers.SplitAttachments("a.pdf;b.pdf", ";", root)
	recs = slices.Insert(recs, 100, at(copyWithFiles, 4001), at(reply("r50", "T", day(3)), 4002))
	recs = append(recs, at(reply("r5", "T", day(4)), 4003), at(reply("r100", "T", day(4)), 4004))

	plan := build(t, planner.Options{}, recs...)
	var got []string
	for _, p := range plan.Problems {
		if p.Severity != planner.SeverityError || p.Kind != planner.ProblemDuplicate || p.Field != "reply_id" {
			t.Errorf("unexpected problem %v", p)
		}
		got = append(got, p.Origin+" "+p.Item+": "+p.Message)
	}
	want := []string{
		"replies.csv:4001 reply r5: duplicate reply id: first seen at replies.csv:7, which is the one migrated",
		"replies.csv:4002 reply r50: duplicate reply id: first seen at replies.csv:52, which is the one migrated",
		"replies.csv:4003 reply r5: duplicate reply id: first seen at replies.csv:7, which is the one migrated",
		"replies.csv:4004 reply r100: duplicate reply id: first seen at replies.csv:102, which is the one migrated",
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", got, want)
	}
	s := plan.Stats
	if s.ReplyJobs != 3000 || s.Invalid != 4 || s.Attachments != 1 || s.AttachmentBytes != 4 {
		t.Errorf("stats: %d reply jobs, %d invalid, %d attachments of %d bytes; want 3000, 4, 1 of 4", s.ReplyJobs, s.Invalid, s.Attachments, s.AttachmentBytes)
	}
	found := 0
	for _, j := range plan.Tickets[0].Replies {
		if plan.Key(j) != "reply/r5" {
			continue
		}
		found++
		if r, err := plan.Reply(j); err != nil || len(r.Files) != 1 || r.Created != day(2) {
			t.Errorf("the migrated r5 = %+v, %v; want the first one read", r, err)
		}
	}
	if found != 1 {
		t.Errorf("r5 is sent %d times, want once", found)
	}
}

// A reply and a ticket that share an id are reported once, naming the
// first ticket with it, however many copies of either there are.
func TestIDClashWithCopies(t *testing.T) {
	second := ticket("7", day(1))
	second.Ticket.Origin = "tickets.csv:9"
	copied := reply("7", "7", day(3))
	copied.Reply.Origin = "replies.csv:8"
	plan := build(t, planner.Options{}, ticket("7", day(1)), reply("7", "7", day(2)), second, copied)
	var clashes []planner.Problem
	for _, p := range plan.Problems {
		if p.Severity == planner.SeverityWarning {
			clashes = append(clashes, p)
		}
	}
	if len(clashes) != 1 || clashes[0].Origin != "replies.csv:7" || !strings.Contains(clashes[0].Message, "(the other is at tickets.csv:7)") {
		t.Errorf("clashes = %v, want one, of replies.csv:7 with tickets.csv:7", clashes)
	}
	if plan.Stats.Errors != 2 {
		t.Errorf("errors = %d (%v), want the copied ticket and the copied reply", plan.Stats.Errors, plan.Problems)
	}
}
