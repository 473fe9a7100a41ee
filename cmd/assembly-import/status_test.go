package main

import (
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assembly-import/assembly-import/assembly/sandbox"
	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/internal/wine"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/report"
)

// A ticket resent after an uncertain send cannot be doubled (the server
// deduplicates tickets by id); a reply can, and status names it.
func TestStatusListsOnlyRepliesThatMayBeDoubled(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "cp")
	j, err := checkpoint.Open(path, checkpoint.Options{
		Header: checkpoint.Header{Fingerprint: "f", Source: "csv:x", Jobs: map[string]int{"ticket": 1, "reply": 1}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"ticket/7", "reply/71"} {
		for _, step := range []func() error{
			func() error { return j.Sending(key, 1) },
			func() error { return j.Uncertain(key) },
			func() error { return j.Sending(key, 1) },
			func() error { return j.Done(key, "") },
		} {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	snap, err := checkpoint.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	writeStatus(&out, snap)
	if !strings.Contains(out.String(), "replies may appear twice in Assembly: 1\n    reply/71\n") || strings.Contains(out.String(), "ticket/7") {
		t.Errorf("status:\n%s", out.String())
	}
}

// While a run holds the checkpoint, its requests without an answer are in
// flight, not uncertain; once it has ended, they are uncertain.
func TestStatusDuringARun(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "cp")
	j, err := checkpoint.Open(path, checkpoint.Options{
		Header: checkpoint.Header{Fingerprint: "f", Source: "csv:x", Jobs: map[string]int{"ticket": 1}}, Run: checkpoint.Run{PID: 4242, Host: "box"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Sending("ticket/7", 1); err != nil {
		t.Fatal(err)
	}
	status := func() string {
		snap, err := checkpoint.Read(path)
		if err != nil {
			t.Fatal(err)
		}
		var out strings.Builder
		writeStatus(&out, snap)
		return out.String()
	}
	if out := status(); !strings.Contains(out, "A run is using this checkpoint now (process 4242 on box)") ||
		!strings.Contains(out, "0 failed, 1 in flight") || !strings.Contains(out, "In flight: sent by the run under way") || strings.Contains(out, "Uncertain") {
		t.Errorf("status during a run:\n%s", out)
	}
	j.Close()
	if out := status(); !strings.Contains(out, "1 uncertain") || !strings.Contains(out, "Uncertain: sent, answer lost") {
		t.Errorf("status after the run:\n%s", out)
	}
}

// Every row of the source is accounted for, in the status and the report
// alike: read = to send + not sent (errors) + skipped (internal notes).
func TestRowsReconcile(t *testing.T) {
	_, url := newSandbox(t, sandbox.Options{EventsPerSec: 1000, RepliesPerMin: 60000})
	dir := wine.TempDir(t)
	cp, reportFile := filepath.Join(dir, "cp"), filepath.Join(dir, "report.json")
	r := runTool(t, "run", "--csv", "../../samples/csv", "--api-url", url, "--checkpoint", cp, "--replies-per-min", "60000",
		"--events-per-sec", "1000", "--report", reportFile)
	if r.code != 0 || !strings.Contains(r.stdout, "Rows read: tickets 44 = 43 to send + 1 not sent (errors in the source); "+
		"replies 131 = 116 to send + 9 not sent (errors in the source) + 6 skipped (internal notes)") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	data, err := os.ReadFile(reportFile)
	if err != nil {
		t.Fatal(err)
	}
	var rep report.RunJSON
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{"csv", "html"} {
		out := filepath.Join(dir, "status."+ext)
		if r := runTool(t, "status", "--checkpoint", cp, "--report", out); r.code != 0 {
			t.Fatalf("status --report %s: exit %d\n%s", out, r.code, r.stderr)
		}
		data, _ := os.ReadFile(out)
		if !strings.Contains(html.UnescapeString(string(data)), "131 = 116 to send + 9 not sent (errors in the source) + 6 skipped (internal notes)") {
			t.Errorf("the %s report does not account for the rows:\n%s", ext, data)
		}
	}
	for group, c := range map[string]checkpoint.Counts{planner.TicketGroup: rep.Summary.Tickets, planner.ReplyGroup: rep.Summary.Replies} {
		rows := rep.Summary.Rows[group]
		if rows.Read != c.Total+rows.NotSent+rows.Skipped || c.Done != c.Total {
			t.Errorf("%s: rows %+v, jobs %+v: they do not add up", group, rows, c)
		}
	}
}
