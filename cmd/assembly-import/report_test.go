package main

import (
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/assembly/sandbox"
	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/internal/wine"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
	"github.com/assembly-import/assembly-import/report"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// dirtyExport copies testdata/dirty into a new folder and adds what git
// cannot hold: a 32 MB + 1 byte file (sparse) and a link out of the folder.
// It returns the folder holding it, for running the tool in.
func dirtyExport(t *testing.T) string {
	t.Helper()
	work := wine.TempDir(t)
	dir := filepath.Join(work, "dirty")
	if err := os.CopyFS(dir, os.DirFS("testdata/dirty")); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "files", "big.bin"))
	if err != nil {
		t.Fatal(err)
	}
	f.Truncate(assembly.MaxReplyFileSize + 1)
	f.Close()
	os.WriteFile(filepath.Join(work, "secret.txt"), []byte("secret"), 0o600)
	if wine.Detected() {
		t.Skip("under Wine: a symbolic link's target keeps Windows' form, which the Linux file system beneath does not resolve, and the fixture's link case is part of every golden file")
	}
	if err := os.Symlink(filepath.Join(work, "secret.txt"), filepath.Join(dir, "files", "link.txt")); err != nil {
		if runtime.GOOS == "windows" {
			t.Skip("symbolic links need a privilege this Windows account lacks; the fixture's link case is part of every golden file")
		}
		t.Fatal(err)
	}
	return work
}

// golden compares got with the golden file at path, or rewrites it under
// -update.
func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(got) != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it); -golden +got:\n%s", path, cmp.Diff(string(want), string(got)))
	}
}

// TestPlanGolden runs plan on the samples and the dirty fixture and
// compares its terminal summary and its JSON and CSV reports with golden
// files.
func TestPlanGolden(t *testing.T) {
	dirty := dirtyExport(t)
	tests := []struct {
		name, dir string
		args      []string
	}{
		{"samples-csv", ".", []string{"--csv", "../../samples/csv"}},
		{"samples-xlsx", ".", []string{"--xlsx", "../../samples/xlsx/helpdesk.xlsx"}},
		{"dirty", dirty, []string{"--csv", "dirty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := wine.TempDir(t)
			here, _ := os.Getwd()
			if tt.dir != "." {
				t.Chdir(tt.dir)
			}
			for _, ext := range []string{"json", "csv"} {
				r := runTool(t, append(append([]string{"plan"}, tt.args...), "--report", filepath.Join(out, "report."+ext))...)
				if r.code != exitInvalid {
					t.Fatalf("exit %d, want %d", r.code, exitInvalid)
				}
				if ext == "json" {
					golden(t, filepath.Join(here, "testdata", "plan", tt.name, "stdout"), []byte(strings.ReplaceAll(r.stdout, out, "OUT")))
				}
				data, err := os.ReadFile(filepath.Join(out, "report."+ext))
				if err != nil {
					t.Fatal(err)
				}
				golden(t, filepath.Join(here, "testdata", "plan", tt.name, "report."+ext), data)
			}
		})
	}
}

// TestEveryProblemKind plans the dirty fixture: every kind of problem the
// planner knows must appear, each located on a row of the source.
func TestEveryProblemKind(t *testing.T) {
	dirty := dirtyExport(t)
	report := filepath.Join(wine.TempDir(t), "r.json")
	t.Chdir(dirty)
	runTool(t, "plan", "--csv", "dirty", "--report", report)
	var rep struct{ Problems []planner.Problem }
	data, _ := os.ReadFile(report)
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, p := range rep.Problems {
		seen[p.Kind] = true
		if _, ok := readers.RowOf(p.Origin); !ok || p.Item == "" || p.Message == "" {
			t.Errorf("problem not located: %+v", p)
		}
	}
	for _, kind := range planner.ProblemKinds {
		if !seen[kind] {
			t.Errorf("the dirty fixture shows no %s problem", kind)
		}
	}
}

// TestHTMLReportInChromium opens the plan's HTML report in headless
// Chromium: it must run its script without error and show the totals.
func TestHTMLReportInChromium(t *testing.T) {
	if wine.Detected() {
		t.Skip("under Wine: no Chromium for Windows here (the Linux run of the tests opens the report)")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("chromium is not installed: make test installs it (apt-get install chromium)")
		}
		t.Skip("chromium is not installed; make test installs it")
	}
	dirty := dirtyExport(t)
	page := filepath.Join(wine.TempDir(t), "report.html")
	t.Chdir(dirty)
	runTool(t, "plan", "--csv", "dirty", "--report", page)
	var stderr strings.Builder
	browser := exec.Command(chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--user-data-dir="+wine.TempDir(t),
		"--enable-logging=stderr", "--v=0", "--dump-dom", "file://"+page)
	browser.Stderr = &stderr
	dom, err := browser.Output()
	if err != nil {
		t.Fatalf("chromium: %v\n%s", err, stderr.String())
	}
	for _, want := range []string{`data-ready="1"`, "Migration plan", "Tickets read", ">10<", "Replies read", ">17<", "Problems by kind", "orphan-reply", "Cut-over milestones", "every ticket visible: 1s"} {
		if !strings.Contains(string(dom), want) {
			t.Errorf("the page as Chromium shows it lacks %q", want)
		}
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, "CONSOLE") || strings.Contains(line, "Uncaught") {
			t.Errorf("console: %s", line)
		}
	}
}

// TestPilotThenFull sends a pilot of three tickets, then the rest: every
// ticket once, and the full run skips what the pilot sent.
func TestPilotThenFull(t *testing.T) {
	sb, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 60000})
	dir := writeExport(t, 10, 2)
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	args := []string{"run", "--csv", dir, "--api-url", url, "--checkpoint", cp, "--replies-per-min", "60000"}
	r := runTool(t, append(args, "--sample", "3", "--sample-seed", "7")...)
	if r.code != 0 || !strings.Contains(r.stdout, "Pilot done") {
		t.Fatalf("pilot: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if st := sb.Stats(); st.Events.Accepted != 3 || st.Replies.Accepted != 6 {
		t.Errorf("the pilot sent %d tickets and %d replies, want 3 and 6", st.Events.Accepted, st.Replies.Accepted)
	}
	again := runTool(t, append(args, "--sample", "3", "--sample-seed", "7")...)
	if !strings.Contains(again.stdout, "delivered now 0, settled before 3") {
		t.Errorf("the same pilot again did not pick the same tickets:\n%s", again.stdout)
	}
	if r := runTool(t, args...); r.code != 0 || !strings.Contains(r.stdout, "delivered now 7, settled before 3") {
		t.Errorf("full run: exit %d\n%s", r.code, r.stdout)
	}
	if st := sb.Stats(); st.Events.Accepted != 10 || st.DuplicateTickets != 0 || st.Replies.Accepted != 20 {
		t.Errorf("after the full run: %+v", st)
	}
}

// TestRunReportAndRejects rejects one reply at the server: run --report
// lists it, status --report writes the same from the checkpoint, and
// --rejects writes its row back with the server's message.
func TestRunReportAndRejects(t *testing.T) {
	_, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 60000, Hook: func(r sandbox.Request) *sandbox.Fault {
		if r.Lane == sandbox.Replies && r.TicketSSID == "2" {
			return &sandbox.Fault{Status: 400, Message: "content is required"}
		}
		return nil
	}})
	dir := writeExport(t, 3, 1)
	tmp := wine.TempDir(t)
	cp := filepath.Join(tmp, "cp.jsonl")
	r := runTool(t, "run", "--csv", dir, "--api-url", url, "--checkpoint", cp, "--replies-per-min", "60000",
		"--report", filepath.Join(tmp, "run.json"), "--rejects", filepath.Join(tmp, "rejects"))
	if r.code != exitNotAll {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	var rep report.RunJSON
	data, _ := os.ReadFile(filepath.Join(tmp, "run.json"))
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	want := report.Item{Key: "reply/2-1", State: "rejected", Reason: "HTTP 400: content is required", Origin: "replies.csv:3"}
	if rep.Summary.Replies.Rejected != 1 || rep.Summary.Tickets.Done != 3 || !slices.Contains(rep.Items, want) {
		t.Errorf("run report = %+v, want it to list %+v", rep, want)
	}
	rows, _ := os.ReadFile(filepath.Join(tmp, "rejects", "replies.csv"))
	if !strings.Contains(string(rows), "2-1,2,2024-03-01 01:02:00,agent@example.com,Reply 1,rejected by Assembly: HTTP 400: content is required") {
		t.Errorf("rejects/replies.csv:\n%s", rows)
	}
	for _, ext := range []string{"json", "csv", "html"} {
		out := filepath.Join(tmp, "status."+ext)
		if r := runTool(t, "status", "--checkpoint", cp, "--report", out); r.code != 0 {
			t.Fatalf("status --report %s: exit %d\n%s", ext, r.code, r.stderr)
		}
		data, _ := os.ReadFile(out)
		if !strings.Contains(string(data), "reply/2-1") {
			t.Errorf("status report .%s does not list reply/2-1:\n%s", ext, data)
		}
	}
	snap, _ := checkpoint.Read(cp)
	if got := report.NewRun(snap, nil).Run.Items; len(got) != 1 {
		t.Errorf("items from the checkpoint alone: %+v", got)
	}
	// A resume that sends nothing writes the whole migration's rejects,
	// and its report names their origins.
	again := filepath.Join(tmp, "rejects-again")
	r = runTool(t, "run", "--csv", dir, "--api-url", url, "--checkpoint", cp, "--replies-per-min", "60000",
		"--report", filepath.Join(tmp, "run-again.json"), "--rejects", again)
	if !strings.Contains(r.stdout, "1 rows not sent written to") {
		t.Errorf("resume: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	rows, _ = os.ReadFile(filepath.Join(again, "replies.csv"))
	if !strings.Contains(string(rows), "2-1,2,2024-03-01 01:02:00,agent@example.com,Reply 1,rejected by Assembly: HTTP 400: content is required") {
		t.Errorf("rejects after a resume:\n%s", rows)
	}
	data, _ = os.ReadFile(filepath.Join(tmp, "run-again.json"))
	if !strings.Contains(string(data), `"origin": "replies.csv:3"`) && !strings.Contains(string(data), `"origin":"replies.csv:3"`) {
		t.Errorf("the resumed run's report does not name the rejected reply's origin:\n%s", data)
	}
}
