// Package uploader sends a plan's events and replies to Assembly in two
// paced lanes, recording every step in the checkpoint.
package uploader

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/assembly-import/assembly-import/internal/pacer"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/planner"
)

// ErrThrottled stops a run whose server keeps answering one request with a
// rate limit, however slowly the lane goes: another client may be using
// the key up, or the limit is far below the configured one.
var ErrThrottled = errors.New("the server kept rate-limiting the same request")

// ErrRepeatedFailure stops a run in which items keep failing the same way
// (see the circuit breaker, streak): a systematic cause, which the admin
// fixes before a resume (with RetryRejected, for those rejected).
var ErrRepeatedFailure = errors.New("stopped: the same failure repeated")

// ErrTooManyErrors stops a run that reached Options.MaxErrors rejected or
// failed items: a systematic mistake should cost minutes, not days.
var ErrTooManyErrors = errors.New("stopped early: too many items were not delivered")

// WideJitter is the transit allowance the command line starts the events
// lane with when the admin gives none: the spread of a long internet path
// (0–150 ms, issue 24's measure of the real world). Narrower paths are
// found by probing, at most one 429 per 1,000 events; a wider one than
// assumed costs 429s, each a Retry-After pause, which is why the start is
// wide: W/(W+150ms) is still 87% of the events limit while the lane's
// answers come late, and nothing while they come early.
const WideJitter = 150 * time.Millisecond

// Options configures Run. Zero values take the defaults in brackets.
type Options struct {
	Client  *assembly.Client
	Journal *checkpoint.Journal
	// The API's limits [30 events per second, 60 replies per minute].
	EventsPerSec  int
	RepliesPerMin int
	// The limits' windows [1s, 1m]; tests and benchmarks shrink them.
	EventsWindow, RepliesWindow time.Duration
	// Jitter is the most that two requests' transit times to the server may
	// differ [50ms]: the pacer leaves that much room once per window.
	Jitter time.Duration
	// EventsJitter is the allowance the events lane starts with, where
	// wider than Jitter [Jitter]: it narrows towards Jitter by probing, one
	// step per 1,000 answers without a 429 (WideJitter is what the command
	// line starts with).
	EventsJitter time.Duration
	// Requests in flight per lane [32 events, 8 replies].
	EventWorkers int
	ReplyWorkers int
	// MaxAttempts bounds the tries of a request that meets server errors or
	// network failures [6]; 429s do not count.
	MaxAttempts int
	// Backoff is the wait before the first retry, doubled each time [1s].
	Backoff time.Duration
	// MaxThrottled is how many rate-limit answers in a row one request may
	// meet before the run stops (ErrThrottled) [100].
	MaxThrottled int
	// NotFoundRetries is how often a reply answered 404 (its ticket not
	// found) is tried again before it fails [3].
	NotFoundRetries int
	// Grace is how long requests in flight may finish after ctx is
	// cancelled before they are abandoned [5s].
	Grace time.Duration
	// RetryRejected sends again the jobs an earlier run recorded as
	// rejected, content unchanged: for when the cause was on the server's
	// side or in the admin's settings, and is fixed.
	RetryRejected bool
	// MaxErrors stops the run once this many items were rejected or failed
	// in it [0: never].
	MaxErrors int
	// Downloader fetches the links the plan marked for download; nil keeps
	// them as links in the text.
	Downloader *Downloader
	Progress   *Progress
	Logger     *slog.Logger
	// Milestone is told each milestone the run reaches (MilestoneOpen,
	// MilestoneVisible, MilestoneDone), once, from the goroutine that
	// reached it, with how many of its jobs were rejected (not in
	// Assembly) rather than done; nil tells no one.
	Milestone func(name string, except int)
}

// The milestones of a cut-over, as a run reaches them.
const (
	// MilestoneOpen: every job of every open ticket is done (or rejected
	// for good): agents can work in Assembly.
	MilestoneOpen = "open tickets complete"
	// MilestoneVisible: every ticket's event is settled.
	MilestoneVisible = "every ticket visible"
	// MilestoneDone: every job is done or rejected; none failed.
	MilestoneDone = "everything delivered"
)

func (o *Options) defaults() {
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	def(&o.EventsPerSec, assembly.EventsPerWindow)
	def(&o.RepliesPerMin, assembly.RepliesPerWindow)
	def(&o.EventWorkers, 32)
	def(&o.ReplyWorkers, 8)
	def(&o.MaxAttempts, 6)
	def(&o.NotFoundRetries, 3)
	def(&o.MaxThrottled, 100)
	if o.EventsWindow <= 0 {
		o.EventsWindow = assembly.EventsWindow
	}
	if o.RepliesWindow <= 0 {
		o.RepliesWindow = assembly.RepliesWindow
	}
	if o.Jitter <= 0 {
		o.Jitter = 50 * time.Millisecond
	}
	o.EventsJitter = max(o.EventsJitter, o.Jitter)
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.Grace <= 0 {
		o.Grace = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// Result is what one run did.
type Result struct {
	Events, Replies LaneResult
	// Attachments counts the files and image links delivered in this run.
	Attachments AttachmentResult
	// Problems lists the jobs rejected or failed in this run.
	Problems []JobProblem
	// Stopped is set when the run ended before its work did (cancelled,
	// 401, a failing checkpoint).
	Stopped bool
}

// AttachmentResult counts one run's attachments.
type AttachmentResult struct {
	Delivered int   // files and image links on delivered messages
	Bytes     int64 // the files' size
	// Skipped lists attachments left out of delivered messages (a link that
	// could not be downloaded stays a link in the text).
	Skipped []JobProblem
}

// LaneResult counts one lane's outcomes in one run.
type LaneResult struct {
	Delivered int // acknowledged in this run (including "already there")
	Previous  int // done or rejected in an earlier run, skipped
	Rejected  int
	Failed    int
	Blocked   int // replies not sent because their ticket was rejected or failed
	Throttled int // 429s received
	// EffectiveLimit is the limit the lane kept to at the end (lower than
	// the configured one after 429s).
	EffectiveLimit int
	// Allowance is the spread of transit times the lane allowed for at the
	// end: wider than it started after 429s from bunched arrivals, narrower
	// after probes that held.
	Allowance time.Duration
}

// JobProblem is a job the server rejected or that could not be delivered.
type JobProblem struct {
	Key    string
	Origin string
	State  checkpoint.State
	Reason string
}

// lane is one rate-limited stream of requests.
type lane struct {
	name   assembly.Lane
	pacer  *pacer.Pacer
	result LaneResult
	prog   *LaneProgress
	streak streak // guarded by runner.mu
}

type runner struct {
	opts    Options
	plan    *planner.Plan
	journal *checkpoint.Journal
	reqCtx  context.Context // outlives the run's ctx by the grace period
	events  *lane
	replies *lane
	acked   *queue // tickets whose replies may go

	mu          sync.Mutex // guards the lanes' results, problems and attachments
	problems    []JobProblem
	attachments AttachmentResult

	// openLeft counts, per open ticket, its jobs not yet done or rejected;
	// openTickets, the open tickets with some left.
	openLeft     []atomic.Int32
	openTickets  atomic.Int32
	openRejected atomic.Int32 // the open tickets' jobs rejected, or held back by their ticket's rejection

	probeOnce sync.Once // proveAPI's
	probeErr  error
}

// other returns the lane that is not l.
func (r *runner) other(l *lane) *lane {
	if l == r.events {
		return r.replies
	}
	return r.events
}

// Run sends every job of plan that the journal does not record as done or
// rejected, and records each step in it. Tickets go through the events lane,
// replies through the replies lane, each ticket's replies in order once the
// ticket is acknowledged. It returns when all jobs are settled, when ctx is
// cancelled (requests in flight get Options.Grace to finish; the error is
// ctx's), on an answer after which nothing can succeed (assembly.ErrUnauthorized
// and the other stop reasons) or on a checkpoint write failure.
// Rejected and failed jobs are outcomes in the Result, not errors.
func Run(ctx context.Context, plan *planner.Plan, opts Options) (*Result, error) {
	opts.defaults()
	reqCtx, cancelReqs := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelReqs()
	stopAfter := context.AfterFunc(ctx, func() { time.AfterFunc(opts.Grace, cancelReqs) })
	defer stopAfter()

	r := &runner{
		opts:    opts,
		plan:    plan,
		journal: opts.Journal,
		reqCtx:  reqCtx,
		events:  &lane{name: assembly.Events, pacer: pacer.NewProbing(opts.EventsPerSec, opts.EventsWindow, opts.Jitter, opts.EventsJitter), prog: opts.Progress.lane(planner.KindTicket)},
		replies: &lane{name: assembly.Replies, pacer: pacer.New(opts.RepliesPerMin, opts.RepliesWindow, opts.Jitter), prog: opts.Progress.lane(planner.KindReply)},
		acked:   newQueue(len(plan.Tickets), openBarrier(plan)),
	}
	// The replies lane starts narrow: on its minute window the answers bound
	// its arrivals, whatever the allowance. Its first 429 from bunched
	// arrivals takes the events lane's wide start at once.
	r.replies.pacer.Expect(opts.EventsJitter)
	tickets, replies := plan.Jobs()
	r.events.prog.setTotal(tickets)
	r.replies.prog.setTotal(replies)
	r.openLeft = make([]atomic.Int32, len(plan.Tickets))
	openJobs := 0
	for i, t := range plan.Tickets {
		if t.Open {
			r.openLeft[i].Store(int32(1 + len(t.Replies)))
			r.openTickets.Add(1)
			openJobs += 1 + len(t.Replies)
		}
	}
	opts.Progress.open().setTotal(openJobs)

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		defer r.acked.close()
		return r.sendTickets(gctx)
	})
	g.Go(func() error { return r.sendReplies(gctx) })
	err := g.Wait()
	if err == nil {
		err = ctx.Err()
	}
	res := &Result{Events: r.events.result, Replies: r.replies.result, Problems: r.problems, Stopped: err != nil, Attachments: r.attachments}
	over := func(l LaneResult) int { return l.Delivered + l.Previous + l.Rejected } // for good
	if err == nil && over(res.Events) == tickets && over(res.Replies) == replies {
		r.milestone(MilestoneDone, 0)
	}
	res.Events.EffectiveLimit = r.events.pacer.Effective()
	res.Replies.EffectiveLimit = r.replies.pacer.Effective()
	res.Events.Allowance = r.events.pacer.Jitter()
	res.Replies.Allowance = r.replies.pacer.Jitter()
	return res, err
}

func (r *runner) sendTickets(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.opts.EventWorkers)
	known := r.journal.Lookup() // tickets are looked up in order
	previous := 0               // counted in the result once, not once a ticket under its lock
	defer func() { r.count(r.events, func(l *LaneResult) { l.Previous += previous }) }()
	for i := range r.plan.Tickets {
		t := &r.plan.Tickets[i]
		if job := known.Job(r.plan.Key(t.Job)); r.settled(job, t.Job) {
			previous++
			r.events.prog.addPrevious(job.State)
			r.jobsSettled(i, 1, job.State)
			r.ticketSettled(i, job.State)
			continue
		}
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error {
			ev, err := r.plan.Event(t.Job)
			if err != nil {
				return err
			}
			state, err := r.deliver(gctx, r.events, int64(i), t.Job, ev.Origin, func(ctx context.Context) (string, error) {
				return r.opts.Client.CreateTicket(ctx, eventRequest(ev))
			})
			if state == checkpoint.Done {
				r.countAttachments(ev.Files, ev.ImageURLs)
			}
			if state == checkpoint.Done || state == checkpoint.Rejected {
				r.jobsSettled(i, 1, state)
			}
			if state != "" {
				r.ticketSettled(i, state)
			}
			return err
		})
	}
	err := g.Wait()
	if err == nil && ctx.Err() == nil { // ctx, not gctx, which Wait cancels
		r.milestone(MilestoneVisible, 0)
	}
	return err
}

// jobsSettled counts n jobs of ticket i settled for good in state (done,
// or rejected: the server refused them or their ticket); the last of the
// open tickets' reaches MilestoneOpen, except for those rejected.
func (r *runner) jobsSettled(i, n int, state checkpoint.State) {
	if !r.plan.Tickets[i].Open || n == 0 {
		return
	}
	if p := r.opts.Progress.open(); p != nil {
		p.done.Add(int64(n))
	}
	if state == checkpoint.Rejected {
		r.openRejected.Add(int32(n))
	}
	if r.openLeft[i].Add(-int32(n)) == 0 && r.openTickets.Add(-1) == 0 {
		r.milestone(MilestoneOpen, int(r.openRejected.Load()))
	}
}

// milestone tells Options.Milestone that the run reached one, but for
// except jobs rejected.
func (r *runner) milestone(name string, except int) {
	if r.opts.Milestone != nil {
		r.opts.Milestone(name, except)
	}
}

// settled says a job needs nothing more: the server has it, or refused this
// very content (content changed since a rejection is sent again: the admin
// fixed it), unless Options.RetryRejected asks for rejections to be sent again.
func (r *runner) settled(j checkpoint.Job, job planner.Job) bool {
	return j.State == checkpoint.Done || j.State == checkpoint.Rejected && j.Hash == job.Hash && !r.opts.RetryRejected
}

// previousReplies counts replies of the plan's i-th ticket that earlier
// runs settled: in the result once, under its lock, whatever their number.
func (r *runner) previousReplies(i int, jobs ...checkpoint.Job) {
	r.count(r.replies, func(l *LaneResult) { l.Previous += len(jobs) })
	for _, j := range jobs {
		r.replies.prog.addPrevious(j.State)
		r.jobsSettled(i, 1, j.State)
	}
}

// ticketSettled lets the replies of an acknowledged ticket go, and counts
// those of a ticket that will not be there.
func (r *runner) ticketSettled(i int, state checkpoint.State) {
	r.acked.settle(i, state == checkpoint.Done)
	if state == checkpoint.Done {
		return
	}
	if state == checkpoint.Rejected { // its replies can never go: nothing is left of it
		r.jobsSettled(i, len(r.plan.Tickets[i].Replies), checkpoint.Rejected)
	}
	n := 0
	known := r.journal.Lookup()
	for _, rep := range r.plan.Tickets[i].Replies {
		if job := known.Job(r.plan.Key(rep)); !r.settled(job, rep) {
			n++
		}
	}
	r.count(r.replies, func(l *LaneResult) { l.Blocked += n })
}

func (r *runner) sendReplies(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(r.opts.ReplyWorkers)
	// The replies of the tickets, which come about in the plan's order,
	// are looked up here with one cursor, not one for each ticket's
	// thread: the next ticket's replies then lie just after the last
	// one's in a compacted journal, where a new cursor would search.
	known := r.journal.Lookup()
	var jobs []checkpoint.Job // a thread's own copy is made when it starts
	for {
		i, ok := r.acked.pop(ctx)
		if !ok {
			break
		}
		replies := r.plan.Tickets[i].Replies
		jobs = jobs[:0]
		settled := true
		for _, job := range replies {
			j := known.Job(r.plan.Key(job))
			jobs = append(jobs, j)
			settled = settled && r.settled(j, job)
		}
		if settled { // by earlier runs: nothing to send, no thread to start
			r.previousReplies(i, jobs...)
			r.acked.finished(i)
			continue
		}
		jobs := slices.Clone(jobs)
		g.Go(func() error {
			defer r.acked.finished(i)
			return r.sendThread(ctx, i, jobs)
		})
	}
	return g.Wait()
}

// sendThread sends the replies of the plan's i-th ticket, one at a time, in
// order (known is what the journal says of each as the thread starts); where the lane has room for one reply only, the earliest ticket in
// the plan's order has it. A reply that fails holds back the rest, so that a
// later run still sends them in order; a rejected one is left out.
func (r *runner) sendThread(ctx context.Context, i int, known []checkpoint.Job) error {
	replies := r.plan.Tickets[i].Replies
	for k, job := range replies {
		if j := known[k]; r.settled(j, job) {
			r.previousReplies(i, j)
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		rep, err := r.plan.Reply(job)
		if err != nil {
			return err
		}
		cleanup := r.fetchAll(ctx, &rep, r.plan.Key(job))
		state, err := r.deliver(ctx, r.replies, int64(i), job, rep.Origin, func(ctx context.Context) (string, error) {
			id, err := r.opts.Client.Reply(ctx, replyRequest(rep))
			return id, whoseID(err, rep.Author)
		})
		cleanup()
		if state == checkpoint.Done {
			r.countAttachments(rep.Files, rep.ImageURLs)
		}
		if state == checkpoint.Done || state == checkpoint.Rejected {
			r.jobsSettled(i, 1, state)
		}
		if err != nil || state == "" {
			return err
		}
		if state == checkpoint.Failed {
			r.count(r.replies, func(l *LaneResult) { l.Blocked += len(replies) - k - 1 })
			return nil
		}
	}
	return nil
}
