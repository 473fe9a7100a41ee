package planner_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assembly-import/assembly-import/internal/testutil"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
)

// Exports shaped to hurt, measured so that they stay cheap: an attack
// round found each fine (the figures in each comment, on a 2-core
// machine) and these keep it so. make bench prints time and peak heap.

// hostileExport writes tickets.csv with the given ticket bodies (ticket i
// has id i+1) and replies.csv with n replies, written by reply(i, w).
func hostileExport(b *testing.B, bodies []string, n int, reply func(i int, w *bufio.Writer)) string {
	b.Helper()
	dir := b.TempDir()
	tf, err := os.Create(filepath.Join(dir, readers.TicketsFile))
	if err != nil {
		b.Fatal(err)
	}
	tw := bufio.NewWriter(tf)
	fmt.Fprintln(tw, "ticket_id,title,created_at,requester_email,status,body")
	for i, body := range bodies {
		fmt.Fprintf(tw, "%d,Subject,2024-01-02 10:00:00,c@example.com,closed,\"%s\"\n", i+1, strings.ReplaceAll(body, `"`, `""`))
	}
	if err := tw.Flush(); err != nil {
		b.Fatal(err)
	}
	tf.Close()
	rf, err := os.Create(filepath.Join(dir, readers.RepliesFile))
	if err != nil {
		b.Fatal(err)
	}
	rw := bufio.NewWriterSize(rf, 1<<20)
	fmt.Fprintln(rw, "reply_id,ticket_id,created_at,author_email,body,attachments")
	for i := range n {
		reply(i, rw)
	}
	if err := rw.Flush(); err != nil {
		b.Fatal(err)
	}
	rf.Close()
	return dir
}

// planHostile plans dir once per iteration and reports the peak live heap.
func planHostile(b *testing.B, dir string, m *readers.Mapping, check func(*planner.Plan)) {
	b.Helper()
	var peak uint64
	for b.Loop() {
		stop := testutil.PeakHeap()
		src, err := readers.OpenCSV(readers.CSVOptions{Path: dir, Mapping: m})
		if err != nil {
			b.Fatal(err)
		}
		plan, err := planner.Build(context.Background(), src, planner.Options{SpillDir: b.TempDir()})
		if err != nil {
			b.Fatal(err)
		}
		check(plan)
		src.Close()
		plan.Close()
		peak = max(peak, stop())
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
}

// BenchmarkNestedTags: a body of 100,000 nested elements, read as HTML
// (0.1 s).
func BenchmarkNestedTags(b *testing.B) {
	const depth = 100_000
	body := strings.Repeat("<div><b>", depth/2) + "deep" + strings.Repeat("</b></div>", depth/2)
	dir := hostileExport(b, []string{body}, 0, nil)
	planHostile(b, dir, &readers.Mapping{BodyFormat: "html"}, func(p *planner.Plan) {
		if p.Stats.Tickets != 1 {
			b.Fatalf("%+v", p.Stats)
		}
	})
}

// BenchmarkHugeCell: one ticket whose body is a 200 MB cell (8 s, 825 MB).
func BenchmarkHugeCell(b *testing.B) {
	const size = 200 << 20
	line := "A long line of a very long message, as a mail archive pasted whole would be.\n"
	body := strings.Repeat(line, size/len(line))
	dir := hostileExport(b, []string{body}, 0, nil)
	body = ""
	planHostile(b, dir, nil, func(p *planner.Plan) {
		if p.Stats.Tickets != 1 {
			b.Fatalf("%+v %v", p.Stats, testutil.Problems(p))
		}
	})
}

// BenchmarkManyAttachments: 100,000 replies with a file each, every file
// opened and measured while planning (2 s, 60 MB).
func BenchmarkManyAttachments(b *testing.B) {
	const n = 100_000
	dir := hostileExport(b, []string{"Hello"}, n, func(i int, w *bufio.Writer) {
		fmt.Fprintf(w, "r%d,1,2024-01-03 10:00:00,a@example.com,See the file,files/f%d.txt\n", i, i)
	})
	files := filepath.Join(dir, "files")
	if err := os.Mkdir(files, 0o755); err != nil {
		b.Fatal(err)
	}
	for i := range n {
		if err := os.WriteFile(filepath.Join(files, fmt.Sprintf("f%d.txt", i)), []byte("content"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	planHostile(b, dir, nil, func(p *planner.Plan) {
		if p.Stats.ReplyJobs != n || p.Stats.Attachments != n {
			b.Fatalf("%+v %v", p.Stats, testutil.Problems(p))
		}
	})
}

// BenchmarkFoldMillionReplies: one ticket with 1,000,000 replies, planned
// and folded into one event and a transcript (14 s, 325 MB).
func BenchmarkFoldMillionReplies(b *testing.B) {
	const n = 1_000_000
	dir := hostileExport(b, []string{"Hello"}, n, func(i int, w *bufio.Writer) {
		fmt.Fprintf(w, "r%d,1,2024-01-03 %02d:%02d:%02d,a@example.com,Reply number %d,\n", i, i/3600%24, i/60%60, i%60, i)
	})
	planHostile(b, dir, nil, func(p *planner.Plan) {
		res, err := p.Fold(planner.FoldOptions{Before: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}, nil)
		if err != nil || res.Folded != 1 || res.FoldedReplies != n {
			b.Fatalf("%v %+v", err, res)
		}
	})
}
