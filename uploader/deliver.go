package uploader

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http/httptrace"
	"time"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/planner"
)

// deliver sends one job until it is settled and returns its final state:
// Done, Rejected or Failed, or "" when the run stopped first. Of the jobs
// waiting for their lane, the one of the lowest rank (its ticket's place in
// the plan) starts first. The error is for what ends the whole run: a stop
// answer (assembly.Classify) or a checkpoint that cannot be written. On the replies lane, which the server
// does not deduplicate, an attempt whose outcome was lost is recorded as
// uncertain.
func (r *runner) deliver(ctx context.Context, l *lane, rank int64, job planner.Job, origin string, send func(context.Context) (string, error)) (checkpoint.State, error) {
	key := r.plan.Key(job)
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
		// machine come between the two. The time the server says it took
		// (Server-Timing) tells the pacer when the request arrived.
		reqCtx := assembly.WithServed(r.reqCtx, pm.Served)
		id, err := send(httptrace.WithClientTrace(reqCtx, &httptrace.ClientTrace{WroteHeaders: pm.Sent}))
		v := assembly.Classify(l.name, err)
		if te := (*assembly.TransportError)(nil); errors.As(err, &te) && te.Timeout {
			r.opts.Logger.Warn("no answer in time", "lane", l.name, "key", key, "body_sent", te.Sent, "err", te.Err)
		}
		if v.Outcome == assembly.Throttled {
			pm.Throttled(v.API.RetryAfter)
		} else {
			pm.Done(err == nil || v.API != nil)
		}
		// What one lane learned of transit holds for the other, and for a
		// later run: a resumed run starts from it rather than learning it
		// again, 429 by 429. An allowance only started with is no lesson.
		if learned := l.pacer.Learned(); learned > r.opts.Jitter {
			r.other(l).pacer.Widen(learned)
			if err := r.journal.Allowance(learned); err != nil {
				return "", err
			}
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
	ticket := r.plan.Key(r.plan.Tickets[i].Job)
	reason := fmt.Sprintf("recorded delivered, but its reply %s was answered \"ticket not found\": its event is sent again by the next run", key)
	if err := r.journal.Failed(ticket, reason); err != nil {
		return err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.problems = append(r.problems, JobProblem{Key: ticket, State: checkpoint.Failed, Reason: reason})
	r.opts.Logger.Warn("a ticket recorded delivered is not found by the server; it is sent again next run", "key", ticket, "reply", key)
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
