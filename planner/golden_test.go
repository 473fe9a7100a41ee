package planner_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestOrderAndFoldGolden plans the CSV samples under each order, and
// folded, and compares the jobs in sending order with golden files: which
// tickets go first, where each ticket's replies go, which tickets go as one
// message and what that message says.
func TestOrderAndFoldGolden(t *testing.T) {
	for _, tt := range []struct {
		name  string
		order planner.Order
		fold  planner.FoldOptions
	}{
		{"chronological", planner.OrderChronological, planner.FoldOptions{}},
		{"open-first", planner.OrderOpenFirst, planner.FoldOptions{}},
		{"open-first-folded", planner.OrderOpenFirst, planner.FoldOptions{Before: time.Date(2024, 3, 10, 0, 0, 0, 0, time.UTC)}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src, err := readers.OpenCSV(readers.CSVOptions{Path: "../samples/csv"})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			plan := build(t, planner.Options{Order: tt.order, OpenStatuses: readers.OpenStatuses("")}, readAll(t, src)...)
			if _, err := plan.Fold(tt.fold, nil); err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, tk := range plan.Tickets {
				state := ""
				if tk.Open {
					state += " open"
				}
				fmt.Fprintf(&b, "%s%s\n", plan.Key(tk.Job), state)
				if tk.Folded {
					ev, err := plan.Event(tk.Job)
					if err != nil {
						t.Fatal(err)
					}
					for _, line := range strings.Split(ev.Body, "\n") {
						fmt.Fprintf(&b, "    | %s\n", line)
					}
				}
				for _, r := range tk.Replies {
					fmt.Fprintf(&b, "  %s\n", plan.Key(r))
				}
			}
			golden(t, tt.name+".golden", b.String())
		})
	}
}

// readAll reads every record of a source.
func readAll(t *testing.T, src planner.Source) []readers.Record {
	t.Helper()
	var recs []readers.Record
	for {
		rec, err := src.Next(t.Context())
		if err != nil {
			return recs
		}
		recs = append(recs, rec)
	}
}

// golden compares got with testdata/<name>, or rewrites it under -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("%s differs from the golden file (go test -update rewrites it); -golden +got:\n%s", path, diff)
	}
}
