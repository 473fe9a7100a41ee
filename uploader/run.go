// Package uploader sends a plan's events and replies to Assembly in two
// paced lanes, recording every step in the checkpoint.
package uploader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http/httptrace"
	"strings"
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
	// Requests in flight per lane [16 events, 8 replies].
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
	def(&o.EventWorkers, 16)
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

// The circuit breaker: a run stops (ErrRepeatedFailure) when a lane's first
// openingStreak items of the run, or any longStreak items in a row, all
// fail the same way — a wrong setting or a server change, not bad items.
const (
	openingStreak = 5
	longStreak    = 20
)

// streak counts a lane's consecutive items not delivered for the same reason.
type streak struct {
	kind    string
	n       int
	settled int // items settled in the lane in this run
	opening bool
}

// failed counts a failure of kind and says whether the breaker trips.
func (s *streak) failed(kind string) bool {
	s.settled++
	if kind != s.kind {
		s.kind, s.n = kind, 0
	}
	s.n++
	if s.settled == s.n && s.n <= openingStreak {
		s.opening = true // every item so far failed alike
	}
	return s.opening && s.n >= openingStreak || s.n >= longStreak
}

func (s *streak) delivered() {
	s.settled++
	s.kind, s.n, s.opening = "", 0, false
}

// failureKind groups failures that differ only in the item they name:
// digits and quoted ids are left out.
func failureKind(reason string) string {
	var b strings.Builder
	for _, c := range reason {
		if c < '0' || c > '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
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
		events:  &lane{name: assembly.Events, pacer: pacer.New(opts.EventsPerSec, opts.EventsWindow, opts.Jitter), prog: opts.Progress.lane(planner.KindTicket)},
		replies: &lane{name: assembly.Replies, pacer: pacer.New(opts.RepliesPerMin, opts.RepliesWindow, opts.Jitter), prog: opts.Progress.lane(planner.KindReply)},
		acked:   newQueue(len(plan.Tickets), openBarrier(plan)),
	}
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
	return res, err
}

func (r *runner) sendTickets(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(r.opts.EventWorkers)
	known := r.journal.Lookup() // tickets are looked up in order
	for i := range r.plan.Tickets {
		t := &r.plan.Tickets[i]
		if job := known.Job(t.Key); r.settled(job, t.Job) {
			r.count(r.events, func(l *LaneResult) { l.Previous++ })
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
		if job := known.Job(rep.Key); !r.settled(job, rep) {
			n++
		}
	}
	r.count(r.replies, func(l *LaneResult) { l.Blocked += n })
}

func (r *runner) sendReplies(ctx context.Context) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(r.opts.ReplyWorkers)
	for {
		i, ok := r.acked.pop(ctx)
		if !ok {
			break
		}
		g.Go(func() error {
			defer r.acked.finished(i)
			return r.sendThread(ctx, i)
		})
	}
	return g.Wait()
}

// sendThread sends the replies of the plan's i-th ticket, one at a time, in
// order; where the lane has room for one reply only, the earliest ticket in
// the plan's order has it. A reply that fails holds back the rest, so that a
// later run still sends them in order; a rejected one is left out.
func (r *runner) sendThread(ctx context.Context, i int) error {
	replies := r.plan.Tickets[i].Replies
	known := r.journal.Lookup() // the ticket's replies are looked up in order
	for k, job := range replies {
		if j := known.Job(job.Key); r.settled(j, job) {
			r.count(r.replies, func(l *LaneResult) { l.Previous++ })
			r.replies.prog.addPrevious(j.State)
			r.jobsSettled(i, 1, j.State)
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		rep, err := r.plan.Reply(job)
		if err != nil {
			return err
		}
		cleanup := r.fetchAll(ctx, &rep, job.Key)
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

// deliver sends one job until it is settled and returns its final state:
// Done, Rejected or Failed, or "" when the run stopped first. Of the jobs
// waiting for their lane, the one of the lowest rank (its ticket's place in
// the plan) starts first. The error is for what ends the whole run: a stop
// answer (assembly.Classify) or a checkpoint that cannot be written. On the replies lane, which the server
// does not deduplicate, an attempt whose outcome was lost is recorded as
// uncertain.
func (r *runner) deliver(ctx context.Context, l *lane, rank int64, job planner.Job, origin string, send func(context.Context) (string, error)) (checkpoint.State, error) {
	key := job.Key
	if err := r.proveAPI(ctx); err != nil {
		if ctx.Err() != nil {
			return "", nil
		}
		return "", err
	}
	transient, notFound, throttled := 0, 0, 0
	for {
		pm, err := l.pacer.WaitRank(ctx, rank)
		if err != nil {
			return "", nil
		}
		if err := r.journal.Sending(key, job.Hash, r.plan.Covers(key)...); err != nil {
			pm.Done(false)
			return "", err
		}
		// The pacer times the request from when its headers are written,
		// not from the permit: the checkpoint write above and a busy
		// machine come between the two.
		id, err := send(httptrace.WithClientTrace(r.reqCtx, &httptrace.ClientTrace{WroteHeaders: pm.Sent}))
		v := assembly.Classify(l.name, err)
		if te := (*assembly.TransportError)(nil); errors.As(err, &te) && te.Timeout {
			r.opts.Logger.Warn("no answer in time", "lane", l.name, "key", key, "body_sent", te.Sent, "err", te.Err)
		}
		if v.Outcome == assembly.Throttled {
			pm.Throttled(v.API.RetryAfter)
		} else {
			pm.Done(err == nil || v.API != nil)
		}
		switch v.Outcome {
		case assembly.Delivered:
			return r.settle(l, key, origin, checkpoint.Done, id)
		case assembly.AlreadyThere:
			return r.settle(l, key, origin, checkpoint.Done, "")
		case assembly.Rejected:
			if v.NeedsUserID {
				// Failed, not rejected: sent again once the user map gives
				// the id. Many in a row are the server wanting every
				// author's id: the run stops to say so.
				state, err := r.settleKind(l, key, origin, checkpoint.Failed, v.Reason, "user id required")
				if errors.Is(err, ErrRepeatedFailure) {
					err = fmt.Errorf("%w: %w", assembly.ErrUserIDRequired, err)
				}
				return state, err
			}
			return r.settle(l, key, origin, checkpoint.Rejected, v.Reason)
		case assembly.Unsendable:
			return r.settle(l, key, origin, checkpoint.Failed, v.Reason)
		case assembly.Stop:
			return "", errors.Join(fmt.Errorf("%s: %w", key, v.Stop), r.journal.Retry(key, v.Reason))
		case assembly.Throttled:
			r.count(l, func(lr *LaneResult) { lr.Throttled++ })
			r.opts.Logger.Warn("rate limited by the server; slowing down", "lane", l.name,
				"retry_after_asked", v.API.RetryAfterAsked, "retry_after_honoured", v.API.RetryAfter,
				"effective_limit", l.pacer.Effective())
			if err := r.journal.Retry(key, v.Reason); err != nil {
				return "", err
			}
			throttled++
			if throttled >= r.opts.MaxThrottled {
				return "", fmt.Errorf("%w: %s was answered %q %d times in a row", ErrThrottled, key, v.Reason, throttled)
			}
			continue // not an attempt: the pacer decides when
		case assembly.NotYet:
			notFound++
			if notFound > r.opts.NotFoundRetries {
				if err := r.recheckTicket(int(rank), key); err != nil {
					return "", err
				}
				return r.settle(l, key, origin, checkpoint.Failed, v.Reason)
			}
		case assembly.Uncertain:
			if r.reqCtx.Err() != nil {
				return "", nil // abandoned in flight at stop: "sending" says uncertain
			}
			transient++
			if l.name == assembly.Replies {
				if err := r.journal.Uncertain(key); err != nil {
					return "", err
				}
				r.opts.Logger.Warn("no certain answer after a reply was sent (a lost connection, a timeout or a server error); resending it may double it",
					"key", key, "origin", origin, "err", v.Reason)
			}
		case assembly.Transient:
			transient++
		}
		if transient >= r.opts.MaxAttempts {
			return r.settle(l, key, origin, checkpoint.Failed, fmt.Sprintf("gave up after %d attempts: %s", transient, v.Reason))
		}
		if err := r.journal.Retry(key, v.Reason); err != nil {
			return "", err
		}
		if !sleep(ctx, r.backoff(max(transient, notFound))) {
			return "", nil
		}
	}
}

// recheckTicket records the plan's i-th ticket, recorded delivered (or
// "already there"), as failed once its reply key is answered "ticket not
// found" past every retry: the server does not hold it after all (an answer
// taken for "already there" may have been about something else). The next
// run sends its event again — safe: the server deduplicates tickets — and
// then its replies.
func (r *runner) recheckTicket(i int, key string) error {
	t := &r.plan.Tickets[i]
	reason := fmt.Sprintf("recorded delivered, but its reply %s was answered \"ticket not found\": its event is sent again by the next run", key)
	if err := r.journal.Failed(t.Key, reason); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, JobProblem{Key: t.Key, State: checkpoint.Failed, Reason: reason})
	r.opts.Logger.Warn("a ticket recorded delivered is not found by the server; it is sent again next run", "key", t.Key, "reply", key)
	return nil
}

// settle records a job's final state for this run.
func (r *runner) settle(l *lane, key, origin string, state checkpoint.State, detail string) (checkpoint.State, error) {
	return r.settleKind(l, key, origin, state, detail, failureKind(detail))
}

// settleKind is settle with the kind of failure the breaker counts, for a
// detail that names the item beyond its digits.
func (r *runner) settleKind(l *lane, key, origin string, state checkpoint.State, detail, kind string) (checkpoint.State, error) {
	var err error
	switch state {
	case checkpoint.Done:
		err = r.journal.Done(key, detail)
	case checkpoint.Rejected:
		err = r.journal.Rejected(key, detail)
	case checkpoint.Failed:
		err = r.journal.Failed(key, detail)
	}
	if err != nil {
		return "", err
	}
	l.prog.add(state)
	r.mu.Lock()
	defer r.mu.Unlock()
	switch state {
	case checkpoint.Done:
		l.result.Delivered++
		l.streak.delivered()
		return state, nil
	case checkpoint.Rejected:
		l.result.Rejected++
	case checkpoint.Failed:
		l.result.Failed++
	}
	r.problems = append(r.problems, JobProblem{Key: key, Origin: origin, State: state, Reason: detail})
	r.opts.Logger.Warn("not delivered", "key", key, "origin", origin, "state", state, "reason", detail)
	if l.streak.failed(kind) {
		return state, fmt.Errorf("%w: %d %s in a row were not delivered (%s), the last %s", ErrRepeatedFailure, l.streak.n, l.name, detail, key)
	}
	if r.opts.MaxErrors > 0 && len(r.problems) >= r.opts.MaxErrors {
		return state, fmt.Errorf("%w: %d items were not delivered", ErrTooManyErrors, len(r.problems))
	}
	return state, nil
}

func (r *runner) countAttachments(files []planner.File, urls []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attachments.Delivered += len(files) + len(urls)
	for _, f := range files {
		r.attachments.Bytes += f.Size
	}
}

func (r *runner) skipAttachment(key, origin, reason string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.attachments.Skipped = append(r.attachments.Skipped, JobProblem{Key: key, Origin: origin, Reason: reason})
	r.opts.Logger.Warn("attachment not downloaded", "key", key, "origin", origin, "reason", reason)
}

func (r *runner) count(l *lane, f func(*LaneResult)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(&l.result)
}

// backoff returns the wait before retry n: exponential, with full jitter so
// that workers that failed together do not retry together.
func (r *runner) backoff(n int) time.Duration {
	d := r.opts.Backoff << min(n-1, 6)
	return d/2 + rand.N(d/2+1)
}

// sleep waits for d and reports whether ctx is still live.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// openBarrier is the queue's barrier: in an open-first plan, the number of
// open tickets, which lead it; 0 otherwise.
func openBarrier(plan *planner.Plan) int {
	if plan.Order != planner.OrderOpenFirst {
		return 0
	}
	n := 0
	for n < len(plan.Tickets) && plan.Tickets[n].Open {
		n++
	}
	return n
}

// queue hands out the tickets whose replies may go, in the plan's order:
// a ticket comes out once its event is acknowledged and every ticket
// before it has its event settled, so the replies lane follows the plan's
// priority. The events lane runs far ahead (30 a second against one reply
// a second), so the wait costs the first moments of a run and no more. A
// ticket whose event is still unsettled after holdBack (a server error
// being retried) no longer holds back the tickets after it: its replies go
// once it is acknowledged. The events lane never waits for this queue.
//
// With a barrier (the open tickets, first in an open-first plan), no
// ticket past it comes out before every ticket before it is finished: its
// replies all sent, or its event not there. Within the open tickets replies
// go side by side; none of another ticket's goes before the last of theirs.
type queue struct {
	mu         sync.Mutex
	state      []ticketState
	next       int       // the first ticket not yet handed out or passed over
	since      time.Time // when the ticket at next became the one waited for
	far        int       // past next, how far tickets were handed out around it
	barrier    int       // tickets from here on wait for those before it to finish
	unfinished int       // tickets before the barrier not finished
	closed     bool
	signal     chan struct{}
}

// holdBack is how long an unsettled event holds back the replies of the
// tickets after it.
const holdBack = 5 * time.Second

// ticketState is what the queue knows of a ticket.
type ticketState uint8

const (
	eventPending  ticketState = iota
	eventAcked                // its replies may go
	eventNotThere             // rejected, failed: its replies cannot go
	handedOut                 // its replies are going
)

func newQueue(tickets, barrier int) *queue {
	return &queue{state: make([]ticketState, tickets), signal: make(chan struct{}, 1), since: time.Now(),
		barrier: barrier, unfinished: barrier}
}

// settle records the outcome of ticket i's event.
func (q *queue) settle(i int, acked bool) {
	q.mu.Lock()
	q.state[i] = eventNotThere
	if acked {
		q.state[i] = eventAcked
	} else if i < q.barrier {
		q.unfinished--
	}
	q.mu.Unlock()
	q.notify()
}

// finished records that ticket i's replies are all sent, or given up.
func (q *queue) finished(i int) {
	if i >= q.barrier {
		return
	}
	q.mu.Lock()
	q.unfinished--
	q.mu.Unlock()
	q.notify()
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.notify()
}

func (q *queue) notify() {
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

// pop returns the next ticket whose replies may go, or false once the
// events lane has ended and none is left, or ctx is done.
func (q *queue) pop(ctx context.Context) (int, bool) {
	for {
		q.mu.Lock()
		i, wait := q.take(time.Now())
		// Closed, the events lane has ended: nothing more will settle, but
		// tickets held at the barrier still come once the open ones finish.
		over := q.closed && !(q.next < len(q.state) && q.next >= q.barrier && q.unfinished > 0)
		q.mu.Unlock()
		if i >= 0 {
			return i, true
		}
		if over {
			return 0, false
		}
		t := time.NewTimer(wait)
		select {
		case <-q.signal:
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return 0, false
		}
		t.Stop()
	}
}

// take hands out the next ticket, or returns -1 and how long to wait at
// most before looking again. q.mu is held.
func (q *queue) take(now time.Time) (int, time.Duration) {
	for q.next < len(q.state) && q.state[q.next] >= eventNotThere {
		q.next++
		q.since = now
	}
	if q.next == len(q.state) {
		return -1, holdBack
	}
	if q.next >= q.barrier && q.unfinished > 0 {
		return -1, holdBack // the open tickets' replies first
	}
	if q.state[q.next] == eventAcked {
		q.state[q.next] = handedOut
		return q.next, 0
	}
	if wait := q.since.Add(holdBack).Sub(now); wait > 0 {
		return -1, wait
	}
	// The event at next is long unsettled: go on around it.
	q.far = max(q.far, q.next+1)
	for ; q.far < len(q.state) && (q.far < q.barrier || q.unfinished == 0); q.far++ {
		if q.state[q.far] == eventAcked {
			q.state[q.far] = handedOut
			return q.far, 0
		}
		if q.state[q.far] == eventPending {
			break // not settled yet either: wait for it
		}
	}
	return -1, holdBack
}
