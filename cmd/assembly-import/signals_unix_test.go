//go:build unix

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/assembly-import/assembly-import/internal/wine"
)

// A stop (SIGTERM from the system, or Ctrl-C) while the export is still
// being read ends plan and run alike: exit 4, "interrupted before anything
// was sent", never the signal's own death (143, 130). The export's tickets
// file is a named pipe the test writes, so the signal is known to arrive
// while the tool reads it.
func TestStopWhileReading(t *testing.T) {
	for _, tt := range []struct {
		name string
		sig  os.Signal
		args []string
	}{
		{"SIGTERM during plan", syscall.SIGTERM, []string{"plan"}},
		{"Ctrl-C during run's planning", os.Interrupt, []string{"run", "--api-url", "http://127.0.0.1:1", "--checkpoint", "CP"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := wine.TempDir(t)
			pipe := filepath.Join(dir, "tickets.csv")
			if err := syscall.Mkfifo(pipe, 0o600); err != nil {
				t.Skip("no named pipes here:", err)
			}
			os.WriteFile(filepath.Join(dir, "replies.csv"), []byte("reply_id,ticket_id,created_at,author_email,body\n"), 0o644)
			args := append([]string{}, tt.args...)
			for i, a := range args {
				if a == "CP" {
					args[i] = filepath.Join(wine.TempDir(t), "cp.jsonl")
				}
			}
			cmd := command(t, append(args, "--csv", dir)...)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			w, err := os.OpenFile(pipe, os.O_WRONLY, 0) // returns once the tool opened it to read
			if err != nil {
				t.Fatal(err)
			}
			w.WriteString("ticket_id,title,created_at,requester_email,body\nT1,Hi,2024-01-02 10:00:00,a@example.com,Hello\n")
			cmd.Process.Signal(tt.sig)
			time.Sleep(200 * time.Millisecond)
			w.Close()
			timer := time.AfterFunc(20*time.Second, func() { cmd.Process.Kill() })
			defer timer.Stop()
			err = cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != exitStopped || !strings.Contains(errb.String(), "interrupted before anything was sent") {
				t.Fatalf("%v (want exit %d)\n%s%s", err, exitStopped, out.String(), errb.String())
			}
		})
	}
}
