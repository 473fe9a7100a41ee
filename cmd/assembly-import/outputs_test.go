package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/assembly-import/assembly-import/internal/wine"
)

// An output that is an input, the checkpoint or another output is refused
// before anything is read or written: the export stays as it was.
func TestOutputsNeverOverwriteInputs(t *testing.T) {
	dir := wine.TempDir(t)
	export := filepath.Join(dir, "export")
	os.Mkdir(export, 0o755)
	tickets := "ticket_id,title,created_at,requester_email,body\nT1,Hi,2024-01-02 10:00:00,a@example.com,Hello\n"
	replies := "reply_id,ticket_id,created_at,author_email,body\n"
	os.WriteFile(filepath.Join(export, "tickets.csv"), []byte(tickets), 0o644)
	os.WriteFile(filepath.Join(export, "replies.csv"), []byte(replies), 0o644)
	mapping := filepath.Join(dir, "mapping.json")
	os.WriteFile(mapping, []byte(`{"timezone": "UTC"}`), 0o644)
	cp := filepath.Join(dir, "cp.jsonl")
	os.WriteFile(cp, nil, 0o600)
	one := filepath.Join(dir, "one", "conversations.csv") // an export in one file
	os.Mkdir(filepath.Dir(one), 0o755)
	os.WriteFile(one, []byte("conversation,subject,at,from,text\n1,Hi,2024-01-02 10:00:00,a@example.com,Hello\n"), 0o644)
	messages := filepath.Join(dir, "messages.yaml")
	os.WriteFile(messages, []byte("layout: messages\ntickets: {ticket_id: conversation, title: subject}\nreplies: {created_at: at, author_email: from, body: text}\n"), 0o644)
	link := filepath.Join(dir, "link")
	hasLink := os.Symlink(export, link) == nil
	for _, tt := range []struct {
		name string
		args []string
		want string
		link bool
	}{
		{"rejects into the export", []string{"plan", "--csv", export, "--rejects", export}, "--rejects would write", false},
		{"rejects into the export through a link", []string{"plan", "--csv", export, "--rejects", link}, "--rejects would write", true},
		{"rejects into the export, spelt otherwise", []string{"plan", "--csv", export, "--rejects", export + "/./"}, "--rejects would write", false},
		{"rejects beside a one-file export", []string{"plan", "--csv", one, "--mapping", messages, "--rejects", filepath.Dir(one)}, "--rejects would write", false},
		{"report over the mapping", []string{"plan", "--csv", export, "--mapping", mapping, "--report", filepath.Join(dir, ".", "mapping.json")}, "which is what --mapping names", false},
		{"report over an input", []string{"plan", "--csv", export, "--report", filepath.Join(export, "tickets.csv")}, "which is what --csv names", false},
		{"run: report over the checkpoint", []string{"run", "--csv", export, "--api-url", "http://127.0.0.1:9", "--checkpoint", cp + ".csv", "--report", cp + ".csv"}, "which is the checkpoint", false},
		{"status: report over the checkpoint", []string{"status", "--checkpoint", filepath.Join(dir, "cp.json"), "--report", filepath.Join(dir, "cp.json")}, "which is the checkpoint", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			switch {
			case tt.link && !hasLink:
				t.Skip("symbolic links need a privilege this Windows account lacks")
			case tt.link && wine.Detected():
				t.Skip("under Wine: a symbolic link's target keeps Windows' form, which the Linux file system beneath does not resolve")
			}
			r := runTool(t, tt.args...)
			if r.code != exitUsage || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, %q; want exit %d saying %q", r.code, r.stderr, exitUsage, tt.want)
			}
		})
	}
	if data, _ := os.ReadFile(filepath.Join(export, "tickets.csv")); string(data) != tickets {
		t.Errorf("tickets.csv changed: %q", data)
	}
	if data, _ := os.ReadFile(filepath.Join(export, "replies.csv")); string(data) != replies {
		t.Errorf("replies.csv changed: %q", data)
	}
}

// A symbolic link planted at an output's path is replaced by the output,
// created 0600, and what it pointed at is left as it was.
func TestOutputsReplacePlantedLinks(t *testing.T) {
	dir := wine.TempDir(t)
	victim := filepath.Join(dir, "victim")
	os.WriteFile(victim, []byte("precious"), 0o644)
	report := filepath.Join(dir, "plan.json")
	if err := os.Symlink(victim, report); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	rejects := filepath.Join(dir, "rejects")
	os.Mkdir(rejects, 0o755)
	victim2 := filepath.Join(dir, "victim2")
	os.WriteFile(victim2, []byte("precious"), 0o644)
	os.Symlink(victim2, filepath.Join(rejects, "tickets.csv"))
	r := runTool(t, "plan", "--csv", "testdata/dirty", "--report", report, "--rejects", rejects)
	if r.code != exitInvalid {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	for _, v := range []string{victim, victim2} {
		if data, _ := os.ReadFile(v); string(data) != "precious" {
			t.Errorf("a planted link's target became %.60q", data)
		}
	}
	for _, out := range []string{report, filepath.Join(rejects, "tickets.csv")} {
		fi, err := os.Lstat(out)
		if err != nil || !fi.Mode().IsRegular() || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v (%v); want a regular file, 0600", out, fi.Mode(), err)
		}
	}
}
