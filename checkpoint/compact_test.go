package checkpoint_test

import (
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/internal/wine"
)

// fill writes a journal with every kind of line a run writes: states,
// lost outcomes, a folded ticket's covers, reasons and keys that hold tabs,
// line breaks and quotes, a milestone.
func fill(t *testing.T, j *checkpoint.Journal) {
	t.Helper()
	must(t, j.Sending("ticket/1", 0xabc))
	must(t, j.Done("ticket/1", "ASM-101"))
	must(t, j.Sending("ticket/10", 0xabd))
	must(t, j.Done("ticket/10", ""))
	must(t, j.Sending("ticket/2", 7))
	must(t, j.Rejected("ticket/2", "HTTP 400: title\tis \"required\"\nsecond line"))
	must(t, j.Sending("ticket/3", 8, "reply/3a", "reply/3b"))
	must(t, j.Done("ticket/3", "ASM-103"))
	must(t, j.Sending("reply/a", 9))
	must(t, j.Retry("reply/a", "HTTP 503"))
	must(t, j.Sending("reply/a", 10))
	must(t, j.Done("reply/a", "01HAAAAAAAAAAAAAAAAAAAAAAA"))
	must(t, j.Sending("reply/b", 11)) // in flight when the run stopped
	must(t, j.Sending("reply/c", 12))
	must(t, j.Uncertain("reply/c"))
	must(t, j.Sending("reply/c", 12))
	must(t, j.Done("reply/c", "01HCCCCCCCCCCCCCCCCCCCCCCC"))
	must(t, j.Sending("reply/\ttab", 13))
	must(t, j.Failed("reply/\ttab", "gave up"))
	must(t, j.Sending(`reply/"quoted`, 14))
	must(t, j.Done(`reply/"quoted`, "01HQ"))
	must(t, j.Sending("reply/ünï", 15))
	must(t, j.Done("reply/ünï", "01HU"))
	must(t, j.Sending("reply/ünö", 16))
	must(t, j.Done("reply/ünö", "01HV"))
	must(t, j.Uncertain("reply/never-sent")) // a line alone, as a crash may leave it
	must(t, j.Allowance(75*time.Millisecond))
	must(t, j.Allowance(168750*time.Microsecond))
	must(t, j.Allowance(100*time.Millisecond)) // narrower: not recorded
	if _, err := j.Milestone("every ticket visible", 1); err != nil {
		t.Fatal(err)
	}
}

// state is what a snapshot says, for comparing two.
func state(t *testing.T, path string) (*checkpoint.Snapshot, []checkpoint.Job) {
	t.Helper()
	snap, err := checkpoint.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	return snap, slices.Collect(snap.All())
}

// TestCompact: a compacted journal replays to the same snapshot, keeps the
// server's ids of done jobs, is smaller, and takes a resumed run's lines.
func TestCompact(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "cp.jsonl")
	j := open(t, path)
	fill(t, j)
	must(t, j.Close())
	before, beforeJobs := state(t, path)
	st, err := os.Stat(path)
	must(t, err)
	long := st.Size()

	j = open(t, path)
	if err := j.Compact(); err != nil && runtime.GOOS == "windows" {
		must(t, j.Close())
		if _, jobs := state(t, path); !reflect.DeepEqual(jobs, beforeJobs) {
			t.Fatalf("a refused compaction changed the journal")
		}
		t.Skipf("this Windows renames nothing over an open file (Wine): the journal is left whole, not compacted: %v", err)
	} else {
		must(t, err)
	}
	must(t, j.Close())
	after, afterJobs := state(t, path)
	if !reflect.DeepEqual(beforeJobs, afterJobs) {
		t.Errorf("jobs after compacting:\n%+v\nwant\n%+v", afterJobs, beforeJobs)
	}
	if before.Allowance != 168750*time.Microsecond || after.Allowance != before.Allowance {
		t.Errorf("transit allowance learned: %v before compacting, %v after; want 168.75ms", before.Allowance, after.Allowance)
	}
	if !reflect.DeepEqual(before.Header, after.Header) || !reflect.DeepEqual(before.Run, after.Run) ||
		!reflect.DeepEqual(before.Milestones, after.Milestones) || !reflect.DeepEqual(before.MilestoneExcept, after.MilestoneExcept) {
		t.Errorf("header, run or milestones changed:\n%+v %+v %v %v\nwant\n%+v %+v %v %v",
			after.Header, after.Run, after.Milestones, after.MilestoneExcept, before.Header, before.Run, before.Milestones, before.MilestoneExcept)
	}
	data, err := os.ReadFile(path)
	must(t, err)
	for _, id := range []string{"ASM-101", "ASM-103", "01HAAAAAAAAAAAAAAAAAAAAAAA", "01HCCCCCCCCCCCCCCCCCCCCCCC", "01HQ", "01HU", "01HV"} {
		if !strings.Contains(string(data), id) {
			t.Errorf("the compacted journal lost the server's id %s", id)
		}
	}
	if int64(len(data)) >= long/2 {
		t.Errorf("compacted %d bytes, from %d", len(data), long)
	}
	t.Logf("%d bytes compacted from %d:\n%s", len(data), long, data)

	// A resumed run appends to the compacted journal, and compacts again.
	j = open(t, path)
	if got := j.Lookup().Job("reply/a"); got.State != checkpoint.Done || got.Hash != 10 {
		t.Errorf("resumed: reply/a = %+v", got)
	}
	must(t, j.Sending("reply/b", 11))
	must(t, j.Done("reply/b", "01HBBBBBBBBBBBBBBBBBBBBBBB"))
	must(t, j.Close())
	_, appended := state(t, path)
	j = open(t, path)
	must(t, j.Compact())
	must(t, j.Close())
	_, again := state(t, path)
	if !reflect.DeepEqual(appended, again) {
		t.Errorf("compacted twice:\n%+v\nwant\n%+v", again, appended)
	}
	data, _ = os.ReadFile(path)
	if !strings.Contains(string(data), "01HBBBBBBBBBBBBBBBBBBBBBBB") || !strings.Contains(string(data), "ASM-101") {
		t.Errorf("compacting a compacted journal lost ids:\n%s", data)
	}

	// A run that sends nothing leaves a compacted journal as it is, but
	// for its run line.
	j = open(t, path)
	must(t, j.Compact())
	must(t, j.Close())
	if now, _ := os.ReadFile(path); !strings.HasPrefix(string(now), string(data)) || strings.Count(string(now), "\n") != strings.Count(string(data), "\n")+1 {
		t.Errorf("a run that sent nothing rewrote the compacted journal:\n%s", now)
	}
}

// TestCompactUnderAWaitingRun: a run waiting for the lock while another
// compacts and closes the journal gets the compacted file (or the journal
// left whole, where Windows refuses the rename), not the one its name no
// longer leads to (whose lines would be lost).
func TestCompactUnderAWaitingRun(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "cp.jsonl")
	j := open(t, path)
	fill(t, j)
	var wg sync.WaitGroup
	var second *checkpoint.Journal
	var openErr error
	wg.Go(func() {
		second, openErr = checkpoint.Open(path, checkpoint.Options{Header: header, Run: limits})
	})
	time.Sleep(100 * time.Millisecond) // the second is waiting for the lock
	if err := j.Compact(); err != nil {
		if runtime.GOOS != "windows" {
			t.Fatal(err)
		}
		t.Logf("this Windows renames nothing over an open file (Wine): the journal is left whole: %v", err)
	}
	must(t, j.Close())
	wg.Wait()
	if openErr != nil {
		t.Fatal(openErr)
	}
	must(t, second.Sending("reply/b", 11))
	must(t, second.Done("reply/b", "01HB"))
	must(t, second.Close())
	if _, jobs := state(t, path); !slices.ContainsFunc(jobs, func(j checkpoint.Job) bool { return j.Key == "reply/b" && j.State == checkpoint.Done }) {
		t.Errorf("the waiting run's lines went to a file the path no longer names: %+v", jobs)
	}
}

// TestCompactedDuplicate: a compacted journal edited to record a job twice
// is refused at the run's first write, before anything is sent.
func TestCompactedDuplicate(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "cp.jsonl")
	data := `{"t":"2026-12-04T10:00:00Z","header":{"version":3,"fingerprint":"abc","source":"csv:x","jobs":{"ticket":2,"reply":3}}}` + "\n" +
		"d\t0\tticket/1\tabc\tASM-1\n" +
		"s\t7\t1\tabc\n"
	must(t, os.WriteFile(path, []byte(data), 0o600))
	j := open(t, path)
	defer j.Close()
	if err := j.Sending("ticket/2", 1); err == nil || !strings.Contains(err.Error(), `"ticket/1" is recorded twice`) {
		t.Fatalf("Sending on a journal recording a job twice = %v, want a refusal naming it", err)
	}
}
