package readers_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/assembly-import/assembly-import/internal/testutil"
	"github.com/assembly-import/assembly-import/internal/wine"
	"github.com/assembly-import/assembly-import/readers"
)

// bigWorkbook writes a workbook of n tickets (and one reply) with
// excelize's stream writer.
func bigWorkbook(b *testing.B, n int) string {
	b.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	sw.SetRow("A1", []any{"ticket_id", "title", "created_at", "requester_email", "requester_name", "status", "body"})
	for i := range n {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		sw.SetRow(cell, []any{i + 1, fmt.Sprintf("Subject %d", i), 45000.5 + float64(i)/1000, fmt.Sprintf("c%d@example.com", i%5000),
			"Customer", "open", fmt.Sprintf("First message of ticket %d,\nwith a second line and some more words to read.", i)})
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	f.SetSheetName("Sheet1", "tickets")
	f.NewSheet("replies")
	f.SetSheetRow("replies", "A1", &[]any{"reply_id", "ticket_id", "created_at", "author_email", "body"})
	f.SetSheetRow("replies", "A2", &[]any{1, 1, 45001, "agent@example.com", "Reply"})
	path := filepath.Join(wine.TempDir(b), "big.xlsx")
	if err := f.SaveAs(path); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkXLSX reads workbooks of 50,000 and 100,000 rows: rows per
// second, and the peak live heap, which streaming keeps flat as rows double.
func BenchmarkXLSX(b *testing.B) {
	for _, n := range []int{50_000, 100_000} {
		b.Run(fmt.Sprintf("rows=%d", n), func(b *testing.B) {
			path := bigWorkbook(b, n)
			var peak uint64
			for b.Loop() {
				stop := testutil.PeakHeap()
				x, err := readers.OpenXLSX(b.Context(), readers.XLSXOptions{Path: path})
				if err != nil {
					b.Fatal(err)
				}
				count := 0
				for {
					rec, err := x.Next(context.Background())
					if err != nil {
						break
					}
					if rec.Ticket != nil && len(rec.Ticket.Problems) > 0 {
						b.Fatalf("%s: %v", rec.Origin(), rec.Ticket.Problems)
					}
					count++
				}
				x.Close()
				peak = max(peak, stop())
				if count != n+1 {
					b.Fatalf("read %d records, want %d", count, n+1)
				}
			}
			b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MB")
		})
	}
}
