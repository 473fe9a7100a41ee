package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
	"github.com/assembly-import/assembly-import/report"
	"github.com/assembly-import/assembly-import/uploader"
)

type runOptions struct {
	source             sourceOptions
	limits             planner.Limits
	apiURL             string
	checkpoint         string
	apiKeyFile         string
	eventWorkers       int
	jitterSet          bool // --jitter given: it holds over what an earlier run learned
	replyWorkers       int
	progressEvery      time.Duration
	grace              time.Duration
	answerTimeout      time.Duration
	jitter             time.Duration
	allowChanged       bool
	maxErrors          int
	report             string
	rejects            string
	sample             int
	downloadWait       time.Duration
	downloadHeaderFile string
	downloadInsecure   bool
	sampleSeed         uint64
	caFile             string
	dryRun             bool
	retryRejected      bool
}

func runCommand(e *env) *cobra.Command {
	var o runOptions
	cmd := &cobra.Command{
		Use:   "run (--csv DIR|FILE | --xlsx FILE | --postgres DSN | --pg-dump FILE) --api-url URL --checkpoint FILE",
		Short: "Send the source to Assembly within its rate limits; run again to resume",
		Long: `run plans the source as plan does, then sends every valid ticket (POST
/interactions) and each ticket's replies in order (POST /interactions/reply),
keeping to the API's limits. Every request is written to the checkpoint file
before it leaves; run the same command again after a crash or Ctrl-C and it
carries on where it stopped. Items with errors in the source are not sent.

The API key is read from $ASSEMBLY_API_KEY or --api-key-file, never a flag.

Exit status: 0 when everything valid was delivered, 3 when some items were
rejected or failed, 4 when stopped (Ctrl-C, or the key was refused) and
resumable, 1 for usage or configuration errors.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.source.postgresSet, o.source.env = cmd.Flags().Changed("postgres"), e
			o.jitterSet = cmd.Flags().Changed("jitter")
			if o.dryRun {
				return runPlan(cmd, e, planOptions{source: o.source, limits: o.limits})
			}
			return runRun(cmd.Context(), e, o)
		},
	}
	o.source.flags(cmd)
	limitFlags(cmd, &o.limits)
	f := cmd.Flags()
	f.StringVar(&o.apiURL, "api-url", "", "the API's base URL (https://api.wavelength.cx for Assembly)")
	f.StringVar(&o.checkpoint, "checkpoint", "", "the checkpoint file: created on the first run, resumed from after")
	f.StringVar(&o.apiKeyFile, "api-key-file", "", "read the API key from this file instead of $"+keyEnv)
	f.IntVar(&o.eventWorkers, "event-workers", 32, "ticket requests in flight at most (30/s at round trips up to a second needs 30)")
	f.IntVar(&o.replyWorkers, "reply-workers", 8, "tickets whose replies are sent at once (each ticket's replies go one at a time)")
	f.DurationVar(&o.progressEvery, "progress-every", 30*time.Second, "how often to log progress when stderr is not a terminal")
	f.DurationVar(&o.jitter, "jitter", 50*time.Millisecond, "the most two requests' transit times to the API may differ; the pacer leaves this much room per window (without it the events lane starts at 150ms and probes down to 50ms)")
	f.DurationVar(&o.answerTimeout, "answer-timeout", assembly.AnswerTimeout, "how long to wait for an answer once a request has left (its upload time comes on top, at 100 kB/s at least); each timeout is logged")
	f.DurationVar(&o.grace, "grace", 5*time.Second, "how long requests in flight may finish after Ctrl-C")
	f.BoolVar(&o.allowChanged, "allow-changed-source", false, "resume with an export that changed: send what is new or never delivered, list what changed since it was sent")
	f.StringVar(&o.report, "report", "", "at the end, write what the migration holds to FILE.json, FILE.csv or FILE.html")
	f.StringVar(&o.rejects, "rejects", "", "at the end, write the rows not sent (source errors, server rejections) into DIR, in the source's own shape")
	f.DurationVar(&o.downloadWait, "download-timeout", time.Minute, "with --download-urls: how long one download may take")
	f.StringVar(&o.downloadHeaderFile, "download-header-file", "", `with --download-urls: a file of "Header-Name: value" lines (a login) sent with downloads from --download-hosts only (or $`+downloadHeaderEnv+`); never printed`)
	f.BoolVar(&o.downloadInsecure, "download-insecure-http", false, "let the download header go to --download-hosts over plain http too (it crosses the network in the clear)")
	f.IntVar(&o.sample, "sample", 0, "pilot: send only this many tickets, chosen at random, with all their replies; the full run later skips them")
	f.Uint64Var(&o.sampleSeed, "sample-seed", 1, "which tickets --sample picks (the same seed, the same tickets)")
	f.IntVar(&o.maxErrors, "max-errors", 0, "stop once this many items were rejected or failed in this run (0: never); resumable")
	f.StringVar(&o.caFile, "ca-file", "", "also trust the CA certificates in this PEM file (a corporate TLS proxy)")
	f.BoolVar(&o.dryRun, "dry-run", false, "only plan, as the plan command does")
	f.BoolVar(&o.retryRejected, "retry-rejected", false, "send again the items Assembly rejected in earlier runs (once the cause is fixed)")
	return cmd
}

func runRun(ctx context.Context, e *env, o runOptions) error {
	defer o.source.release()
	r, err := prepareRun(ctx, e, &o) // a pointer: planning records on o.source what release removes
	if err != nil {
		return err
	}
	defer r.plan.Close()
	defer r.journal.Close()
	// ctx is cancelled by Ctrl-C (execute): also in the gap before the
	// uploader starts, which then stops at once and says how to resume.
	stopWarning := context.AfterFunc(ctx, func() {
		e.log.Warn("stopping: no new requests; those in flight get a few seconds (Ctrl-C again to quit now)")
	})
	defer stopWarning()

	work := r.plan
	if o.sample > 0 {
		work = r.plan.Sample(o.sample, o.sampleSeed)
		tickets, replies := work.Jobs()
		fmt.Fprintf(e.stdout, "Pilot: %d tickets chosen at random (seed %d) with their %d replies.\n", tickets, o.sampleSeed, replies)
	}
	progress := &uploader.Progress{}
	stopProgress := startProgress(e, progress, o.progressEvery, work.Stats.OpenTickets > 0, o.limits)
	start := time.Now()
	var milestone func(string, int)
	if o.sample == 0 { // a pilot's milestones are not the migration's
		milestone = func(name string, except int) {
			first, err := r.journal.Milestone(name, except)
			switch {
			case err != nil:
				e.log.Warn("could not record a milestone in the checkpoint", "milestone", name, "err", err)
			case first && except > 0:
				e.log.Warn("milestone reached, except for items Assembly rejected (not in Assembly; listed at the end)",
					"milestone", fmt.Sprintf("%s except %d rejected", name, except))
			case first:
				e.log.Info("milestone reached", "milestone", name)
			}
		}
	}
	jitter, eventsJitter := o.jitter, o.jitter
	if !o.jitterSet {
		if learned := r.journal.Learned(); learned > jitter {
			// An earlier run of this migration learned that transit spreads
			// wider (its 429s): start from that, not from the 429s again.
			jitter = learned
			e.log.Info("pacing with the transit allowance an earlier run learned (--jitter sets another)", "jitter", learned.Round(time.Millisecond))
		}
		// Nobody vouched for the path: the events lane starts wide and
		// probes narrower, rather than learning a wide path from 429s.
		eventsJitter = max(jitter, uploader.WideJitter)
	}
	res, runErr := uploader.Run(ctx, work, uploader.Options{
		Client:        r.client,
		Journal:       r.journal,
		EventsPerSec:  o.limits.EventsPerSec,
		RepliesPerMin: o.limits.RepliesPerMin,
		EventWorkers:  o.eventWorkers,
		ReplyWorkers:  o.replyWorkers,
		Grace:         o.grace,
		Jitter:        jitter,
		EventsJitter:  eventsJitter,
		MaxErrors:     o.maxErrors,
		RetryRejected: o.retryRejected,
		Downloader:    r.downloader,
		Progress:      progress,
		Logger:        e.log,
		Milestone:     milestone,
	})
	stopProgress()
	return finishRun(ctx, e, o, r, work, res, runErr, time.Since(start))
}

// openSeconds projects how long the open tickets' jobs not yet settled
// take: in open-first order, they go first (left counted them);
// otherwise all that is left goes before the last of them, about.
func openSeconds(plan *planner.Plan, l planner.Limits, journal *checkpoint.Journal, left jobsLeft) float64 {
	if plan.Stats.OpenTickets == 0 {
		return 0
	}
	if plan.Order != planner.OrderOpenFirst {
		events, replies := plan.Stats.TicketJobs, plan.Stats.ReplyJobs
		for group, jobs := range plan.Groups() {
			c := journal.Count(group, jobs)
			if group == planner.TicketGroup || group == planner.FoldedGroup {
				events -= c.Done + c.Rejected
			} else {
				replies -= c.Done + c.Rejected
			}
		}
		return planner.Project(max(0, events), max(0, replies), l).TotalSeconds
	}
	return planner.Project(left.openTickets, left.openReplies, l).TotalSeconds
}

// runSetup is what a run needs, made from the flags before anything is sent.
type runSetup struct {
	client     *assembly.Client
	downloader *uploader.Downloader
	plan       *planner.Plan
	journal    *checkpoint.Journal
}

// prepareRun checks the flags, reads the key and the download login,
// plans the source and opens the checkpoint; the caller closes the plan
// and the journal.
func prepareRun(ctx context.Context, e *env, o *runOptions) (*runSetup, error) {
	if o.apiURL == "" || o.checkpoint == "" {
		return nil, exitf(exitUsage, "run needs --api-url and --checkpoint")
	}
	if err := checkAPIURL(o.apiURL); err != nil {
		return nil, err
	}
	if err := checkReportPath(o.report); err != nil {
		return nil, err
	}
	inputs := append(o.source.inputs(ctx), namedPath{"--checkpoint", o.checkpoint}, namedPath{"--api-key-file", o.apiKeyFile},
		namedPath{"--ca-file", o.caFile}, namedPath{"--download-header-file", o.downloadHeaderFile})
	if err := guardOutputs(inputs, append([]namedPath{{"--report", o.report}}, o.source.rejectsOutputs(ctx, o.rejects)...)); err != nil {
		return nil, err
	}
	key, err := apiKey(e, o.apiKeyFile)
	if err != nil {
		return nil, err
	}
	if o.apiKeyFile != "" && othersMayRead(o.apiKeyFile) {
		e.log.Warn("the API key file can be read by other users of this machine; chmod 600 it", "file", o.apiKeyFile)
	}
	loginHeader, err := downloadHeader(e, o.downloadHeaderFile, o.source.downloadHosts)
	if err != nil {
		return nil, err
	}
	if loginHeader != nil {
		e.log.Info("downloads send a login header to their hosts only", "header", describeHeader(loginHeader), "hosts", o.source.downloadHosts)
	}
	hc, err := httpClient(o.caFile)
	if err != nil {
		return nil, err
	}
	client, err := assembly.NewClient(o.apiURL, key, hc)
	if err == nil {
		client.AnswerTimeout = o.answerTimeout
		for _, values := range loginHeader {
			client.Secrets = append(client.Secrets, values...)
		}
	}
	if err != nil {
		return nil, exitf(exitUsage, "%w", err)
	}
	began := time.Now()
	plan, err := o.source.build(ctx)
	if err != nil {
		return nil, err
	}
	planned := time.Now()
	e.log.Info("planned", "tickets", plan.Stats.TicketJobs, "replies", plan.Stats.ReplyJobs, "took", planned.Sub(began).Round(time.Millisecond))
	client.Folders = plan.Folders

	host, _ := os.Hostname()
	run := checkpoint.Run{EventsPerSec: o.limits.EventsPerSec, RepliesPerMin: o.limits.RepliesPerMin, PID: os.Getpid(), Host: host}
	journal, err := checkpoint.Open(o.checkpoint, checkpoint.Options{
		Header:       checkpoint.Header{Fingerprint: plan.Fingerprint, Source: o.source.describe(), Jobs: plan.Groups(), Rows: sourceRows(plan.Stats)},
		Run:          run,
		AllowChanged: o.allowChanged,
		MadeUpIDs:    o.source.loaded.MakesUpIDs(),
	})
	if err != nil {
		defer plan.Close()
		var mismatch *checkpoint.MismatchError
		if errors.As(err, &mismatch) {
			// Compared as a resume would arrange the plan: folded as begun.
			if _, err := o.source.fold(io.Discard, plan, earlierRuns(mismatch.Snapshot.Lookup())); err != nil {
				return nil, err
			}
			writeDelta(e.stdout, mismatch.Snapshot.Compare(plan.All()))
			return nil, exitf(exitUsage, "%w: the export changed since that run. Finish with the original export, "+
				"or add --allow-changed-source to send what is new (and what was never delivered) and list what changed", err)
		}
		return nil, exitf(exitUsage, "%w", err)
	}
	if journal.Torn() {
		e.log.Warn("the checkpoint ended in a partial line, written as the last run was killed; it was cut off", "checkpoint", o.checkpoint)
	}
	if journal.Len() > 0 {
		fmt.Fprintf(e.stdout, "Resuming from %s.\n", o.checkpoint)
	}
	// Folding keeps each ticket in the form an earlier run began it in;
	// the comparison with the checkpoint is of the plan so arranged.
	var earlier *planner.Earlier
	if journal.Len() > 0 && (o.source.foldBefore != "" || journal.Knows(planner.FoldedGroup)) { // else nothing to keep
		earlier = earlierRuns(journal.Lookup())
	}
	folded, err := o.source.fold(e.stdout, plan, earlier)
	if err != nil {
		journal.Close()
		plan.Close()
		return nil, err
	}
	if journal.Len() > 0 && o.allowChanged {
		writeDelta(e.stdout, journal.Compare(plan.All()))
	}
	s := plan.Stats
	var known *checkpoint.Cursor
	if journal.Len() > 0 {
		known = journal.Lookup()
	}
	left := countLeft(plan, known, o.retryRejected)
	if journal.Len() == 0 {
		p := planner.Project(s.TicketJobs, s.ReplyJobs, o.limits)
		fmt.Fprintf(e.stdout, "Plan: %d tickets and %d replies to send, about %s at %s.\n",
			s.TicketJobs, s.ReplyJobs, planner.Duration(p.TotalSeconds), o.limits)
	} else {
		tickets, replies := left.tickets, left.replies
		fmt.Fprintf(e.stdout, "Plan: %d tickets and %d replies in all; ", s.TicketJobs, s.ReplyJobs)
		if tickets+replies == 0 {
			fmt.Fprintf(e.stdout, "earlier runs settled every one: nothing left to send.\n")
		} else {
			p := planner.Project(tickets, replies, o.limits)
			fmt.Fprintf(e.stdout, "left to send: %d tickets and %d replies, about %s at %s.\n",
				tickets, replies, planner.Duration(p.TotalSeconds), o.limits)
		}
	}
	if s.Invalid > 0 {
		fmt.Fprintf(e.stdout, "%d items have errors in the source and are not sent; `assembly-import plan` lists them.\n", s.Invalid)
	}
	if s.Unreadable > 0 {
		fmt.Fprintf(e.stdout, "%d rows of the export could not be read at all (a stray or missing quote, a wrong number of fields): "+
			"what they hold, and any rows a runaway quote swallowed, is not sent, and the run will end with exit %d until the export is fixed.\n",
			s.Unreadable, exitNotAll)
	}
	// The run's choices, and the counts as it arranged the plan.
	fold, _ := o.source.folding()
	if !fold.Before.IsZero() {
		run.FoldBefore = fold.Before.Format(time.RFC3339)
	}
	run.Order, run.Jobs, run.Rows = string(plan.Order), plan.Groups(), sourceRows(plan.Stats)
	run.Folding = checkpoint.Folding{Folded: folded.Folded, KeptNative: folded.KeptNative, KeptFolded: folded.KeptFolded}
	run.Started, run.OpenTickets = time.Now().UTC(), plan.Stats.OpenTickets
	run.OpenSeconds = openSeconds(plan, o.limits, journal, left)
	if err := journal.Run(run); err != nil {
		journal.Close()
		plan.Close()
		return nil, err
	}

	if journal.Len() > 0 {
		// What a resume costs beyond planning: reading the checkpoint and
		// comparing the plan with it (docs/scale.md).
		e.log.Info("checkpoint read and the plan compared with it", "jobs", journal.Len(), "took", time.Since(planned).Round(time.Millisecond))
	}
	return &runSetup{client: client, plan: plan, journal: journal,
		downloader: &uploader.Downloader{Client: &http.Client{Timeout: o.downloadWait, Transport: hc.Transport},
			Header: loginHeader, Hosts: o.source.downloadHosts, InsecureHTTP: o.downloadInsecure}}, nil
}

// finishRun closes the journal, prints what the run did and where the
// migration stands, writes the report and rejects, and decides how the
// command ends.
func finishRun(ctx context.Context, e *env, o runOptions, r *runSetup, work *planner.Plan, res *uploader.Result, runErr error, took time.Duration) error {
	// The journal's snapshot replaces its lines: a fraction of the bytes,
	// and of the next start-up. A journal that cannot be compacted is
	// whole as it is.
	if err := r.journal.Compact(); err != nil {
		e.log.Warn("checkpoint left as written, not compacted", "err", err)
	}
	if err := r.journal.Close(); err != nil && runErr == nil {
		runErr = err
	}
	snap := r.journal.Snapshot()
	writeRunReport(e.stdout, res, took)
	writeStatus(e.stdout, snap)
	// What was not delivered, whatever run it was in: the checkpoint's.
	notDelivered := map[string]bool{}
	for j := range snap.Exceptions() {
		if j.State == checkpoint.Rejected || j.State == checkpoint.Failed {
			notDelivered[j.Key] = true
		}
	}
	origins, err := r.plan.Origins(notDelivered)
	if err != nil && runErr == nil {
		runErr = err
	}
	rejected := rejectedRows(r.plan.Problems)
	known := snap.Lookup()
	for key, origin := range origins {
		if job := known.Job(key); job.State == checkpoint.Rejected {
			if row, ok := readers.RowOf(origin); ok {
				rejected[row] = "rejected by Assembly: " + job.Reason
			}
		}
	}
	// The run's outcome is decided, and said, first: a report or rejects
	// file that cannot be written (a full disk) must not hide it, nor the
	// command that resumes.
	resume := shellJoin(append([]string{e.prog}, redactArgs(e.args)...))
	outcome := runOutcome(ctx, runErr, resume, o)
	var outErrs []error
	if o.report != "" {
		if err := report.Write(o.report, report.NewRun(snap, origins)); err != nil {
			outErrs = append(outErrs, fmt.Errorf("--report: %w", err))
		} else {
			fmt.Fprintf(e.stdout, "Report written to %s\n", o.report)
		}
	}
	if o.rejects != "" {
		// Written also when the run was stopped: what it did must be told.
		if n, err := o.source.writeRejects(context.WithoutCancel(ctx), o.rejects, rejected); err != nil {
			outErrs = append(outErrs, fmt.Errorf("--rejects: %w", err))
		} else {
			fmt.Fprintf(e.stdout, "%d rows not sent written to %s, each with its problem.\n", n, o.rejects)
		}
	}
	if outcome != nil {
		return withAlso(outcome, outErrs)
	}
	if len(outErrs) > 0 {
		return exitf(exitUsage, "%w (the migration itself is recorded in the checkpoint)", errors.Join(outErrs...))
	}
	if !allDone(snap, work) {
		return exitf(exitNotAll, "some items were not delivered (listed above); failed ones are retried by running the same command again")
	}
	if n := r.plan.Stats.Unreadable; n > 0 {
		return exitf(exitNotAll, "%d rows of the export could not be read (`assembly-import plan` lists them): what they hold was not sent. "+
			"Fix them in the export, then run again with --allow-changed-source", n)
	}
	if o.sample > 0 {
		fmt.Fprintf(e.stdout, "\nPilot done. Look at these tickets in Assembly before sending the rest: nothing in the API documents a silent\n"+
			"import, so check whether customers or agents were notified of the replies. Then run the same command without --sample.\n")
	}
	return nil
}

// earlierRuns is what the checkpoint known tells of earlier runs, for
// folding. Begun: anything but never sent, refused for good (a ticket the
// server rejected is not in Assembly in either form), or sent within a
// folded ticket's event (which is what began).
func earlierRuns(known *checkpoint.Cursor) *planner.Earlier {
	return &planner.Earlier{
		Started: func(key string) bool {
			st := known.Job(key).State
			return st != "" && st != checkpoint.Rejected && st != checkpoint.Within
		},
		Inside: func(id, key string) bool {
			// A journal from before folded events listed what they hold:
			// the event holds every reply.
			return !known.Job(planner.FoldedGroup+"/"+id).Covers || known.Job(key).State == checkpoint.Within
		},
	}
}

// jobsLeft is what earlier runs left of a plan: the jobs a resume sends
// (not delivered, nor rejected unless retryRejected), and those of open
// tickets not done nor rejected (what the open tickets' milestone waits for).
type jobsLeft struct {
	tickets, replies         int
	openTickets, openReplies int
}

// countLeft counts what earlier runs left of plan, in one pass over its
// jobs (millions, each looked up in the checkpoint); known is nil when
// there were no earlier runs.
func countLeft(plan *planner.Plan, known *checkpoint.Cursor, retryRejected bool) jobsLeft {
	var n jobsLeft
	count := func(j planner.Job, open bool, sends, waits *int) {
		var st checkpoint.State
		if known != nil {
			st = known.Job(plan.Key(j)).State
		}
		if st != checkpoint.Done && st != checkpoint.Within && (st != checkpoint.Rejected || retryRejected) {
			*sends++
		}
		if open && st != checkpoint.Done && st != checkpoint.Rejected {
			*waits++
		}
	}
	for _, t := range plan.Tickets {
		count(t.Job, t.Open, &n.tickets, &n.openTickets)
		for _, r := range t.Replies {
			count(r, t.Open, &n.replies, &n.openReplies)
		}
	}
	return n
}

// allDone says every job of plan is delivered.
func allDone(snap *checkpoint.Snapshot, plan *planner.Plan) bool {
	known := snap.Lookup()
	for key := range plan.All() {
		if known.Job(key).State != checkpoint.Done {
			return false
		}
	}
	return true
}

// writeDelta says how an export differs from what a checkpoint recorded.
func writeDelta(w io.Writer, d checkpoint.Delta) {
	fmt.Fprintf(w, "Compared with the checkpoint: %d new items, %d changed since they were sent, %d no longer in the export.\n",
		len(d.New), len(d.Changed)+len(d.Resent), len(d.Gone))
	for _, l := range []struct {
		title string
		keys  []string
	}{{"Changed since sent (not sent again)", d.Changed},
		{"Changed since sent while a run was stopped, its outcome unknown (sent again, with the new content; may appear twice)", d.Resent},
		{"No longer in the export (left as they are in Assembly)", d.Gone}} {
		if len(l.keys) == 0 {
			continue
		}
		fmt.Fprintf(w, "  %s:\n", l.title)
		for _, k := range l.keys[:min(len(l.keys), listMax)] {
			fmt.Fprintf(w, "    %s\n", k)
		}
		if len(l.keys) > listMax {
			fmt.Fprintf(w, "    … and %d more\n", len(l.keys)-listMax)
		}
	}
}
