package checkpoint_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/internal/filelock"
	"github.com/assembly-import/assembly-import/internal/wine"
)

var (
	header = checkpoint.Header{Fingerprint: "abc", Source: "csv:x", Jobs: map[string]int{"ticket": 2, "reply": 3}}
	limits = checkpoint.Run{EventsPerSec: 30, RepliesPerMin: 60, PID: os.Getpid(), Host: "testhost"}
)

func open(t *testing.T, path string) *checkpoint.Journal {
	t.Helper()
	j, err := checkpoint.Open(path, checkpoint.Options{Header: header, Run: limits})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestResume(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "cp.jsonl")
	j := open(t, path)
	must(t, j.Sending("ticket/1", 7))
	must(t, j.Done("ticket/1", "ASM-101"))
	must(t, j.Sending("ticket/2", 7))
	must(t, j.Rejected("ticket/2", "HTTP 400: title is required"))
	must(t, j.Sending("reply/a", 7))
	must(t, j.Retry("reply/a", "HTTP 503"))
	must(t, j.Sending("reply/a", 7))
	must(t, j.Done("reply/a", "01H"))
	must(t, j.Sending("reply/b", 7)) // in flight at the crash
	must(t, j.Sending("reply/c", 7))
	must(t, j.Uncertain("reply/c")) // connection lost, then resent
	must(t, j.Sending("reply/c", 7))
	must(t, j.Done("reply/c", "01J"))
	must(t, j.Close())

	st, err := os.Stat(path)
	must(t, err)
	// Windows has no permission bits: Go reports a writable file as 0666,
	// and the user's profile folder's ACL keeps the file private.
	if runtime.GOOS != "windows" && st.Mode().Perm() != 0o600 {
		t.Errorf("checkpoint mode = %v, want 0600", st.Mode().Perm())
	}

	j = open(t, path)
	tests := []struct {
		key  string
		want checkpoint.Job
	}{
		{"ticket/1", checkpoint.Job{State: checkpoint.Done, Hash: 7}},
		{"ticket/2", checkpoint.Job{State: checkpoint.Rejected, Reason: "HTTP 400: title is required", Hash: 7}},
		{"reply/a", checkpoint.Job{State: checkpoint.Done, Hash: 7}}, // a 503 retry is not uncertain
		{"reply/b", checkpoint.Job{State: checkpoint.Sending, Uncertain: true, Hash: 7}},
		{"reply/c", checkpoint.Job{State: checkpoint.Done, Uncertain: true, Hash: 7}},
		{"reply/never", checkpoint.Job{}},
	}
	for _, tt := range tests {
		tt.want.Key = tt.key
		known := j.Lookup()
		if got := known.Job(tt.key); got != tt.want {
			t.Errorf("Cursor.Job(%s) = %+v, want %+v", tt.key, got, tt.want)
		}
	}
	// Cursor.Job answers the same in the journal's order, out of it, and far
	// from where the last look-up left it.
	for _, order := range [][]int{{0, 1, 2, 3, 4, 5}, {5, 4, 3, 2, 1, 0}, {2, 0, 4, 1, 5, 3}} {
		known := j.Lookup()
		for _, k := range order {
			tt := tests[k]
			tt.want.Key = tt.key
			if got := known.Job(tt.key); got != tt.want {
				t.Errorf("order %v: Cursor.Job(%s) = %+v, want %+v", order, tt.key, got, tt.want)
			}
		}
	}
	if j.Snapshot() != nil {
		t.Error("Snapshot() of an open journal: it may still change")
	}
	j.Close()
	snap := j.Snapshot()
	if c := snap.Count("reply"); c != (checkpoint.Counts{Total: 3, Done: 2, Uncertain: 1, Pending: 1, Resent: 1}) {
		t.Errorf("Count(reply) = %+v", c)
	}
	if c := snap.Count("ticket"); c != (checkpoint.Counts{Total: 2, Done: 1, Rejected: 1}) {
		t.Errorf("Count(ticket) = %+v", c)
	}
}

func TestMismatch(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "cp.jsonl")
	must(t, open(t, path).Close())
	other := header
	other.Fingerprint = "def"
	_, err := checkpoint.Open(path, checkpoint.Options{Header: other, Run: limits})
	var m *checkpoint.MismatchError
	if !errors.As(err, &m) || !strings.Contains(err.Error(), "different input") {
		t.Fatalf("Open(other plan) = %v, want a MismatchError", err)
	}
}

func TestLocked(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "cp.jsonl")
	j := open(t, path)
	defer j.Close()
	if _, err := checkpoint.Open(path, checkpoint.Options{Header: header, Run: limits}); !errors.Is(err, checkpoint.ErrLocked) ||
		!strings.Contains(err.Error(), fmt.Sprintf("in use by process %d on ", os.Getpid())) {
		t.Fatalf("second Open = %v, want ErrLocked naming this process", err)
	}
	must(t, j.Sending("ticket/1", 1))
	snap, err := checkpoint.Read(path)
	if err != nil {
		t.Fatalf("Read while locked = %v: status must work during a run", err)
	}
	if !snap.Live || snap.Count("ticket").Uncertain != 1 {
		t.Errorf("Read while a run holds it: Live %v, %+v: want the sending job as in flight", snap.Live, snap.Count("ticket"))
	}
	j.Close()
	if snap, err = checkpoint.Read(path); err != nil || snap.Live {
		t.Errorf("Read after the run: Live %v, %v", snap.Live, err)
	}
	// A run that starts while a status holds the lock for a moment waits
	// for it.
	f, _ := os.Open(path)
	must(t, filelock.TryLock(f))
	time.AfterFunc(100*time.Millisecond, func() { f.Close() })
	j2, err := checkpoint.Open(path, checkpoint.Options{Header: header, Run: limits})
	if err != nil {
		t.Fatalf("Open while a status reads: %v", err)
	}
	j2.Close()
}

func TestTornLastLine(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "cp.jsonl")
	j := open(t, path)
	must(t, j.Sending("ticket/1", 7))
	must(t, j.Close())
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	must(t, err)
	f.WriteString(`{"t":"2024-01-01T00:00:00Z","k":"ticket/1","s":"do`) // killed mid-write
	f.Close()

	snap, err := checkpoint.Read(path)
	if err != nil || !snap.Torn {
		t.Fatalf("Read(torn) = %+v, %v; want Torn", snap, err)
	}
	j = open(t, path)
	must(t, j.Done("ticket/1", "ASM-1"))
	must(t, j.Close())
	snap, err = checkpoint.Read(path)
	if err != nil || snap.Torn || snap.Job("ticket/1").State != checkpoint.Done {
		t.Fatalf("after resuming a torn journal: %+v, %v", snap, err)
	}
}

func TestCorruptMiddleLine(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "cp.jsonl")
	j := open(t, path)
	must(t, j.Sending("ticket/1", 7))
	must(t, j.Close())
	data, err := os.ReadFile(path)
	must(t, err)
	lines := strings.SplitAfter(string(data), "\n")
	lines[1] = "garbage\n"
	must(t, os.WriteFile(path, []byte(strings.Join(lines, "")), 0o600))
	if _, err := checkpoint.Read(path); err == nil || !strings.Contains(err.Error(), "line 2 is corrupt") {
		t.Fatalf("Read(corrupt) = %v, want an error naming line 2", err)
	}
	if _, err := checkpoint.Open(path, checkpoint.Options{Header: header, Run: limits}); err == nil {
		t.Fatal("Open(corrupt) succeeded")
	}
}

func TestNotACheckpoint(t *testing.T) {
	for _, data := range []string{"ticket_id,title\n", "no newline at all"} {
		path := filepath.Join(wine.TempDir(t), "tickets.csv")
		must(t, os.WriteFile(path, []byte(data), 0o644))
		if _, err := checkpoint.Open(path, checkpoint.Options{Header: header, Run: limits}); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Fatalf("Open(%q) = %v, want a refusal naming line 1", data, err)
		}
		if got, _ := os.ReadFile(path); string(got) != data {
			t.Fatalf("Open changed a file that is not a checkpoint: %q", got)
		}
	}
}

// A journal of another format version is refused, untouched: its content
// hashes mean something else.
func TestOtherVersion(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "cp.jsonl")
	data := `{"t":"2026-11-20T10:00:00Z","header":{"version":1,"fingerprint":"abc","source":"csv:x","jobs":{"ticket":2}}}` + "\n" +
		`{"t":"2026-11-20T10:00:01Z","k":"ticket/1","s":"done","id":"9"}` + "\n"
	must(t, os.WriteFile(path, []byte(data), 0o600))
	if _, err := checkpoint.Open(path, checkpoint.Options{Header: header, Run: limits}); err == nil || !strings.Contains(err.Error(), "format version 1") {
		t.Fatalf("Open(version 1) = %v, want a refusal naming the version", err)
	}
	if got, _ := os.ReadFile(path); string(got) != data {
		t.Fatalf("Open changed a journal of another version: %q", got)
	}
}

// A journal begun before messages were named by what they are resumes a
// plan whose export names every message, and is refused, untouched, by one
// that holds made-up names: its keys for them are positions.
func TestPositionalIDScheme(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "cp.jsonl")
	data := `{"t":"2026-11-20T10:00:00Z","header":{"version":2,"fingerprint":"abc","source":"csv:x","jobs":{"ticket":2}}}` + "\n" +
		`{"t":"2026-11-20T10:00:01Z","k":"reply/HELP-1/comment-1","s":"done","id":"9"}` + "\n"
	must(t, os.WriteFile(path, []byte(data), 0o600))
	_, err := checkpoint.Open(path, checkpoint.Options{Header: header, Run: limits, MadeUpIDs: true, AllowChanged: true})
	var scheme *checkpoint.IDSchemeError
	if !errors.As(err, &scheme) || !strings.Contains(err.Error(), "finish this migration with the release that began it") {
		t.Fatalf("Open(positional ids) = %v, want an *IDSchemeError saying what to do", err)
	}
	if got, _ := os.ReadFile(path); string(got) != data {
		t.Fatalf("Open changed the journal it refused: %q", got)
	}
	j, err := checkpoint.Open(path, checkpoint.Options{Header: header, Run: limits})
	must(t, err)
	must(t, j.Close())
	// A journal begun today records its scheme, and opens with made-up ids.
	fresh := filepath.Join(wine.TempDir(t), "cp.jsonl")
	j, err = checkpoint.Open(fresh, checkpoint.Options{Header: header, Run: limits, MadeUpIDs: true})
	must(t, err)
	must(t, j.Close())
	j, err = checkpoint.Open(fresh, checkpoint.Options{Header: header, Run: limits, MadeUpIDs: true})
	must(t, err)
	must(t, j.Close())
}

// Cursor.Job finds every job whichever order it is asked in, beyond the few
// entries it tries first, and knows a job it never met.
func TestCursorAnyOrder(t *testing.T) {
	j := open(t, filepath.Join(wine.TempDir(t), "cp.jsonl"))
	defer j.Close()
	const n = 100
	for i := range n {
		must(t, j.Sending(fmt.Sprint("reply/", i), uint64(i)))
	}
	known := j.Lookup()
	for _, step := range []int{1, -1, 37} {
		for k := range n {
			i := (n + k*step) % n
			if got := known.Job(fmt.Sprint("reply/", i)); got.Hash != uint64(i) || got.State != checkpoint.Sending {
				t.Fatalf("step %d: Cursor.Job(reply/%d) = %+v", step, i, got)
			}
		}
	}
	if got := known.Job("reply/x"); got != (checkpoint.Job{Key: "reply/x"}) {
		t.Errorf("Cursor.Job(reply/x) = %+v, want a job never met", got)
	}
}

// Knows tells the groups a journal has met, as written and once
// compacted (where the system allows) and reopened.
func TestKnows(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "cp.jsonl")
	j := open(t, path)
	must(t, j.Sending("ticket/1", 1))
	must(t, j.Done("ticket/1", "ASM-1"))
	must(t, j.Sending("folded/2", 2, "reply/a"))
	for _, reopen := range []bool{false, true} {
		if reopen {
			if err := j.Compact(); err != nil && runtime.GOOS != "windows" { // Wine renames nothing over an open file (TestCompact)
				t.Fatal(err)
			}
			must(t, j.Close())
			j = open(t, path)
		}
		for group, want := range map[string]bool{"ticket": true, "folded": true, "reply": true, "attachments": false, "ticke": false} {
			if got := j.Knows(group); got != want {
				t.Errorf("reopened %v: Knows(%q) = %v, want %v", reopen, group, got, want)
			}
		}
	}
	j.Close()
}

func TestRefusesFolder(t *testing.T) {
	dir := wine.TempDir(t)
	if _, err := checkpoint.Open(dir, checkpoint.Options{}); err == nil || !strings.Contains(err.Error(), "not a regular file (a folder)") {
		t.Errorf("Open: %v", err)
	}
	if _, err := checkpoint.Read(dir); err == nil || !strings.Contains(err.Error(), "not a regular file (a folder)") {
		t.Errorf("Read: %v", err)
	}
}

// Compare tells a job delivered with other content (not sent again) from
// one in flight with other content when a run stopped (sent again), and
// from new and gone ones.
func TestCompare(t *testing.T) {
	j := open(t, filepath.Join(wine.TempDir(t), "cp.jsonl"))
	defer j.Close()
	must(t, j.Sending("reply/done", 1))
	must(t, j.Done("reply/done", "01H"))
	must(t, j.Sending("reply/flight", 1)) // the run stopped here
	must(t, j.Sending("reply/gone", 1))
	must(t, j.Done("reply/gone", "01J"))
	plan := func(yield func(string, uint64) bool) {
		_ = yield("reply/done", 2) && yield("reply/flight", 2) && yield("reply/new", 2)
	}
	d := j.Compare(plan)
	if fmt.Sprint(d.New, d.Changed, d.Resent, d.Gone) != "[reply/new] [reply/done] [reply/flight] [reply/gone]" {
		t.Errorf("Compare = %+v", d)
	}
}
