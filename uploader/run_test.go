package uploader_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/assembly/sandbox"
	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/internal/testutil"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/uploader"
)

const key = "test-key-3f9a"

// export writes a CSV export of n tickets with perTicket replies each; the
// first reply of ticket 1 carries a file.
func export(t *testing.T, n, perTicket int) (dir string, fileSum string) {
	t.Helper()
	dir = t.TempDir()
	var tk, rp strings.Builder
	tk.WriteString("ticket_id,title,created_at,requester_email,body\n")
	rp.WriteString("reply_id,ticket_id,created_at,author_email,body,attachments\n")
	base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&tk, "t%d,Ticket %d,%s,c%d@example.com,Body %d\n", i, i, base.Add(time.Duration(i)*time.Hour).Format(time.RFC3339), i, i)
		for k := perTicket; k >= 1; k-- { // written newest first: the plan sorts them
			att := ""
			if i == 1 && k == 1 {
				att = "file.pdf"
			}
			fmt.Fprintf(&rp, "r%d-%d,t%d,%s,agent@example.com,Reply %d to %d,%s\n", i, k, i,
				base.Add(time.Duration(i)*time.Hour+time.Duration(k)*time.Minute).Format(time.RFC3339), k, i, att)
		}
	}
	data := []byte(strings.Repeat("attachment bytes ", 5000))
	sum := sha256.Sum256(data)
	for name, b := range map[string][]byte{"tickets.csv": []byte(tk.String()), "replies.csv": []byte(rp.String()), "file.pdf": data} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir, hex.EncodeToString(sum[:])
}

func plan(t *testing.T, dir string) *planner.Plan {
	t.Helper()
	p := testutil.PlanCSV(t, dir, planner.Options{})
	if len(p.Problems) > 0 {
		t.Fatalf("plan problems: %v", p.Problems)
	}
	return p
}

type fixture struct {
	sb      *sandbox.Server
	url     string
	plan    *planner.Plan
	cpPath  string
	fileSum string
}

func newFixture(t *testing.T, n, perTicket int, opts sandbox.Options) *fixture {
	t.Helper()
	opts.Key = key
	opts.EventsPerSec, opts.RepliesPerMin = 1000, 60000
	sb := sandbox.New(opts)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	dir, sum := export(t, n, perTicket)
	return &fixture{sb: sb, url: srv.URL, plan: plan(t, dir), cpPath: filepath.Join(t.TempDir(), "cp.jsonl"), fileSum: sum}
}

func (f *fixture) run(t *testing.T, ctx context.Context, apiKey string) (*uploader.Result, *checkpoint.Snapshot, error) {
	t.Helper()
	return f.runWith(t, ctx, apiKey, false)
}

// runWith is run, sending again what earlier runs saw rejected if retryRejected.
func (f *fixture) runWith(t *testing.T, ctx context.Context, apiKey string, retryRejected bool) (*uploader.Result, *checkpoint.Snapshot, error) {
	t.Helper()
	tickets, replies := f.plan.Jobs()
	j, err := checkpoint.Open(f.cpPath, checkpoint.Options{
		Header: checkpoint.Header{Fingerprint: f.plan.Fingerprint, Jobs: map[string]int{"ticket": tickets, "reply": replies}},
		Run:    checkpoint.Run{EventsPerSec: 1000, RepliesPerMin: 60000}})
	if err != nil {
		t.Fatal(err)
	}
	client, err := assembly.NewClient(f.url, apiKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	client.AnswerTimeout = 2 * time.Second // the stalled-connection case waits this long
	res, runErr := uploader.Run(ctx, f.plan, uploader.Options{
		Client: client, Journal: j, EventsPerSec: 1000, RepliesPerMin: 60000,
		MaxAttempts: 3, Backoff: 5 * time.Millisecond, NotFoundRetries: 2, MaxThrottled: 5, Grace: time.Second,
		RetryRejected: retryRejected,
	})
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	snap, err := checkpoint.Read(f.cpPath)
	if err != nil {
		t.Fatal(err)
	}
	return res, snap, runErr
}

// checkStore checks what the sandbox holds against the plan: every ticket
// whose job is done exactly once, its done replies in order, and doubles
// only among replies the journal marks uncertain.
func (f *fixture) checkStore(t *testing.T, snap *checkpoint.Snapshot) {
	t.Helper()
	stored := map[string]sandbox.Ticket{}
	for _, tk := range f.sb.Tickets() {
		if _, dup := stored[tk.SSID]; dup {
			t.Errorf("ticket %s stored twice", tk.SSID)
		}
		stored[tk.SSID] = tk
	}
	for _, pt := range f.plan.Tickets {
		ssid := strings.TrimPrefix(f.plan.Key(pt.Job), "ticket/")
		tk, ok := stored[ssid]
		if job := snap.Job(f.plan.Key(pt.Job)); job.State == checkpoint.Done && !ok {
			t.Errorf("%s is done in the journal but not stored", f.plan.Key(pt.Job))
		}
		var last string
		seen := map[string]bool{}
		for _, r := range tk.Replies {
			if seen[r.SSID] && !snap.Job("reply/"+r.SSID).Uncertain {
				t.Errorf("reply %s stored twice but not marked uncertain", r.SSID)
			}
			seen[r.SSID] = true
			if r.Created < last {
				t.Errorf("ticket %s: reply %s arrived out of order", ssid, r.SSID)
			}
			last = r.Created
			if r.SSID == "r1-1" && (len(r.Files) != 1 || r.Files[0].SHA256 != f.fileSum || r.Files[0].Name != "file.pdf") {
				t.Errorf("r1-1 files = %+v, want file.pdf with the source's bytes", r.Files)
			}
		}
		for _, rj := range pt.Replies {
			if snap.Job(f.plan.Key(rj)).State == checkpoint.Done && !seen[strings.TrimPrefix(f.plan.Key(rj), "reply/")] {
				t.Errorf("%s is done in the journal but not stored", f.plan.Key(rj))
			}
		}
	}
}

func TestRunDeliversEverything(t *testing.T) {
	f := newFixture(t, 6, 4, sandbox.Options{})
	res, snap, err := f.run(t, context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if res.Events.Delivered != 6 || res.Replies.Delivered != 24 || len(res.Problems) != 0 {
		t.Errorf("result = %+v", res)
	}
	if c := snap.Count("reply"); c.Done != 24 || c.Pending != 0 {
		t.Errorf("journal replies = %+v", c)
	}
	f.checkStore(t, snap)
	st := f.sb.Stats()
	if st.Events.TooMany+st.Replies.TooMany+st.OrderViolations+st.DuplicateReplies+st.DuplicateTickets != 0 {
		t.Errorf("sandbox saw %+v", st)
	}
	// Running again sends nothing.
	res, _, err = f.run(t, context.Background(), key)
	if err != nil || res.Events.Previous != 6 || res.Replies.Previous != 24 || res.Events.Delivered+res.Replies.Delivered != 0 {
		t.Errorf("second run = %+v, %v; want everything settled before", res, err)
	}
}

func TestOutcomes(t *testing.T) {
	// fault injects f into the first times requests of lane (replies: of
	// ticket ssid only).
	fault := func(lane sandbox.Lane, ssid string, times int, f sandbox.Fault) func(sandbox.Request) *sandbox.Fault {
		var n atomic.Int32
		return func(r sandbox.Request) *sandbox.Fault {
			if r.Lane != lane || lane == sandbox.Replies && r.TicketSSID != ssid || n.Add(1) > int32(times) {
				return nil
			}
			return &f
		}
	}
	tests := []struct {
		name   string
		opts   sandbox.Options
		check  func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot)
		before func(f *fixture) // runs before the run
	}{
		{
			name: "ticket rejected: its replies are held back",
			opts: sandbox.Options{Hook: fault(sandbox.Events, "", 1, sandbox.Fault{Status: 400, Message: "title is required"})},
			check: func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot) {
				if res.Events.Rejected != 1 || res.Replies.Blocked != 2 || res.Replies.Delivered != 4 {
					t.Errorf("result = %+v", res)
				}
				var n int
				if len(res.Problems) == 1 {
					fmt.Sscanf(res.Problems[0].Key, "ticket/t%d", &n)
				}
				if n == 0 || res.Problems[0].Reason != "HTTP 400: title is required" || res.Problems[0].Origin != fmt.Sprintf("tickets.csv:%d", n+1) {
					t.Errorf("problems = %+v, want the server's message and the origin", res.Problems)
				}
			},
		},
		{
			name: "reply too large: rejected, the next reply still goes",
			opts: sandbox.Options{Hook: fault(sandbox.Replies, "t2", 1, sandbox.Fault{Status: 413, Message: "File size exceeds 32MB"})},
			check: func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot) {
				if res.Replies.Rejected != 1 || res.Replies.Delivered != 5 || snap.Job("reply/r2-1").State != checkpoint.Rejected {
					t.Errorf("result = %+v, r2-1 = %+v", res, snap.Job("reply/r2-1"))
				}
			},
		},
		{
			// The whole body had left: the server may have acted before
			// failing, so the reply is resent but marked as maybe doubled.
			name: "503 twice after the body left: uncertain, then delivered",
			opts: sandbox.Options{Hook: fault(sandbox.Replies, "t1", 2, sandbox.Fault{Status: 503, Message: "down"})},
			check: func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot) {
				if res.Replies.Delivered != 6 || res.Replies.Failed != 0 || !snap.Job("reply/r1-1").Uncertain {
					t.Errorf("result = %+v, r1-1 = %+v", res, snap.Job("reply/r1-1"))
				}
			},
		},
		{
			name: "stalled connection: timed out, uncertain, then delivered",
			opts: sandbox.Options{Hook: fault(sandbox.Replies, "t2", 1, sandbox.Fault{Stall: true})},
			check: func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot) {
				if j := snap.Job("reply/r2-1"); res.Replies.Delivered != 6 || !j.Uncertain || j.State != checkpoint.Done {
					t.Errorf("result = %+v, r2-1 = %+v", res, j)
				}
			},
		},
		{
			// The reply is stored, then the answer is a 500: resent, it is
			// stored twice, and the journal says it may be.
			name: "500 after acting: uncertain, resent",
			opts: sandbox.Options{Hook: fault(sandbox.Replies, "t2", 1, sandbox.Fault{Status: 500, Acted: true, Body: `{"error":"internal"}`})},
			check: func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot) {
				if j := snap.Job("reply/r2-1"); res.Replies.Delivered != 6 || !j.Uncertain {
					t.Errorf("result = %+v, r2-1 = %+v", res, j)
				}
			},
		},
		{
			name: "503 storm: failed after bounded attempts, later replies held",
			opts: sandbox.Options{Hook: fault(sandbox.Replies, "t3", 100, sandbox.Fault{Status: 503, Message: "down"})},
			check: func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot) {
				if res.Replies.Failed != 1 || res.Replies.Blocked != 1 || res.Replies.Delivered != 4 {
					t.Errorf("result = %+v", res)
				}
				if j := snap.Job("reply/r3-1"); j.State != checkpoint.Failed || !strings.Contains(j.Reason, "after 3 attempts") {
					t.Errorf("r3-1 = %+v", j)
				}
			},
		},
		{
			name: "429 with Retry-After: honoured, not a failure",
			opts: sandbox.Options{Hook: fault(sandbox.Replies, "t1", 1, sandbox.Fault{Status: 429, Message: "slow down", RetryAfter: time.Second})},
			check: func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot) {
				if res.Replies.Throttled != 1 || res.Replies.Delivered != 6 || res.Replies.Failed != 0 {
					t.Errorf("result = %+v", res)
				}
			},
		},
		{
			name: "404 on a reply: retried briefly, then failed",
			opts: sandbox.Options{Hook: fault(sandbox.Replies, "t2", 100, sandbox.Fault{Status: 404, Message: "ticket not found for identifier: t2"})},
			check: func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot) {
				if res.Replies.Failed != 1 || snap.Job("reply/r2-1").State != checkpoint.Failed {
					t.Errorf("result = %+v", res)
				}
				// The ticket is not where it was recorded: checked again.
				if j := snap.Job("ticket/t2"); j.State != checkpoint.Failed || !strings.Contains(j.Reason, "ticket not found") {
					t.Errorf("ticket t2 = %+v, want failed, to be sent again", j)
				}
			},
		},
		{
			name: "an answer about another field is no duplicate",
			opts: sandbox.Options{Hook: fault(sandbox.Events, "", 1, sandbox.Fault{Status: 422, Message: "Validation failed: Email has already been taken"})},
			check: func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot) {
				if res.Events.Rejected != 1 || res.Events.Delivered != 2 || res.Replies.Blocked != 2 {
					t.Errorf("result = %+v, want the ticket rejected and its replies held back", res)
				}
			},
		},
		{
			name: "lost answer on a reply: resent and marked uncertain",
			opts: sandbox.Options{Hook: fault(sandbox.Replies, "t1", 1, sandbox.Fault{LostAck: true})},
			check: func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot) {
				if j := snap.Job("reply/r1-1"); j.State != checkpoint.Done || !j.Uncertain {
					t.Errorf("r1-1 = %+v, want done and uncertain", j)
				}
			},
		},
		{
			name: "lost answer with reply dedup: a 409 settles it",
			opts: sandbox.Options{ReplyDedup: true, Hook: fault(sandbox.Replies, "t1", 1, sandbox.Fault{LostAck: true})},
			check: func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot) {
				if res.Replies.Delivered != 6 || len(res.Problems) != 0 {
					t.Errorf("result = %+v", res)
				}
			},
		},
	}
	tests = append(tests, struct {
		name   string
		opts   sandbox.Options
		check  func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot)
		before func(f *fixture)
	}{
		name: "a 2xx with an undocumented body: delivered, its replies go",
		opts: sandbox.Options{Hook: fault(sandbox.Events, "", 2, sandbox.Fault{Acted: true, Status: 201, Body: "<html>Created</html>"})},
		check: func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot) {
			if res.Events.Delivered != 3 || res.Events.Rejected != 0 || res.Replies.Delivered != 6 {
				t.Errorf("result = %+v", res)
			}
		},
	}, struct {
		name   string
		opts   sandbox.Options
		check  func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot)
		before func(f *fixture)
	}{
		name: "a rate limit answered 503: throttled, nothing failed",
		opts: sandbox.Options{Hook: fault(sandbox.Replies, "t1", 2, sandbox.Fault{Status: 503, Message: "Rate limit exceeded"})},
		check: func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot) {
			if res.Replies.Throttled != 2 || res.Replies.Delivered != 6 || res.Replies.Failed != 0 {
				t.Errorf("result = %+v", res)
			}
		},
	})
	for _, dup := range []struct {
		status int
		words  string
	}{{409, ""}, {200, ""}, {400, ""}, {400, "Duplicate source_specific_id"}, {409, "conflict"}} {
		tests = append(tests, struct {
			name   string
			opts   sandbox.Options
			check  func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot)
			before func(f *fixture)
		}{
			name: fmt.Sprintf("ticket exists already (%d %q): done", dup.status, dup.words),
			opts: sandbox.Options{DuplicateTicket: dup.status, DuplicateMessage: dup.words},
			before: func(f *fixture) {
				c, _ := assembly.NewClient(f.url, key, nil)
				ev, _ := f.plan.Event(f.plan.Tickets[0].Job)
				first := assembly.Event{SSID: ev.SSID, Title: ev.Title, Query: ev.Body, User: assembly.User{Email: ev.Requester.Email}}
				if _, err := c.CreateTicket(context.Background(), first); err != nil {
					panic(err)
				}
			},
			check: func(t *testing.T, res *uploader.Result, snap *checkpoint.Snapshot) {
				if res.Events.Delivered != 3 || res.Events.Rejected != 0 || res.Replies.Delivered != 6 {
					t.Errorf("result = %+v", res)
				}
			},
		})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, 3, 2, tt.opts)
			if tt.before != nil {
				tt.before(f)
			}
			res, snap, err := f.run(t, context.Background(), key)
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, res, snap)
			f.checkStore(t, snap)
		})
	}
}

func TestUnauthorizedStopsAndResumes(t *testing.T) {
	var revoked atomic.Bool
	f := newFixture(t, 5, 3, sandbox.Options{Hook: func(r sandbox.Request) *sandbox.Fault {
		if r.Lane == sandbox.Replies && r.N == 4 {
			revoked.Store(true) // the key expires mid-run
		}
		if revoked.Load() {
			return &sandbox.Fault{Status: http.StatusUnauthorized, Message: "invalid or expired API key"}
		}
		return nil
	}})
	res, snap, err := f.run(t, context.Background(), key)
	if !errors.Is(err, assembly.ErrUnauthorized) || !res.Stopped {
		t.Fatalf("Run = %+v, %v; want ErrUnauthorized", res, err)
	}
	if strings.Contains(err.Error(), key) {
		t.Errorf("the error shows the key: %v", err)
	}
	for j := range snap.All() {
		if j.Uncertain {
			t.Errorf("%s marked uncertain after a 401: a refused request was not acted on", j.Key)
		}
	}
	revoked.Store(false) // a new key; the sandbox's 4th reply is behind us
	_, snap, err = f.run(t, context.Background(), key)
	if err != nil {
		t.Fatalf("resume: %v", err)
	}
	if c := snap.Count("reply"); c.Done != 15 {
		t.Errorf("after resume replies = %+v", c)
	}
	f.checkStore(t, snap)
}

func TestCancelAndResume(t *testing.T) {
	var arrived atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := newFixture(t, 10, 5, sandbox.Options{Hook: func(r sandbox.Request) *sandbox.Fault {
		if r.Lane == sandbox.Replies && arrived.Add(1) == 12 {
			cancel() // Ctrl-C in the middle of the replies
		}
		return nil
	}})
	res, snap, err := f.run(t, ctx, key)
	if !errors.Is(err, context.Canceled) || !res.Stopped {
		t.Fatalf("Run = %v, want context.Canceled", err)
	}
	if c := snap.Count("reply"); c.Done == 50 || c.Done < 11 {
		t.Errorf("after cancel replies = %+v", c)
	}
	_, snap, err = f.run(t, context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	if c := snap.Count("reply"); c.Done != 50 {
		t.Errorf("after resume replies = %+v", c)
	}
	f.checkStore(t, snap)
	if st := f.sb.Stats(); st.DuplicateTickets != 0 || st.OrderViolations != 0 {
		t.Errorf("sandbox saw %+v", st)
	}
}

// A server that wants every reply's author's Assembly user id stops the
// run after a few (the breaker), with nothing rejected: the replies it
// refused are sent again by the next run, once a user map gives the ids. A
// single reply refused so is that reply's failure, named by its author,
// and the run goes on.
func TestUserIDRequired(t *testing.T) {
	f := newFixture(t, 8, 2, sandbox.Options{RequireUserID: true, UserIDMessage: "User ID is required"})
	res, snap, err := f.run(t, context.Background(), key)
	if !errors.Is(err, assembly.ErrUserIDRequired) || res.Replies.Rejected != 0 {
		t.Fatalf("Run = %+v, %v; want ErrUserIDRequired and nothing rejected", res, err)
	}
	if c := snap.Count("reply"); c.Done != 0 || c.Rejected != 0 || c.Failed == 0 {
		t.Errorf("replies = %+v, want some failed (sent again next run), none done or rejected", c)
	}

	var n atomic.Int32
	f = newFixture(t, 3, 2, sandbox.Options{Hook: func(r sandbox.Request) *sandbox.Fault {
		if r.Lane == sandbox.Replies && r.TicketSSID == "t2" && n.Add(1) == 1 {
			return &sandbox.Fault{Status: 400, Message: "user.id is required"}
		}
		return nil
	}})
	res, snap, err = f.run(t, context.Background(), key)
	if err != nil || res.Replies.Failed != 1 || res.Replies.Delivered != 4 {
		t.Fatalf("one reply refused: Run = %+v, %v; want it failed, the other tickets' replies delivered", res, err)
	}
	if j := snap.Job("reply/r2-1"); j.State != checkpoint.Failed || !strings.Contains(j.Reason, "has no Assembly user id: --user-map") {
		t.Errorf("r2-1 = %+v, want failed, naming what is missing", j)
	}
}

// Answers that would otherwise reject every item alike stop the run,
// resumably, with nothing recorded as rejected.
func TestStopsInsteadOfRejectingEverything(t *testing.T) {
	always := func(lane sandbox.Lane, f sandbox.Fault) func(sandbox.Request) *sandbox.Fault {
		return func(r sandbox.Request) *sandbox.Fault {
			if r.Lane == lane {
				return &f
			}
			return nil
		}
	}
	tests := []struct {
		name string
		opts sandbox.Options
		want error
	}{
		{"wrong API URL: 404 on events", sandbox.Options{Hook: always(sandbox.Events, sandbox.Fault{Status: 404, Message: "Not Found"})}, assembly.ErrWrongEndpoint},
		{"wrong API URL: 405", sandbox.Options{Hook: always(sandbox.Events, sandbox.Fault{Status: 405, Message: "Method Not Allowed"})}, assembly.ErrWrongEndpoint},
		{"redirect", sandbox.Options{Hook: always(sandbox.Events, sandbox.Fault{Status: 302, Location: "http://127.0.0.1:1/interactions"})}, assembly.ErrRedirected},
		{"endless 429s", sandbox.Options{Hook: always(sandbox.Replies, sandbox.Fault{Status: 429, Message: "slow down"})}, uploader.ErrThrottled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, 2, 2, tt.opts)
			res, snap, err := f.run(t, context.Background(), key)
			if !errors.Is(err, tt.want) || res.Events.Rejected+res.Replies.Rejected != 0 {
				t.Fatalf("Run = %+v, %v; want %v and nothing rejected", res, err, tt.want)
			}
			for j := range snap.All() {
				if j.State == checkpoint.Rejected || j.State == checkpoint.Failed {
					t.Errorf("%s recorded %s: a resume would not send it", j.Key, j.State)
				}
			}
		})
	}
}

// A rejection whose cause was the server's is sent again with RetryRejected,
// and only then.
func TestRetryRejected(t *testing.T) {
	var fixed atomic.Bool
	f := newFixture(t, 2, 2, sandbox.Options{Hook: func(r sandbox.Request) *sandbox.Fault {
		if r.Lane == sandbox.Replies && !fixed.Load() {
			return &sandbox.Fault{Status: 422, Message: "unprocessable"}
		}
		return nil
	}})
	if res, _, err := f.run(t, context.Background(), key); err != nil || res.Replies.Rejected != 4 {
		t.Fatalf("first run = %+v, %v; want 4 replies rejected", res, err)
	}
	fixed.Store(true)
	if res, _, err := f.run(t, context.Background(), key); err != nil || res.Replies.Delivered != 0 {
		t.Fatalf("resume = %+v, %v; want nothing sent again without RetryRejected", res, err)
	}
	res, snap, err := f.runWith(t, context.Background(), key, true)
	if err != nil || res.Replies.Delivered != 4 {
		t.Fatalf("resume with RetryRejected = %+v, %v; want the 4 replies delivered", res, err)
	}
	f.checkStore(t, snap)
}

// The circuit breaker: items failing alike from the start stop the run
// after a few, not after all of them.
func TestRepeatedFailureStops(t *testing.T) {
	f := newFixture(t, 100, 0, sandbox.Options{Hook: func(r sandbox.Request) *sandbox.Fault {
		return &sandbox.Fault{Status: 400, Message: fmt.Sprintf("company %d is archived", r.N)}
	}})
	res, _, err := f.run(t, context.Background(), key)
	if !errors.Is(err, uploader.ErrRepeatedFailure) || !strings.Contains(err.Error(), "is archived") {
		t.Fatalf("Run = %v; want ErrRepeatedFailure naming the answer", err)
	}
	// Requests in flight when it trips still settle: at most the lane's
	// 32 workers more than five (on a loaded machine, answers come slowly
	// and 21 more were seen at 1,000 events/s), never the rest of the plan.
	if res.Events.Rejected < 5 || res.Events.Rejected > 5+32 {
		t.Errorf("rejected %d events before stopping, want 5 and those in flight", res.Events.Rejected)
	}
}
