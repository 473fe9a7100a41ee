package main

import (
	"bytes"
	"crypto/tls"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/assembly-import/assembly-import/assembly/sandbox"
	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/internal/wine"
)

// tortureKills is how many times TestTorture kills the tool: a few in
// `make test`, TORTURE_KILLS (60 in `make torture`) when set.
func tortureKills(t *testing.T) int {
	if n, err := strconv.Atoi(os.Getenv("TORTURE_KILLS")); err == nil && n > 0 {
		return n
	}
	return 6
}

// TestTorture kills the tool with SIGKILL at random moments, over and over,
// resuming each time, against a sandbox that also drops answers after doing
// the work. Then it compares the sandbox's store with the export: every
// ticket exactly once, every reply present and in chronological order,
// and a reply twice only where the journal said its fate was uncertain;
// with the server deduplicating replies, every reply exactly once.
func TestTorture(t *testing.T) {
	for _, dedup := range []bool{false, true} {
		t.Run(fmt.Sprintf("reply dedup %v", dedup), func(t *testing.T) {
			torture(t, dedup, tortureKills(t))
		})
	}
}

func torture(t *testing.T, dedup bool, kills int) {
	// Enough work that every kill lands mid-run: each run lives 30-330 ms.
	tickets, per := 10+2*kills, 5
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d", seed)
	sb, url := newSandbox(t, sandbox.Options{EventsPerSec: 300, RepliesPerMin: 1800, ReplyDedup: dedup, LostAck: 0.05,
		Transit: sandbox.Range{Max: 5 * time.Millisecond}})
	dir := writeExport(t, tickets, per)
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	args := []string{"run", "--csv", dir, "--api-url", url, "--checkpoint", cp,
		"--events-per-sec", "300", "--replies-per-min", "1800", "--jitter", "5ms"}
	killed, finished := 0, false
	for killed < kills && !finished {
		out, wasKilled, err := runAndKill(t, rng, args)
		switch {
		case wasKilled:
			killed++
		case err != nil && !strings.Contains(out, "Run finished"):
			t.Fatalf("a run ended by itself with %v:\n%s", err, out)
		default:
			finished = err == nil
		}
	}
	if killed < kills {
		t.Errorf("the migration finished after %d kills, before the %d asked for", killed, kills)
	}
	r := runTool(t, args...)
	if r.code != 0 {
		t.Fatalf("final run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	snap, err := checkpoint.Read(cp)
	if err != nil {
		t.Fatal(err)
	}
	stored := sb.Tickets()
	if len(stored) != tickets {
		t.Errorf("%d tickets stored, want each of %d exactly once", len(stored), tickets)
	}
	doubles, uncertain := 0, 0
	for j := range snap.All() {
		if j.Uncertain {
			uncertain++
		}
	}
	for _, tk := range stored {
		seen := map[string]int{}
		last := ""
		for _, rp := range tk.Replies {
			seen[rp.SSID]++
			if seen[rp.SSID] > 1 {
				doubles++
				if dedup || !snap.Job("reply/"+rp.SSID).Uncertain {
					t.Errorf("reply %s stored twice (dedup %v, uncertain %v)", rp.SSID, dedup, snap.Job("reply/"+rp.SSID).Uncertain)
				}
			}
			if rp.Created < last {
				t.Errorf("ticket %s: replies out of order at %s", tk.SSID, rp.SSID)
			}
			last = rp.Created
		}
		if len(seen) != per {
			t.Errorf("ticket %s has %d distinct replies, want %d", tk.SSID, len(seen), per)
		}
	}
	st := sb.Stats()
	t.Logf("kills %d; %d tickets, %d replies stored; %d extra copies of replies, each of a reply the journal marks uncertain "+
		"(%d jobs marked uncertain, tickets included; a reply resent twice has two extra copies); "+
		"ticket creates deduplicated by the server %d; 429s %d",
		killed, len(stored), st.Replies.Accepted, doubles, uncertain, st.DuplicateTickets, st.Events.TooMany+st.Replies.TooMany)
}

// runAndKill starts the tool with args as a process and kills it with
// SIGKILL (TerminateProcess on Windows) after 30-330 ms, unless it ends
// first. It returns what the tool printed, whether it was killed, and how
// it ended if by itself.
func runAndKill(t *testing.T, rng *rand.Rand, args []string) (out string, killed bool, err error) {
	t.Helper()
	cmd := command(t, args...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-time.After(time.Duration(30+rng.IntN(300)) * time.Millisecond):
		cmd.Process.Kill()
		<-exited
		return buf.String(), true, nil
	case err := <-exited:
		return buf.String(), false, err
	}
}

// TestSecondRunRefused starts a run and, while it holds the checkpoint,
// a second one, which must refuse and name the first one's process.
func TestSecondRunRefused(t *testing.T) {
	_, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 60})
	dir := writeExport(t, 3, 5)
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	args := []string{"run", "--csv", dir, "--api-url", url, "--checkpoint", cp, "--replies-per-min", "60"}
	first := command(t, args...)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { first.Process.Kill(); first.Wait() }()
	waitDone(t, cp, 1)
	r := runTool(t, args...)
	if want := fmt.Sprintf("in use by process %d", first.Process.Pid); r.code != exitUsage || !strings.Contains(r.stderr, want) {
		t.Errorf("second run: exit %d, want %d saying %q:\n%s", r.code, exitUsage, want, r.stderr)
	}
}

// TestDiskFull caps the size of the files the tool may write: the journal
// fills up mid-run (a server answering 429 over and over makes it grow
// while the plan's spill file stays small). The run must stop, and the
// sandbox must have received no request whose "sending" line is not in
// the journal.
func TestDiskFull(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("a full disk is simulated with RLIMIT_FSIZE, which Windows lacks")
	}
	sb, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000, Hook: func(r sandbox.Request) *sandbox.Fault {
		if r.Lane == sandbox.Events && r.N > 1 {
			return &sandbox.Fault{Status: 429, Message: "slow down"}
		}
		return nil
	}})
	dir := writeExport(t, 2, 1)
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	cmd := command(t, "run", "--csv", dir, "--api-url", url, "--checkpoint", cp, "--replies-per-min", "6000")
	cmd.Env = append(cmd.Env, maxFileSize+"=2500")
	out, err := cmd.CombinedOutput()
	if code := cmd.ProcessState.ExitCode(); err == nil || code != exitUsage || !strings.Contains(string(out), "file too large") {
		t.Fatalf("exit %d, want %d naming the write error:\n%s", code, exitUsage, out)
	}
	data, _ := os.ReadFile(cp)
	sent := strings.Count(string(data), `"s":"sending"`)
	st := sb.Stats()
	if got := st.Events.Accepted + st.Replies.Accepted; got > sent || got == 0 {
		t.Errorf("the sandbox accepted %d requests; the journal recorded %d sends before it filled up", got, sent)
	}
	if !strings.Contains(string(out), "nothing was sent without being recorded") {
		t.Errorf("no reassurance in:\n%s", out)
	}
}

// TestMaxErrors stops a run whose every reply is rejected after three.
func TestMaxErrors(t *testing.T) {
	_, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000, RequireUserID: false,
		Hook: func(r sandbox.Request) *sandbox.Fault {
			if r.Lane == sandbox.Replies {
				return &sandbox.Fault{Status: 400, Message: "content is invalid"}
			}
			return nil
		}})
	dir := writeExport(t, 10, 5)
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	r := runTool(t, "run", "--csv", dir, "--api-url", url, "--checkpoint", cp, "--replies-per-min", "6000", "--max-errors", "3")
	if r.code != exitNotAll || !strings.Contains(r.stderr, "stopped early") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	snap, _ := checkpoint.Read(cp)
	if c := snap.Count("reply"); c.Rejected < 3 || c.Rejected > 3+8 {
		t.Errorf("rejected %d replies; want the run to stop soon after 3 (at most the workers in flight more)", c.Rejected)
	}
}

// TestChangedExport resumes a checkpoint with an export that changed: it
// refuses and explains, and with --allow-changed-source sends only what is
// new and lists what changed since it was sent.
func TestChangedExport(t *testing.T) {
	sb, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000})
	dir := writeExport(t, 3, 2)
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	args := []string{"run", "--csv", dir, "--api-url", url, "--checkpoint", cp, "--replies-per-min", "6000"}
	if r := runTool(t, args...); r.code != 0 {
		t.Fatalf("first run: exit %d\n%s", r.code, r.stderr)
	}
	// The export grows a ticket and a reply, and one reply is edited.
	tk, _ := os.ReadFile(filepath.Join(dir, "tickets.csv"))
	rp, _ := os.ReadFile(filepath.Join(dir, "replies.csv"))
	tk = append(tk, "4,Ticket 4,2024-02-05 10:00:00,c4@example.com,Body of 4\n"...)
	rp = bytes.Replace(rp, []byte("1-1,1,2024-03-01 01:01:00,agent@example.com,Reply 1"), []byte("1-1,1,2024-03-01 01:01:00,agent@example.com,Reply 1 (edited)"), 1)
	rp = append(rp, "4-1,4,2024-03-02 10:00:00,agent@example.com,New reply\n"...)
	os.WriteFile(filepath.Join(dir, "tickets.csv"), tk, 0o644)
	os.WriteFile(filepath.Join(dir, "replies.csv"), rp, 0o644)

	r := runTool(t, args...)
	if r.code != exitUsage || !strings.Contains(r.stdout, "2 new items, 1 changed since they were sent, 0 no longer in the export") ||
		!strings.Contains(r.stderr, "--allow-changed-source") {
		t.Fatalf("resume with a changed export: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r = runTool(t, append(args, "--allow-changed-source")...)
	if r.code != 0 || !strings.Contains(r.stdout, "reply/1-1") {
		t.Fatalf("--allow-changed-source: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	st := sb.Stats()
	if st.Events.Accepted != 4 || st.Replies.Accepted != 7 || st.DuplicateReplies != 0 {
		t.Errorf("sandbox: %d tickets, %d replies, %d duplicates; want 4, 7, 0 (only the new ones sent)",
			st.Events.Accepted, st.Replies.Accepted, st.DuplicateReplies)
	}
}

// TestCAFile serves the sandbox over TLS with its own certificate: without
// --ca-file the run refuses it, with it the run goes through.
func TestCAFile(t *testing.T) {
	sb := sandbox.New(sandbox.Options{Key: testKey, EventsPerSec: 100, RepliesPerMin: 6000})
	srv := httptest.NewUnstartedServer(sb)
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	defer srv.Close()
	ca := filepath.Join(wine.TempDir(t), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	dir := writeExport(t, 2, 1)
	args := []string{"run", "--csv", dir, "--api-url", srv.URL, "--replies-per-min", "6000"}
	r := runTool(t, append(args, "--checkpoint", filepath.Join(wine.TempDir(t), "a"))...)
	if r.code != exitUsage || !strings.Contains(r.stderr, "--ca-file FILE") {
		t.Errorf("an unknown certificate was accepted: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runTool(t, append(args, "--checkpoint", filepath.Join(wine.TempDir(t), "b"), "--ca-file", ca)...)
	if r.code != 0 {
		t.Errorf("with --ca-file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestSecondInterrupt: a first Ctrl-C lets requests in flight finish (here
// they take seconds); a second one ends the process at once.
func TestSecondInterrupt(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Go sends no Ctrl-C to another process on Windows (os.Process.Signal there supports only Kill); the stop path is the same code the Unix run covers")
	}
	_, url := newSandbox(t, sandbox.Options{EventsPerSec: 100, RepliesPerMin: 6000,
		Latency: sandbox.Range{Min: 3 * time.Second, Max: 3 * time.Second}})
	dir := writeExport(t, 20, 1)
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	cmd := command(t, "run", "--csv", dir, "--api-url", url, "--checkpoint", cp, "--grace", "30s")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) { // wait until requests are in flight
		if data, _ := os.ReadFile(cp); strings.Contains(string(data), `"s":"sending"`) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
		t.Fatal("exited on the first Ctrl-C although requests were in flight for seconds")
	case <-time.After(300 * time.Millisecond):
	}
	cmd.Process.Signal(os.Interrupt)
	select {
	case <-exited:
	case <-time.After(2 * time.Second):
		cmd.Process.Kill()
		t.Fatal("a second Ctrl-C did not end the process")
	}
	snap, err := checkpoint.Read(cp)
	if err != nil {
		t.Fatal(err)
	}
	if c := snap.Count("ticket"); c.Uncertain == 0 {
		t.Errorf("tickets in flight when the process ended should be uncertain: %+v", c)
	}
}

// TestFoldTorture kills the tool at random moments while each run folds
// with another date (or none), against a sandbox that drops answers after
// doing the work: whichever form a ticket was begun in, it is finished in,
// so every message of the export is in Assembly exactly once — as a reply,
// or inside its ticket's transcript.
func TestFoldTorture(t *testing.T) {
	kills := tortureKills(t)
	tickets, per := 10+2*kills, 3
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 2))
	t.Logf("seed %d", seed)
	sb, url := newSandbox(t, sandbox.Options{EventsPerSec: 300, RepliesPerMin: 1800, ReplyDedup: true, LostAck: 0.05,
		Transit: sandbox.Range{Max: 5 * time.Millisecond}})
	dir := wine.TempDir(t)
	var tk, rp strings.Builder
	tk.WriteString("ticket_id,title,created_at,requester_email,status,body\n")
	rp.WriteString("reply_id,ticket_id,created_at,author_email,body\n")
	start := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	for i := 1; i <= tickets; i++ {
		created := start.AddDate(0, 0, i)
		status := []string{"open", "closed", "solved"}[i%3]
		fmt.Fprintf(&tk, "%d,Ticket %d,%s,c%d@example.com,%s,Body [m-%d-0]\n", i, i, created.Format(time.RFC3339), i, status, i)
		for k := 1; k <= per; k++ {
			fmt.Fprintf(&rp, "%d-%d,%d,%s,agent@example.com,Reply [m-%d-%d]\n", i, k, i, created.Add(time.Duration(k)*time.Hour).Format(time.RFC3339), i, k)
		}
	}
	os.WriteFile(filepath.Join(dir, "tickets.csv"), []byte(tk.String()), 0o644)
	os.WriteFile(filepath.Join(dir, "replies.csv"), []byte(rp.String()), 0o644)
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	args := func(fold string) []string {
		a := []string{"run", "--csv", dir, "--api-url", url, "--checkpoint", cp,
			"--events-per-sec", "300", "--replies-per-min", "1800", "--jitter", "5ms"}
		if fold != "" {
			a = append(a, "--fold-before", fold)
		}
		return a
	}
	dates := []string{"", start.AddDate(0, 0, tickets/3).Format(time.DateOnly), start.AddDate(0, 0, 2*tickets/3).Format(time.DateOnly)}
	killed := 0
	for killed < kills {
		fold := dates[rng.IntN(len(dates))]
		out, wasKilled, err := runAndKill(t, rng, args(fold))
		switch {
		case wasKilled:
			killed++
		case err != nil:
			t.Fatalf("a run (--fold-before %q) ended by itself with %v:\n%s", fold, err, out)
		default:
			killed = kills // finished early: check what is there
		}
	}
	r := runTool(t, args(dates[rng.IntN(len(dates))])...)
	if r.code != 0 {
		t.Fatalf("final run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var all strings.Builder
	folded := 0
	for _, tk := range sb.Tickets() {
		all.WriteString(tk.Query + "\n")
		if tk.Properties["folded"] == "true" {
			folded++
		}
		for _, rp := range tk.Replies {
			all.WriteString(rp.Content + "\n")
		}
	}
	text := all.String()
	for i := 1; i <= tickets; i++ {
		for k := 0; k <= per; k++ {
			if n := strings.Count(text, fmt.Sprintf("[m-%d-%d]", i, k)); n != 1 {
				t.Errorf("message %d-%d is in Assembly %d times, want once", i, k, n)
			}
		}
	}
	if n := len(sb.Tickets()); n != tickets {
		t.Errorf("%d tickets stored, want %d", n, tickets)
	}
	t.Logf("kills %d; %d tickets stored, %d of them folded; every message once", killed, tickets, folded)
}

// TestReExportTorture kills the tool at random moments while, between
// runs, the helpdesk is exported again: replies added (some in the middle
// of a conversation, some to tickets already sent folded), replies and
// whole tickets removed, new tickets, every row in another order — in the
// messages layout, whose messages have no ids, so that each is known only
// by what it is (several of a ticket's at the same second). Each run takes the new export (--allow-changed-source)
// and folds by another date, or not at all, against a sandbox that drops
// answers after doing the work. At the end every message of the last
// export is in Assembly exactly once, and no removed one twice.
func TestReExportTorture(t *testing.T) {
	kills := tortureKills(t)
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 3))
	t.Logf("seed %d", seed)
	sb, url := newSandbox(t, sandbox.Options{EventsPerSec: 300, RepliesPerMin: 1800, ReplyDedup: true, LostAck: 0.05,
		Transit: sandbox.Range{Max: 5 * time.Millisecond}})
	type message struct {
		marker string
		at     time.Time
		from   string
	}
	start := time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)
	threads := map[int][]message{} // by ticket; the first message opens it
	status := map[int]string{}
	removed := map[string]bool{}
	serial := 0
	mark := func(ticket int) string { serial++; return fmt.Sprintf("[m-%d-%d]", ticket, serial) }
	addTicket := func(i int) {
		opened := start.AddDate(0, 0, i)
		threads[i] = []message{{mark(i), opened, fmt.Sprintf("c%d@example.com", i)}}
		status[i] = []string{"open", "closed", "solved"}[i%3]
		for k := 1; k <= 3; k++ {
			threads[i] = append(threads[i], message{mark(i), opened.Add(time.Duration(k) * 3 * time.Hour), "agent@example.com"})
		}
	}
	tickets := 10 + 2*kills
	for i := 1; i <= tickets; i++ {
		addTicket(i)
	}
	dir := wine.TempDir(t)
	export := filepath.Join(dir, "conversations.csv")
	mapping := filepath.Join(dir, "mapping.yaml")
	os.WriteFile(mapping, []byte("layout: messages\ntickets: {ticket_id: Conversation, title: Subject, status: Status}\n"+
		"replies: {created_at: Sent, author_email: From, body: Text}\n"), 0o644)
	write := func() {
		var rows []string
		for i, msgs := range threads {
			for _, m := range msgs {
				rows = append(rows, fmt.Sprintf("%d,Ticket %d,%s,%s,%s,\"Text of %s\"\n", i, i, status[i], m.at.Format(time.RFC3339), m.from, m.marker))
			}
		}
		rng.Shuffle(len(rows), func(a, b int) { rows[a], rows[b] = rows[b], rows[a] })
		os.WriteFile(export, []byte("Conversation,Subject,Status,Sent,From,Text\n"+strings.Join(rows, "")), 0o644)
	}
	// reExport changes the export as a helpdesk does between two exports.
	reExport := func() {
		for range 1 + rng.IntN(3) { // replies added, anywhere after the first message
			i := 1 + rng.IntN(tickets)
			if len(threads[i]) == 0 {
				continue
			}
			at := threads[i][0].at.Add(time.Duration(1+rng.IntN(20*60)) * time.Minute)
			if n := len(threads[i]); n > 1 && rng.IntN(3) == 0 {
				at = threads[i][1+rng.IntN(n-1)].at // at the same second as another reply
			}
			threads[i] = append(threads[i], message{mark(i), at, "agent@example.com"})
		}
		for range rng.IntN(2) { // a reply removed
			i := 1 + rng.IntN(tickets)
			if len(threads[i]) > 1 {
				k := 1 + rng.IntN(len(threads[i])-1)
				removed[threads[i][k].marker] = true
				threads[i] = append(threads[i][:k], threads[i][k+1:]...)
			}
		}
		if rng.IntN(4) == 0 { // a ticket removed, with its thread
			i := 1 + rng.IntN(tickets)
			for _, m := range threads[i] {
				removed[m.marker] = true
			}
			delete(threads, i)
		}
		if rng.IntN(3) == 0 { // a new ticket
			tickets++
			addTicket(tickets)
		}
		write()
	}
	write()
	cp := filepath.Join(wine.TempDir(t), "cp.jsonl")
	args := func(fold string) []string {
		a := []string{"run", "--csv", export, "--mapping", mapping, "--api-url", url, "--checkpoint", cp,
			"--events-per-sec", "300", "--replies-per-min", "1800", "--jitter", "5ms", "--allow-changed-source"}
		if fold != "" {
			a = append(a, "--fold-before", fold)
		}
		return a
	}
	dates := func() []string {
		return []string{"", start.AddDate(0, 0, tickets/3).Format(time.DateOnly), start.AddDate(0, 0, 2*tickets/3).Format(time.DateOnly)}
	}
	killed := 0
	for killed < kills {
		fold := dates()[rng.IntN(3)]
		out, wasKilled, err := runAndKill(t, rng, args(fold))
		switch {
		case wasKilled:
			killed++
		case err != nil:
			t.Fatalf("a run (--fold-before %q) ended by itself with %v:\n%s", fold, err, out)
		}
		reExport()
	}
	r := runTool(t, args(dates()[rng.IntN(3)])...)
	if r.code != 0 {
		t.Fatalf("final run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var all strings.Builder
	folded := 0
	for _, tk := range sb.Tickets() {
		all.WriteString(tk.Query + "\n")
		if tk.Properties["folded"] == "true" {
			folded++
		}
		for _, rp := range tk.Replies {
			all.WriteString(rp.Content + "\n")
		}
	}
	text := all.String()
	messages := 0
	for _, msgs := range threads {
		for _, m := range msgs {
			messages++
			if n := strings.Count(text, m.marker); n != 1 {
				t.Errorf("message %s of the last export is in Assembly %d times, want once", m.marker, n)
			}
		}
	}
	for marker := range removed {
		if n := strings.Count(text, marker); n > 1 {
			t.Errorf("removed message %s is in Assembly %d times", marker, n)
		}
	}
	t.Logf("kills %d; last export: %d tickets, %d messages (%d removed on the way); %d tickets stored, %d folded; every message once",
		killed, len(threads), messages, len(removed), len(sb.Tickets()), folded)
}
