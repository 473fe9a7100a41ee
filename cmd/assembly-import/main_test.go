package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/assembly/sandbox"
	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/internal/pgtest"
	"github.com/assembly-import/assembly-import/internal/wine"
)

// The test binary doubles as the command: with this variable set it runs
// main, so tests can start it as a real process and kill it.
const beMain = "ASSEMBLY_IMPORT_TEST_MAIN"

// maxFileSize, when set for the process run as the command, caps the size
// of any file it writes (RLIMIT_FSIZE): a disk that fills up. Go ignores
// SIGXFSZ, so a write past it fails with EFBIG.
const maxFileSize = "ASSEMBLY_IMPORT_TEST_FSIZE"

func TestMain(m *testing.M) {
	if os.Getenv(beMain) == "1" {
		if limit, err := strconv.ParseUint(os.Getenv(maxFileSize), 10, 64); err == nil {
			if err := limitFileSize(limit); err != nil {
				panic(err)
			}
		}
		main()
	}
	os.Exit(m.Run())
}

const testKey = "sk-live-4c1f9e77d2"

// command returns the tool as a process with args and the key set, for the
// tests that need one: to signal or kill it, to cap the size of the files
// it writes, or to give the Postgres driver PG* variables (it reads them
// from the process's environment). Every other test runs the tool in-process
// (runTool).
func command(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), beMain+"=1", keyEnv+"="+testKey)
	return cmd
}

// result is a finished process's output.
type result struct {
	stdout, stderr string
	code           int
}

// runTool runs the tool in this process with args and the key set. Tests
// that must kill it, or give it limits or another working directory, start
// it as a process (command).
func runTool(t *testing.T, args ...string) result {
	t.Helper()
	return runToolEnv(t, nil, args...)
}

// runToolEnv is runTool with env's variables set over testGetenv's.
func runToolEnv(t *testing.T, env map[string]string, args ...string) result {
	t.Helper()
	getenv := func(name string) string {
		if v, ok := env[name]; ok {
			return v
		}
		return testGetenv(name)
	}
	var out, errb bytes.Buffer
	code := execute(t.Context(), "assembly-import", args, getenv, &out, &errb)
	return result{out.String(), errb.String(), code}
}

// testGetenv is the environment runTool gives the tool: this process's,
// with the test key.
func testGetenv(name string) string {
	if name == keyEnv {
		return testKey
	}
	return os.Getenv(name)
}

// writeExport writes a clean CSV export of n tickets with per replies each.
func writeExport(t *testing.T, n, per int) string {
	t.Helper()
	dir := wine.TempDir(t)
	var tk, rp strings.Builder
	tk.WriteString("ticket_id,title,created_at,requester_email,body\n")
	rp.WriteString("reply_id,ticket_id,created_at,author_email,body\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&tk, "%d,Ticket %d,2024-02-%02d 10:00:00,c%d@example.com,\"Body of %d\"\n", i, i, 1+i%28, i, i)
		for k := 1; k <= per; k++ {
			fmt.Fprintf(&rp, "%d-%d,%d,2024-03-01 %02d:%02d:00,agent@example.com,Reply %d\n", i, k, i, k%24, i%60, k)
		}
	}
	os.WriteFile(filepath.Join(dir, "tickets.csv"), []byte(tk.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "replies.csv"), []byte(rp.String()), 0o644)
	return dir
}

func newSandbox(t *testing.T, opts sandbox.Options) (*sandbox.Server, string) {
	t.Helper()
	opts.Key = testKey
	sb := sandbox.New(opts)
	srv := httptest.NewServer(sb)
	t.Cleanup(func() {
		// A request a killed process left half sent (the torture tests
		// kill runs) would hold Close until its connection ends, which
		// under Wine it may never do: cut such connections first.
		srv.CloseClientConnections()
		srv.Close()
	})
	return sb, srv.URL
}

func TestHelp(t *testing.T) {
	for _, c := range []string{"", "plan", "run", "status", "sandbox"} {
		args := strings.Fields(c + " --help")
		r := runTool(t, args...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("%v: exit %d, stdout %q", args, r.code, r.stdout)
		}
	}
}

func TestPlan(t *testing.T) {
	report := filepath.Join(wine.TempDir(t), "report.json")
	r := runTool(t, "plan", "--csv", "../../samples/csv", "--report", report)
	if r.code != exitInvalid {
		t.Fatalf("plan samples/csv: exit %d, want %d (the samples hold deliberate problems)\n%s%s", r.code, exitInvalid, r.stdout, r.stderr)
	}
	for _, want := range []string{"Read: 44 tickets, 131 replies", "tickets.csv:6 ticket T-0005 [title]", "there is no ticket T-9999", "Projection at 30 events/s and 60 replies/min"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan output lacks %q:\n%s", want, r.stdout)
		}
	}
	var rep struct {
		Summary  map[string]any
		Problems []map[string]string
	}
	data, err := os.ReadFile(report)
	if err != nil || json.Unmarshal(data, &rep) != nil {
		t.Fatalf("report: %v %s", err, data)
	}
	if rep.Summary["tickets"] != 44.0 || len(rep.Problems) != int(rep.Summary["errors"].(float64)+rep.Summary["warnings"].(float64)) {
		t.Errorf("report summary %v with %d problems", rep.Summary, len(rep.Problems))
	}
	for _, p := range rep.Problems {
		if p["origin"] == "" || p["message"] == "" || p["severity"] == "" || p["item"] == "" {
			t.Errorf("problem without location: %v", p)
		}
	}
	r = runTool(t, "plan", "--csv", "../../samples/csv", "--fold-before", "2099-01-01", "--fold-open")
	if want := "2 of the replies carry folded tickets' files that are not images (an event takes only JPG/PNG): one message each on the replies lane, 2s of its time at 60/min"; !strings.Contains(r.stdout, want) {
		t.Errorf("a folding plan does not say what its files cost (%q):\n%s", want, r.stdout)
	}
	if r := runTool(t, "plan", "--csv", writeExport(t, 3, 2)); r.code != 0 {
		t.Errorf("plan of a clean export: exit %d\n%s", r.code, r.stderr)
	}
	if r := runTool(t, "plan", "--csv", wine.TempDir(t)); r.code != exitUsage || !strings.Contains(r.stderr, "tickets.csv") {
		t.Errorf("plan of an empty folder: exit %d, %s", r.code, r.stderr)
	}
}

// waitDone polls a checkpoint until at least n jobs are done.
func waitDone(t *testing.T, path string, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if snap, err := checkpoint.Read(path); err == nil {
			done := 0
			for j := range snap.All() {
				if j.State == checkpoint.Done {
					done++
				}
			}
			if done >= n {
				return
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("checkpoint %s never reached %d done jobs", path, n)
}

// lostAckEvery drops the connection after acting on every nth reply.
func lostAckEvery(n int) func(sandbox.Request) *sandbox.Fault {
	return func(r sandbox.Request) *sandbox.Fault {
		if r.Lane == sandbox.Replies && r.N%n == 0 {
			return &sandbox.Fault{LostAck: true}
		}
		return nil
	}
}

func TestInterruptPrintsResume(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Go sends no Ctrl-C to another process on Windows (os.Process.Signal there supports only Kill); the stop path is the same code the Unix run covers")
	}
	_, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 600})
	dir := writeExport(t, 5, 10)
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	cmd := command(t, "run", "--csv", dir, "--api-url", url, "--checkpoint", cp, "--events-per-sec", "100", "--replies-per-min", "600")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitDone(t, cp, 8)
	cmd.Process.Signal(os.Interrupt)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	go func() { <-ctx.Done(); cmd.Process.Kill() }()
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitStopped {
		t.Fatalf("after Ctrl-C: %v, want exit %d\n%s", err, exitStopped, errb.String())
	}
	if !strings.Contains(errb.String(), "Resume with:\n  "+os.Args[0]+" run --csv "+dir) {
		t.Errorf("no resume command:\n%s", errb.String())
	}
	r := runTool(t, "status", "--checkpoint", cp)
	if r.code != 0 || !strings.Contains(r.stdout, "replies") || !strings.Contains(r.stdout, "pending") {
		t.Errorf("status: exit %d\n%s", r.code, r.stdout)
	}
	// A resume projects what is left, and a finished migration says so.
	resume := []string{"run", "--csv", dir, "--api-url", url, "--checkpoint", cp, "--events-per-sec", "100", "--replies-per-min", "600"}
	r = runTool(t, resume...)
	if left := regexp.MustCompile(`Plan: 5 tickets and 50 replies in all; left to send: (\d+) tickets and (\d+) replies`).FindStringSubmatch(r.stdout); r.code != 0 || left == nil || left[1]+left[2] == "550" {
		t.Errorf("resume: exit %d, want what is left projected\n%s", r.code, r.stdout)
	}
	if r = runTool(t, resume...); r.code != 0 || !strings.Contains(r.stdout, "earlier runs settled every one: nothing left to send") {
		t.Errorf("resume of a finished migration: exit %d\n%s", r.code, r.stdout)
	}
}

func TestRunExitCodes(t *testing.T) {
	dir := writeExport(t, 3, 2)
	t.Run("rejected items: 3", func(t *testing.T) {
		_, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000, Hook: func(r sandbox.Request) *sandbox.Fault {
			if r.Lane == sandbox.Replies && r.N == 1 {
				return &sandbox.Fault{Status: 400, Message: "content is required"}
			}
			return nil
		}})
		r := runTool(t, "run", "--csv", dir, "--api-url", url, "--checkpoint", filepath.Join(wine.TempDir(t), "cp"), "--replies-per-min", "6000")
		if r.code != exitNotAll || !strings.Contains(r.stdout, "HTTP 400: content is required") {
			t.Errorf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("key refused: 4", func(t *testing.T) {
		_, url := newSandbox(t, sandbox.Options{RevokeAfter: 2})
		r := runTool(t, "run", "--csv", dir, "--api-url", url, "--checkpoint", filepath.Join(wine.TempDir(t), "cp"))
		if r.code != exitStopped || !strings.Contains(r.stderr, "invalid or expired") || !strings.Contains(r.stderr, "resume with") {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("user ids required: 3 (each reply failed, naming its author), then resumed with a user map", func(t *testing.T) {
		sb, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000, RequireUserID: true})
		cp := filepath.Join(wine.TempDir(t), "cp")
		args := []string{"run", "--csv", dir, "--api-url", url, "--checkpoint", cp, "--replies-per-min", "6000"}
		r := runTool(t, args...)
		if r.code != exitNotAll || !strings.Contains(r.stderr, "its author agent@example.com has no Assembly user id: --user-map") {
			t.Fatalf("exit %d\n%s", r.code, r.stderr)
		}
		users := filepath.Join(wine.TempDir(t), "users.csv")
		os.WriteFile(users, []byte("email,assembly_id\nagent@example.com,01HZY3V4K8J5T3Q8W6X9RZ2B7C\n"), 0o644)
		if r := runTool(t, append(args, "--user-map", users)...); r.code != 0 {
			t.Fatalf("resume with the user map: exit %d\n%s", r.code, r.stderr)
		}
		for _, tk := range sb.Tickets() {
			for _, rp := range tk.Replies {
				if rp.User["id"] != "01HZY3V4K8J5T3Q8W6X9RZ2B7C" {
					t.Errorf("reply %s user = %v", rp.SSID, rp.User)
				}
			}
		}
	})
	t.Run("every reply wants a user id the user map lacks: 4, naming the map", func(t *testing.T) {
		_, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000, RequireUserID: true})
		users := filepath.Join(wine.TempDir(t), "users.csv")
		os.WriteFile(users, []byte("email,assembly_id\nsomeone@example.com,01HZY3V4K8J5T3Q8W6X9RZ2B7C\n"), 0o644)
		r := runTool(t, "run", "--csv", writeExport(t, 8, 1), "--api-url", url, "--checkpoint", filepath.Join(wine.TempDir(t), "cp"),
			"--replies-per-min", "6000", "--user-map", users)
		if r.code != exitStopped || !strings.Contains(r.stderr, "have no Assembly user id in "+users) {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("key refused and the report cannot be written: the stop first, then the report", func(t *testing.T) {
		_, url := newSandbox(t, sandbox.Options{RevokeAfter: 2})
		report := filepath.Join(wine.TempDir(t), "no-such-folder", "report.json") // as a full disk would fail it
		r := runTool(t, "run", "--csv", dir, "--api-url", url, "--checkpoint", filepath.Join(wine.TempDir(t), "cp"), "--report", report)
		stop, also := strings.Index(r.stderr, "invalid or expired"), strings.Index(r.stderr, "Also: --report")
		if r.code != exitStopped || stop < 0 || also < stop || !strings.Contains(r.stderr[stop:also], "resume with") {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("plain http to another host: 1", func(t *testing.T) {
		r := runTool(t, "run", "--csv", dir, "--api-url", "http://api.example.com", "--checkpoint", filepath.Join(wine.TempDir(t), "cp"))
		if r.code != exitUsage || !strings.Contains(r.stderr, "https") {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("no key: 1", func(t *testing.T) {
		r := runToolEnv(t, map[string]string{keyEnv: ""}, "run", "--csv", dir, "--api-url", "https://api.example.com", "--checkpoint", filepath.Join(wine.TempDir(t), "cp"))
		if r.code != exitUsage || !strings.Contains(r.stderr, keyEnv) {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("another export on the same checkpoint: 1", func(t *testing.T) {
		_, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000})
		cp := filepath.Join(wine.TempDir(t), "cp")
		if r := runTool(t, "run", "--csv", dir, "--api-url", url, "--checkpoint", cp, "--replies-per-min", "6000"); r.code != 0 {
			t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
		}
		r := runTool(t, "run", "--csv", writeExport(t, 4, 2), "--api-url", url, "--checkpoint", cp, "--replies-per-min", "6000")
		if r.code != exitUsage || !strings.Contains(r.stderr, "different input") {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
}

// TestKeyNeverShown runs plan, run (through lost answers and a refusal) and
// status, and looks for the key in everything they wrote.
func TestKeyNeverShown(t *testing.T) {
	dir := writeExport(t, 4, 3)
	tmp := wine.TempDir(t)
	cp := filepath.Join(tmp, "cp.jsonl")
	_, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000, Hook: lostAckEvery(3)})
	_, refusing := newSandbox(t, sandbox.Options{RevokeAfter: 1})
	outputs := []result{
		runTool(t, "plan", "--csv", dir, "--report", filepath.Join(tmp, "report.json")),
		runTool(t, "run", "--csv", dir, "--api-url", refusing, "--checkpoint", filepath.Join(tmp, "refused.jsonl")),
		runTool(t, "run", "--csv", dir, "--api-url", url, "--checkpoint", cp, "--replies-per-min", "6000"),
		runTool(t, "status", "--checkpoint", cp),
	}
	for i, r := range outputs {
		if strings.Contains(r.stdout+r.stderr, testKey) {
			t.Errorf("output %d shows the API key:\n%s%s", i, r.stdout, r.stderr)
		}
	}
	files, _ := filepath.Glob(filepath.Join(tmp, "*"))
	for _, f := range files {
		data, _ := os.ReadFile(f)
		if bytes.Contains(data, []byte(testKey)) {
			t.Errorf("%s holds the API key", f)
		}
		// Windows has no permission bits (Go reports 0666): its ACLs keep
		// the user's files private.
		if st, _ := os.Stat(f); runtime.GOOS != "windows" && st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is readable by others: %v", f, st.Mode().Perm())
		}
	}
}

// A server that echoes the request's Authorization header in its answers
// (a debugging endpoint, an error page) gets the key written nowhere: not
// in the checkpoint, the reports, the rejects file, nor the output.
func TestEchoedKeyIsRemoved(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Authorization")
		switch {
		case r.Header.Get(assembly.HeaderProbe) != "":
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":"query is required (Authorization: %s)"}`, key)
		case r.URL.Path == assembly.EventsPath:
			fmt.Fprintf(w, `{"ok":true,"headers":{"Authorization":%q}}`, key)
		default:
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":"content rejected; you sent Authorization=%s&x=1"}`, key)
		}
	}))
	defer echo.Close()
	dir := writeExport(t, 3, 1)
	tmp := wine.TempDir(t)
	cp := filepath.Join(tmp, "cp.jsonl")
	r := runTool(t, "run", "--csv", dir, "--api-url", echo.URL, "--checkpoint", cp, "--replies-per-min", "6000",
		"--report", filepath.Join(tmp, "run.json"), "--rejects", filepath.Join(tmp, "rejects"))
	st := runTool(t, "status", "--checkpoint", cp, "--report", filepath.Join(tmp, "status.html"))
	if !strings.Contains(r.stderr+r.stdout, "[redacted]") {
		t.Errorf("the echoed answers are not shown redacted:\n%s%s", r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr+st.stdout+st.stderr, testKey) {
		t.Errorf("the output shows the API key:\n%s%s%s", r.stdout, r.stderr, st.stdout)
	}
	filepath.WalkDir(tmp, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, _ := os.ReadFile(path); bytes.Contains(data, []byte(testKey)) {
				t.Errorf("%s holds the API key", path)
			}
		}
		return nil
	})
}

// TestSourcesShareACheckpoint plans the samples from CSV, XLSX and a
// foreign CSV with its mapping, then migrates the CSV: the XLSX (the same
// helpdesk, so the same fingerprint) resumes the checkpoint with nothing
// to send, the foreign export (other extra columns kept) is refused.
func TestSourcesShareACheckpoint(t *testing.T) {
	csvArgs := []string{"--csv", "../../samples/csv"}
	xlsxArgs := []string{"--xlsx", "../../samples/xlsx/helpdesk.xlsx"}
	foreignArgs := []string{"--csv", "../../samples/foreign", "--mapping", "../../samples/foreign/mapping.yaml"}
	fingerprint := func(args []string) string {
		r := runTool(t, append([]string{"plan"}, args...)...)
		if r.code != exitInvalid {
			t.Fatalf("plan %v: exit %d\n%s", args, r.code, r.stderr)
		}
		_, fp, _ := strings.Cut(r.stdout, "Plan fingerprint: ")
		return strings.TrimSpace(fp)
	}
	if a, b := fingerprint(csvArgs), fingerprint(xlsxArgs); a == "" || a != b {
		t.Errorf("samples/csv and samples/xlsx plan differently: %s vs %s", a, b)
	}
	fingerprint(foreignArgs)

	_, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 60000})
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	run := func(args []string) result {
		return runTool(t, append(append([]string{"run"}, args...), "--api-url", url, "--checkpoint", cp, "--replies-per-min", "60000")...)
	}
	if r := run(csvArgs); r.code != 0 {
		t.Fatalf("run csv: exit %d\n%s", r.code, r.stderr)
	}
	if r := run(xlsxArgs); r.code != 0 || !strings.Contains(r.stdout, "delivered now 0, settled before 43") {
		t.Errorf("run xlsx on the csv's checkpoint: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r := run(foreignArgs); r.code != exitUsage || !strings.Contains(r.stderr, "different input") {
		t.Errorf("run foreign on the csv's checkpoint: exit %d\n%s", r.code, r.stderr)
	}
}

// TestPostgresSource plans and migrates a helpdesk database through a
// query file, with the connection string in the PG* variables (a flag
// would show a password in ps) and checks nothing shows it.
func TestPostgresSource(t *testing.T) {
	srv := pgtest.Start(t)
	srv.Load(t, `CREATE TABLE t (id int, subject text, at timestamptz, who text, body text);
		CREATE TABLE r (id int, t int, at timestamptz, who text, body text);
		INSERT INTO t VALUES (1, 'Hello', '2024-01-01 10:00+00', 'ann@example.com', 'Hi'), (2, 'Bye', '2024-01-02 10:00+00', 'bob@example.com', 'Yo');
		INSERT INTO r VALUES (5, 1, '2024-01-01 11:00+00', 'agent@example.com', 'Reply');`)
	qf := filepath.Join(wine.TempDir(t), "q.sql")
	os.WriteFile(qf, []byte(`-- name: tickets
SELECT id AS ticket_id, subject AS title, at AS created_at, who AS requester_email, body FROM t;
-- name: replies
SELECT id AS reply_id, t AS ticket_id, at AS created_at, who AS author_email, body FROM r;
`), 0o644)
	cfg, _ := pgconn.ParseConfig(srv.DSN)
	sb, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000})
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	cmd := command(t, "run", "--postgres", "", "--query-file", qf, "--api-url", url, "--checkpoint", cp, "--replies-per-min", "6000")
	cmd.Env = append(cmd.Env, "PGHOST="+cfg.Host, fmt.Sprint("PGPORT=", cfg.Port), "PGUSER="+cfg.User, "PGDATABASE="+cfg.Database, "PGSSLMODE=disable", "PGPASSWORD=never-shown-pw")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if st := sb.Stats(); st.Events.Accepted != 2 || st.Replies.Accepted != 1 {
		t.Errorf("sandbox: %+v", st)
	}
	data, _ := os.ReadFile(cp)
	if !strings.Contains(string(data), fmt.Sprintf(`"source":"postgres:%s:%d/postgres"`, cfg.Host, cfg.Port)) ||
		strings.Contains(string(out)+string(data), "never-shown-pw") {
		t.Errorf("the checkpoint's source or the output is wrong:\n%s\n%.300s", out, data)
	}
}

// TestPgDump plans each sample dump, plain SQL and custom format, through
// its preset: each restores into a private server that is gone afterwards —
// no folder, no process.
func TestPgDump(t *testing.T) {
	pgtest.Require(t)
	tmp := pgtest.SetTempDir(t) // to check what the tool leaves behind
	tests := []struct {
		preset, root, read string
	}{
		{"chatwoot", "chatwoot-storage", "Read: 3 tickets, 5 replies"},
		{"freescout", "freescout-attachments", "Read: 2 tickets, 3 replies"},
		{"zammad", "zammad-fs", "Read: 2 tickets, 3 replies"},
	}
	for _, tt := range tests {
		prints := map[string]string{}
		for _, ext := range []string{".sql", ".dump"} {
			r := runTool(t, "plan", "--pg-dump", "../../samples/postgres/"+tt.preset+ext, "--preset", tt.preset,
				"--attachments-root", "../../samples/postgres/"+tt.root)
			if r.code != exitInvalid || !strings.Contains(r.stdout, tt.read) || !strings.Contains(r.stderr, "dump restored") {
				t.Errorf("%s%s: exit %d\n%s%s", tt.preset, ext, r.code, r.stdout, r.stderr)
			}
			_, prints[ext], _ = strings.Cut(r.stdout, "Plan fingerprint: ")
		}
		if prints[".sql"] == "" || prints[".sql"] != prints[".dump"] {
			t.Errorf("%s: the plain and custom dumps plan differently", tt.preset)
		}
	}
	// A run from Zammad's dump: the photo stored in the database arrives,
	// although the private server is gone once the plan is built.
	sb, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000})
	r := runTool(t, "run", "--pg-dump", "../../samples/postgres/zammad.dump", "--preset", "zammad",
		"--attachments-root", "../../samples/postgres/zammad-fs", "--api-url", url,
		"--checkpoint", filepath.Join(wine.TempDir(t), "cp"), "--replies-per-min", "6000")
	tk := sb.Tickets()
	if len(tk) != 1 || len(tk[0].Files) != 1 || tk[0].Files[0].Name != "broken-printer.jpg" || tk[0].Files[0].SHA256 != "63b742fc2bcf917d2be8dc9a63750c6793855251a760e4dff1b0288fdd670e8e" ||
		len(tk[0].Replies) != 1 || len(tk[0].Replies[0].Files) != 1 {
		t.Errorf("run from the Zammad dump: exit %d, store %+v\n%s", r.code, tk, r.stderr)
	}
	for _, pattern := range []string{"assembly-import-postgres-*", "assembly-import-attachments-*"} {
		if left, _ := filepath.Glob(filepath.Join(tmp, pattern)); len(left) > 0 {
			t.Errorf("left behind: %v", left)
		}
	}
	if out, _ := exec.Command("pgrep", "-f", filepath.Join(tmp, "assembly-import-postgres-")).Output(); len(out) > 0 {
		t.Errorf("private servers still running: %s", out)
	}
}

// Ctrl-C while a dump is restored stops the restore, then the private
// server, and leaves nothing behind.
func TestPgDumpInterruptedWhileRestoring(t *testing.T) {
	pgtest.Require(t)
	tmp := pgtest.SetTempDir(t) // to check what the tool leaves behind
	dump := filepath.Join(wine.TempDir(t), "slow.sql")
	os.WriteFile(dump, []byte("CREATE TABLE tickets (id int);\nSELECT pg_sleep(60);\n"), 0o644)

	cmd := command(t, "plan", "--pg-dump", dump, "--preset", "zammad")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	restoring := make(chan struct{})
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		lines, once := bufio.NewScanner(stderr), sync.Once{}
		for lines.Scan() {
			log.WriteString(lines.Text() + "\n")
			if strings.Contains(lines.Text(), "restoring the dump") {
				once.Do(func() { close(restoring) })
			}
		}
	}()
	select {
	case <-restoring:
	case <-time.After(60 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the restore did not start")
	}
	time.Sleep(500 * time.Millisecond) // psql is in pg_sleep now
	start := time.Now()
	cmd.Process.Signal(os.Interrupt)
	<-scanned
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitStopped || time.Since(start) > 15*time.Second {
		t.Errorf("interrupted restore: %v after %s\n%s", err, time.Since(start), log.String())
	}
	if left, _ := filepath.Glob(filepath.Join(tmp, "assembly-import-*")); len(left) > 0 {
		t.Errorf("left behind: %v", left)
	}
	if out, _ := exec.Command("pgrep", "-f", tmp).Output(); len(out) > 0 {
		t.Errorf("the private server still runs: %s", out)
	}
}

// TestRealExportLayouts migrates the samples shaped as real exports — Jira's
// one row per issue with repeated Comment columns, and a chat tool's one
// row per message — and reads back what the sandbox holds: every message
// once, in order, as text, from the right person.
func TestRealExportLayouts(t *testing.T) {
	for _, tt := range []struct {
		name   string
		source []string            // the source's flags
		want   map[string][]string // ticket -> its query's start, then each reply's content's start
		status map[string]string   // ticket -> its status property
		output []string            // lines the run prints
	}{
		{"jira", []string{"--csv", "../../samples/jira/jira.csv", "--mapping", "../../samples/jira/mapping.yaml"}, map[string][]string{
			// Everyone's email comes from the people directory (people.csv).
			"HELP-101": {"Since Monday the VPN drops every hour; I have to reconnect.",
				"Thanks Ann. Please try this: disconnect; update the client; reconnect.",
				"Updated the client, still dropping.",
				"We found the cause on our side and fixed it."},
			"HELP-102": {"Paper jam, tray 2.", "Cleared the jam and replaced the roller."},
			"HELP-103": {"Starting on 1 April: please prepare a laptop."},
			"HELP-104": {"Testing how a damaged comment cell is reported."}, // its broken comment is rejected, and reported
		}, nil, nil},
		{"messages", []string{"--csv", "../../samples/messages/conversations.csv", "--mapping", "../../samples/messages/mapping.yaml"}, map[string][]string{
			"215": {"Hi! My order #4471 hasn’t arrived.", "Sorry about that! Checking with the courier now.", "Any news?", "It arrives tomorrow."},
			"216": {"Originally written by Visitor 8812:\n\nDo you ship to Norway?", "Yes, 3-5 working days."},
		}, // the note is internal (not sent), the assignment and close rows are skipped, and 216 was closed by its last row
			map[string]string{"215": "open", "216": "closed"},
			[]string{"+ 1 skipped (internal notes); 2 other rows skipped (skip_rows: not messages)"}},
		// Zendesk's JSON export, recognised with no mapping: its people from
		// users.json, its internal note kept out, HTML as text, the first
		// comment the ticket's text however the comments are ordered.
		{"zendesk-json", []string{"--json", "../../samples/zendesk-json"}, map[string][]string{
			"1001": {"My order #4471 hasn't arrived.", "Sorry about that!\n\nIt ships again today."},
			"1002": {"Do you ship to Norway?", "Yes, 3–5 working days."},
			"1003": {"Starting on 1 April: please prepare a laptop."},
		}, map[string]string{"1001": "open", "1002": "closed", "1003": "open"},
			[]string{"replies 3 = 2 to send + 0 not sent (errors in the source) + 1 skipped (internal notes)"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sb, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 60000})
			r := runTool(t, append([]string{"run", "--api-url", url, "--checkpoint", filepath.Join(wine.TempDir(t), "cp.jsonl"),
				"--replies-per-min", "60000"}, tt.source...)...)
			if r.code != exitOK { // a row with errors is reported, and the rest sent
				t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			got := map[string][]string{}
			for _, tk := range sb.Tickets() {
				texts := []string{tk.Query}
				for _, rp := range tk.Replies {
					texts = append(texts, rp.Content)
				}
				got[tk.SSID] = texts
				// The people directory's emails (people.csv, users.json).
				if want, ok := map[string][2]string{"HELP-101": {"ann.lee@example.com", "bob@support.example.com"},
					"1001": {"maria@example.com", "lee@support.example.com"}}[tk.SSID]; ok &&
					(tk.User["email"] != want[0] || len(tk.Replies) == 0 || tk.Replies[0].User["email"] != want[1]) {
					t.Errorf("%s: requester %v, replies %+v: want %v", tk.SSID, tk.User, tk.Replies, want)
				}
				if want, ok := tt.status[tk.SSID]; ok && tk.Properties["status"] != want {
					t.Errorf("ticket %s has status %v, want %q", tk.SSID, tk.Properties["status"], want)
				}
			}
			for _, line := range tt.output {
				if !strings.Contains(r.stdout, line) {
					t.Errorf("the run's output lacks %q:\n%s", line, r.stdout)
				}
			}
			for id, want := range tt.want {
				texts := got[id]
				if len(texts) != len(want) {
					t.Errorf("ticket %s holds %d messages, want %d: %q", id, len(texts), len(want), texts)
					continue
				}
				for i := range want {
					if !strings.HasPrefix(texts[i], want[i]) {
						t.Errorf("ticket %s message %d = %q, want it to start %q", id, i, texts[i], want[i])
					}
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("the sandbox holds %d tickets, want %d", len(got), len(tt.want))
			}
		})
	}
}

// TestOpenFirst migrates the samples with --order open-first and reads
// back the order the sandbox received the replies in: every open ticket's
// replies (and follow-ups) before any other ticket's. Chronological order
// interleaves them.
func TestOpenFirst(t *testing.T) {
	arrivals := func(order string) (open, other []string) {
		sb, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 3000})
		r := runTool(t, "run", "--csv", "../../samples/csv", "--order", order, "--api-url", url,
			"--checkpoint", filepath.Join(wine.TempDir(t), "cp.jsonl"), "--replies-per-min", "3000", "--events-per-sec", "100")
		if r.code != exitOK {
			t.Fatalf("--order %s: exit %d\n%s", order, r.code, r.stderr)
		}
		type arrival struct {
			id   string
			open bool
		}
		var all []arrival
		for _, tk := range sb.Tickets() {
			status, _ := tk.Properties["status"].(string)
			for _, rp := range tk.Replies {
				all = append(all, arrival{rp.HistoryID, status == "open" || status == "pending"})
			}
		}
		slices.SortFunc(all, func(a, b arrival) int { return strings.Compare(a.id, b.id) }) // ULIDs: arrival order
		var seq []string
		for _, a := range all {
			if a.open {
				open = append(open, a.id)
				seq = append(seq, "o")
			} else {
				other = append(other, a.id)
				seq = append(seq, ".")
			}
		}
		t.Logf("--order %s, replies as they arrived (o: an open ticket's): %s", order, strings.Join(seq, ""))
		return open, other
	}
	open, other := arrivals("open-first")
	if len(open) == 0 || len(other) == 0 {
		t.Fatalf("%d replies of open tickets, %d of others: the samples should have both", len(open), len(other))
	}
	if last, first := open[len(open)-1], other[0]; last > first {
		t.Errorf("with --order open-first, a reply of another ticket arrived before the last of the open tickets'")
	}
	open, other = arrivals("chronological")
	if last, first := open[len(open)-1], other[0]; last < first {
		t.Errorf("with --order chronological, the open tickets' replies all came first: the test shows nothing")
	}
}

// TestFoldEndToEnd folds every ticket: each arrives as one event whose text
// holds every message, and no reply is sent apart; status accounts for the
// folded rows.
func TestFoldEndToEnd(t *testing.T) {
	sb, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000})
	dir := writeExport(t, 3, 2)
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	r := runTool(t, "run", "--csv", dir, "--fold-before", "2099-01-01", "--api-url", url, "--checkpoint", cp)
	if r.code != exitOK || !strings.Contains(r.stdout, "Folding: 3 tickets go as one message each, holding their 6 replies") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, tk := range sb.Tickets() {
		if len(tk.Replies) != 0 || tk.Properties["folded"] != "true" || tk.Properties["folded_messages"] != "3" {
			t.Errorf("ticket %s: %d replies, properties %v", tk.SSID, len(tk.Replies), tk.Properties)
		}
		for _, want := range []string{"Body of " + tk.SSID, "Reply 1", "Reply 2", "agent@example.com"} {
			if !strings.Contains(tk.Query, want) {
				t.Errorf("ticket %s: the transcript lacks %q:\n%s", tk.SSID, want, tk.Query)
			}
		}
	}
	st := runTool(t, "status", "--checkpoint", cp)
	for _, want := range []string{"Last run: --order open-first, --fold-before 2099-01-01", "tickets 3 = 0 to send + 3 folded",
		"replies 6 = 0 to send + 6 folded", "folded tickets (events) 3 of 3 done"} {
		if !strings.Contains(st.stdout, want) {
			t.Errorf("status does not say %q:\n%s", want, st.stdout)
		}
	}
	// Without the date, the next run keeps them folded, sends nothing, and
	// says so.
	r = runTool(t, "run", "--csv", dir, "--api-url", url, "--checkpoint", cp)
	if r.code != exitOK || !strings.Contains(r.stdout, "3 tickets stay folded, though --fold-before does not name them") ||
		!strings.Contains(r.stdout, "delivered now 0, settled before 3") {
		t.Errorf("second run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	st = runTool(t, "status", "--checkpoint", cp)
	if !strings.Contains(st.stdout, "Last run: --order open-first, nothing folded; 3 tickets sent folded, 3 kept folded as an earlier run sent them") {
		t.Errorf("status after the second run:\n%s", st.stdout)
	}
}

// A reply added to the export after its ticket went folded is sent as a
// reply of that ticket on resume with --allow-changed-source, and the
// change report knows the folded tickets (nothing of them is "no longer in
// the export").
func TestReplyAddedToFoldedTicket(t *testing.T) {
	sb, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000})
	dir := writeExport(t, 3, 2)
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	args := []string{"run", "--csv", dir, "--fold-before", "2099-01-01", "--api-url", url, "--checkpoint", cp, "--replies-per-min", "6000"}
	if r := runTool(t, args...); r.code != exitOK {
		t.Fatalf("first run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	rp, _ := os.ReadFile(filepath.Join(dir, "replies.csv"))
	rp = append(rp, "2-9,2,2024-04-01 10:00:00,agent@example.com,Added after the fold\n"...)
	os.WriteFile(filepath.Join(dir, "replies.csv"), rp, 0o644)

	r := runTool(t, args...)
	if r.code != exitUsage || !strings.Contains(r.stdout, "1 new items, 0 changed since they were sent, 0 no longer in the export") {
		t.Fatalf("resume with a reply added: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runTool(t, append(args, "--allow-changed-source")...)
	if r.code != exitOK || !strings.Contains(r.stdout, "1 new items, 0 changed since they were sent, 0 no longer in the export") {
		t.Fatalf("--allow-changed-source: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, tk := range sb.Tickets() {
		want := 0
		if tk.SSID == "2" {
			want = 1
		}
		if len(tk.Replies) != want || tk.Properties["folded"] != "true" {
			t.Errorf("ticket %s: %d replies (want %d), properties %v", tk.SSID, len(tk.Replies), want, tk.Properties)
		}
		if want == 1 && tk.Replies[0].Content != "Added after the fold" {
			t.Errorf("ticket 2's reply: %q", tk.Replies[0].Content)
		}
	}
	if st := sb.Stats(); st.Events.Accepted != 3 {
		t.Errorf("%d events accepted; want the 3 folded ones only", st.Events.Accepted)
	}
	// Resumed again, nothing is left and nothing is listed.
	if r = runTool(t, append(args, "--allow-changed-source")...); r.code != exitOK || !strings.Contains(r.stdout, "0 new items, 0 changed since they were sent, 0 no longer in the export") {
		t.Errorf("third run: exit %d\n%s", r.code, r.stdout)
	}
}

// A web server or portal at the API URL that answers every POST with 200
// and a page: the run proves the URL is the API before the first item,
// stops (exit 1) naming the URL and what answered, and records nothing as
// delivered. A server that passes the proof and then answers items so is
// stopped by the breaker after a few.
func TestWrongEndpointAnswering200(t *testing.T) {
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		io.WriteString(w, "<!doctype html><title>Support portal</title>")
	}))
	defer page.Close()
	dir := writeExport(t, 3, 1)
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	r := runTool(t, "run", "--csv", dir, "--api-url", page.URL, "--checkpoint", cp)
	if r.code != exitUsage || !strings.Contains(r.stderr, page.URL+"/interactions answered HTTP 200 (text/html") ||
		!strings.Contains(r.stderr, "Support portal") {
		t.Fatalf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	snap, err := checkpoint.Read(cp)
	if err != nil {
		t.Fatal(err)
	}
	if c := snap.Count("ticket"); c.Done != 0 || c.Uncertain != 0 {
		t.Errorf("tickets %+v; want none sent", c)
	}

	// Proven, then every item answered with a page.
	sb, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000, Hook: func(sandbox.Request) *sandbox.Fault {
		return &sandbox.Fault{Status: 200, Acted: true, Body: "<html>ok</html>"}
	}})
	dir = writeExport(t, 20, 0)
	r = runTool(t, "run", "--csv", dir, "--api-url", url, "--checkpoint", filepath.Join(wine.TempDir(t), "cp.jsonl"))
	if r.code != exitUsage || !strings.Contains(r.stderr, "3 answers in a row were not") {
		t.Fatalf("after the proof: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if n := sb.Stats().Events.Accepted; n > 3+16 {
		t.Errorf("%d events sent before the breaker; want it to stop after %d in a row (and those in flight)", n, assembly.MaxOddAnswers)
	}
}

// Rows lost to a runaway quote: plan exits 2 naming the line, and run
// sends the rest but does not end with 0 while they are unreadable.
func TestRunawayQuoteIsNotExit0(t *testing.T) {
	_, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000})
	dir := writeExport(t, 3, 3)
	rp, _ := os.ReadFile(filepath.Join(dir, "replies.csv"))
	rp = bytes.Replace(rp, []byte("agent@example.com,Reply 2\n"), []byte("agent@example.com,\"Reply 2\n"), 1)
	os.WriteFile(filepath.Join(dir, "replies.csv"), rp, 0o644)
	if r := runTool(t, "plan", "--csv", dir); r.code != exitInvalid || !strings.Contains(r.stdout, "without its closing quote") {
		t.Fatalf("plan: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := runTool(t, "run", "--csv", dir, "--api-url", url, "--checkpoint", filepath.Join(wine.TempDir(t), "cp"), "--replies-per-min", "6000")
	if r.code != exitNotAll || !strings.Contains(r.stderr, "1 rows of the export could not be read") {
		t.Fatalf("run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestMilestones runs the samples to the end: the checkpoint records each
// cut-over milestone as the run reached it, in order, and status shows them.
func TestMilestones(t *testing.T) {
	_, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000})
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	r := runTool(t, "run", "--csv", "../../samples/csv", "--api-url", url, "--checkpoint", cp, "--replies-per-min", "6000", "--events-per-sec", "100")
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	snap, err := checkpoint.Read(cp)
	if err != nil {
		t.Fatal(err)
	}
	open, visible, done := snap.Milestones["open tickets complete"], snap.Milestones["every ticket visible"], snap.Milestones["everything delivered"]
	if open.IsZero() || visible.IsZero() || done.IsZero() || done.Before(open) || done.Before(visible) {
		t.Errorf("milestones %v", snap.Milestones)
	}
	st := runTool(t, "status", "--checkpoint", cp)
	for _, want := range []string{"open tickets complete  reached", "every ticket visible   reached", "everything delivered   reached"} {
		if !strings.Contains(st.stdout, want) {
			t.Errorf("status does not say %q:\n%s", want, st.stdout)
		}
	}

	// An open ticket rejected, its reply held back: the milestone is
	// reached except for them, and says so. One ticket request at a time,
	// so that the lane's first is the plan's first (an open ticket): with
	// several in flight, a loaded machine may deliver the closed ticket's
	// first, and the rejected ticket is then not an open one.
	_, url = newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000, Hook: func(r sandbox.Request) *sandbox.Fault {
		if r.Lane == sandbox.Events && r.N == 1 {
			return &sandbox.Fault{Status: 400, Message: "title is invalid"}
		}
		return nil
	}})
	dir := wine.TempDir(t)
	os.WriteFile(filepath.Join(dir, "tickets.csv"), []byte("ticket_id,title,status,created_at,requester_email,body\n"+
		"1,One,open,2024-02-01 10:00:00,a@example.com,Hello\n2,Two,open,2024-02-02 10:00:00,b@example.com,Hi\n3,Three,closed,2024-02-03 10:00:00,c@example.com,Hey\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "replies.csv"), []byte("reply_id,ticket_id,created_at,author_email,body\n"+
		"r1,1,2024-02-05 10:00:00,agent@example.com,Answer\nr2,2,2024-02-05 10:00:00,agent@example.com,Answer\n"), 0o644)
	cp = filepath.Join(wine.TempDir(t), "cp.jsonl")
	r = runTool(t, "run", "--csv", dir, "--api-url", url, "--checkpoint", cp, "--replies-per-min", "6000", "--events-per-sec", "100", "--event-workers", "1")
	if r.code != exitNotAll || !strings.Contains(r.stderr, "open tickets complete except 2 rejected") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	st = runTool(t, "status", "--checkpoint", cp)
	if !strings.Contains(st.stdout, ", except 2 rejected (not in Assembly)") {
		t.Errorf("status does not count the rejected open tickets' jobs:\n%s", st.stdout)
	}
}

// A run starts from the transit allowance an earlier run of the same
// migration learned (its 429s), unless --jitter says otherwise.
func TestRunStartsFromTheLearnedAllowance(t *testing.T) {
	_, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000})
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	args := []string{"run", "--csv", "../../samples/csv", "--api-url", url, "--checkpoint", cp, "--replies-per-min", "6000", "--events-per-sec", "100"}
	if r := runTool(t, args...); r.code != exitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if strings.Contains(runTool(t, args...).stderr, "allowance an earlier run learned") ||
		strings.Contains(runTool(t, "status", "--checkpoint", cp).stdout, "allowance learned") {
		t.Fatalf("a run that learned nothing passed an allowance on")
	}
	f, err := os.OpenFile(cp, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintln(f, `{"t":"2026-12-07T10:00:00Z","allowance_ms":168.75}`) // as a lane's 429s left it
	f.Close()
	if r := runTool(t, args...); r.code != exitOK || !strings.Contains(r.stderr, "allowance an earlier run learned") || !strings.Contains(r.stderr, "169ms") {
		t.Errorf("a resumed run does not start from the allowance learned (exit %d):\n%s", r.code, r.stderr)
	}
	if r := runTool(t, append(args, "--jitter", "60ms")...); r.code != exitOK || strings.Contains(r.stderr, "allowance an earlier run learned") {
		t.Errorf("--jitter does not hold over the allowance learned (exit %d):\n%s", r.code, r.stderr)
	}
	if st := runTool(t, "status", "--checkpoint", cp); !strings.Contains(st.stdout, "Transit allowance learned: 169ms") {
		t.Errorf("status does not give the allowance learned:\n%s", st.stdout)
	}
}

// Ids holding terminal escape sequences (a cursor move, an OSC title) are
// printed escaped, on stdout and in the error line.
func TestTerminalEscapesArePrintedEscaped(t *testing.T) {
	dir := wine.TempDir(t)
	os.WriteFile(filepath.Join(dir, "tickets.csv"), []byte("ticket_id,title,created_at,requester_email,body\n"+
		"\"T1\x1b[2J\x1b]0;pwned\x07\",Hi,2024-01-02 10:00:00,a@example.com,Hello\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "replies.csv"), []byte("reply_id,ticket_id,created_at,author_email,body\n"+
		"r1,\"T9\u009b31m\",2024-01-02 11:00:00,a@example.com,Hi\n"), 0o644)
	r := runTool(t, "plan", "--csv", dir)
	if strings.ContainsAny(r.stdout+r.stderr, "\x1b\x07") || strings.Contains(r.stdout+r.stderr, "\u009b") {
		t.Errorf("raw control characters reached the output:\n%q", r.stdout+r.stderr)
	}
	if !strings.Contains(r.stdout, `\x1b`) {
		t.Errorf("the id's escape is not shown escaped:\n%s", r.stdout)
	}
}
