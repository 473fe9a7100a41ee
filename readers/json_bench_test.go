package readers_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/assembly-import/assembly-import/internal/testutil"
	"github.com/assembly-import/assembly-import/internal/wine"
	"github.com/assembly-import/assembly-import/readers"
)

// BenchmarkJSON reads Zendesk-shaped JSON Lines exports of 20,000 and
// 80,000 tickets of four comments each: rows per second, and the peak live
// heap, which streaming keeps flat as the file grows.
func BenchmarkJSON(b *testing.B) {
	for _, n := range []int{20_000, 80_000} {
		b.Run(fmt.Sprintf("tickets=%d", n), func(b *testing.B) {
			path := filepath.Join(wine.TempDir(b), "tickets.json")
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			w := bufio.NewWriter(f)
			for i := range n {
				fmt.Fprintf(w, `{"id":%d,"subject":"Subject %d","status":"solved","requester_id":%d,"created_at":"2024-01-02T10:00:00Z","tags":["a","b"],"custom_fields":[{"id":1,"value":"x"}],"comments":[`, i, i, 5000+i%700)
				for c := range 4 {
					if c > 0 {
						w.WriteString(",")
					}
					fmt.Fprintf(w, `{"id":%d,"author_id":%d,"public":true,"html_body":"<p>Message %d of ticket %d, with a few words to read.</p>","created_at":"2024-01-02T1%d:00:00Z","attachments":[]}`, i*10+c, 5000+c, c, i, c)
				}
				w.WriteString("]}\n")
			}
			w.Flush()
			f.Close()
			st, _ := os.Stat(path)
			b.SetBytes(st.Size())
			var peak uint64
			for b.Loop() {
				stop := testutil.PeakHeap()
				j, err := readers.OpenJSON(readers.JSONOptions{Path: path})
				if err != nil {
					b.Fatal(err)
				}
				count := 0
				for {
					if _, err := j.Next(context.Background()); err != nil {
						break
					}
					count++
				}
				j.Close()
				peak = max(peak, stop())
				if count != n*4 {
					b.Fatalf("read %d records, want %d", count, n*4)
				}
			}
			b.ReportMetric(float64(n*4)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}
