package planner_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
)

// BenchmarkBuildCSV plans an unsorted CSV export of 2,000 tickets and
// 20,000 replies, from reading the files to the fingerprint.
func BenchmarkBuildCSV(b *testing.B) {
	const tickets, replies = 2_000, 20_000
	dir := b.TempDir()
	rng := rand.New(rand.NewPCG(1, 1))
	tf, _ := os.Create(filepath.Join(dir, readers.TicketsFile))
	fmt.Fprintln(tf, "ticket_id,title,created_at,requester_email,requester_name,status,body")
	for i := range tickets {
		fmt.Fprintf(tf, "%d,Subject %d,2024-01-%02d 10:%02d:00,c%d@example.com,Customer %d,open,\"First message of %d,\nwith a second line\"\n",
			i, i, 1+i%28, i%60, i%500, i, i)
	}
	tf.Close()
	rf, _ := os.Create(filepath.Join(dir, readers.RepliesFile))
	fmt.Fprintln(rf, "reply_id,ticket_id,created_at,author_email,author_name,internal,body")
	for _, i := range rng.Perm(replies) {
		fmt.Fprintf(rf, "r%d,%d,2024-02-%02d %02d:%02d:00,agent%d@example.com,Agent,false,\"Reply number %d, which says something useful.\"\n",
			i, i%tickets, 1+i%28, i%24, i%60, i%20, i)
	}
	rf.Close()
	st, _ := os.Stat(filepath.Join(dir, readers.RepliesFile))
	b.SetBytes(st.Size())
	b.ReportAllocs()
	for b.Loop() {
		src, err := readers.OpenCSV(readers.CSVOptions{Path: dir})
		if err != nil {
			b.Fatal(err)
		}
		plan, err := planner.Build(context.Background(), src, planner.Options{SpillDir: b.TempDir()})
		if err != nil || plan.Stats.ReplyJobs != replies {
			b.Fatalf("%v %+v", err, plan.Stats)
		}
		src.Close()
		plan.Close()
	}
	b.ReportMetric(float64(tickets+replies)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
