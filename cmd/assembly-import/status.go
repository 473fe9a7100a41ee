package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/report"
	"github.com/assembly-import/assembly-import/uploader"
)

func statusCommand(e *env) *cobra.Command {
	var path, reportPath string
	cmd := &cobra.Command{
		Use:   "status --checkpoint FILE",
		Short: "Show where a migration stands, from its checkpoint",
		Long: `status reads a checkpoint (also while a run is using it) and prints, per lane,
how many jobs are done, rejected, failed, uncertain and pending, and how long
the rest will take at the last run's limits.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if path == "" {
				return exitf(exitUsage, "status needs --checkpoint FILE")
			}
			if err := checkReportPath(reportPath); err != nil {
				return err
			}
			if err := guardOutputs([]namedPath{{"--checkpoint", path}}, []namedPath{{"--report", reportPath}}); err != nil {
				return err
			}
			snap, err := checkpoint.Read(path)
			if err != nil {
				return exitf(exitUsage, "%w", err)
			}
			fmt.Fprintf(e.stdout, "Checkpoint %s (source %s)\n", path, snap.Header.Source)
			if snap.Torn {
				fmt.Fprintln(e.stdout, "  (it ends in a partial line, written as a run was killed; the next run cuts it off)")
			}
			writeStatus(e.stdout, snap)
			if reportPath != "" {
				if err := report.Write(reportPath, report.NewRun(snap, nil)); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Report written to %s\n", reportPath)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&path, "checkpoint", "", "the checkpoint file of a run")
	cmd.Flags().StringVar(&reportPath, "report", "", "also write the status to FILE.json, FILE.csv or FILE.html")
	return cmd
}

// groupLanes names the checkpoint's job groups as the lanes they go through.
var groupLanes = []struct{ group, lane string }{
	{planner.TicketGroup, "tickets (events)"}, {planner.ReplyGroup, "replies"}, {planner.FollowUpGroup, "attachments"},
	{planner.FoldedGroup, "folded tickets (events)"}, {planner.FoldedFilesGroup, "folded tickets' files"},
}

// optionalGroups are left out of a status when they have no jobs.
var optionalGroups = []string{planner.FollowUpGroup, planner.FoldedGroup, planner.FoldedFilesGroup}

// listMax is how many items of one kind a status lists by key.
const listMax = 20

// notMessages is where sourceRows counts the rows skip_rows left out:
// neither tickets nor replies.
const notMessages = "not-messages"

// sourceRows accounts for a plan's rows per job group, for the checkpoint:
// every row read is a job, or not sent for its errors, or skipped.
func sourceRows(s planner.Stats) map[string]checkpoint.Rows {
	return map[string]checkpoint.Rows{
		notMessages:         {Read: s.RowsSkipped(), Skipped: s.RowsSkipped()},
		planner.TicketGroup: {Read: s.Tickets, NotSent: s.Tickets - s.TicketJobs, Folded: s.FoldedTickets},
		planner.ReplyGroup: {Read: s.Replies, Skipped: s.InternalSkipped, Folded: s.FoldedReplies,
			NotSent: s.Replies - s.InternalSkipped - (s.ReplyJobs - s.FollowUps - s.FoldedFiles) - s.FoldedReplies},
	}
}

// writeChoices says what the last run chose to send first and to fold,
// and what folding did with what earlier runs began.
func writeChoices(w io.Writer, run checkpoint.Run) {
	if run.Order == "" {
		return // a checkpoint from before these choices
	}
	fold := "nothing folded"
	if run.FoldBefore != "" {
		fold = "--fold-before " + run.FoldBefore
	}
	fmt.Fprintf(w, "  Last run: --order %s, %s", run.Order, fold)
	if f := run.Folding; f != (checkpoint.Folding{}) {
		fmt.Fprintf(w, "; %d tickets sent folded", f.Folded)
		if f.KeptNative > 0 {
			fmt.Fprintf(w, ", %d kept unfolded as an earlier run began them", f.KeptNative)
		}
		if f.KeptFolded > 0 {
			fmt.Fprintf(w, ", %d kept folded as an earlier run sent them", f.KeptFolded)
		}
	}
	fmt.Fprintln(w)
}

// writeRows says where every row of the source went, when the checkpoint
// knows (it was written by a version that records it).
func writeRows(w io.Writer, snap *checkpoint.Snapshot) {
	if len(snap.Rows()) == 0 {
		return
	}
	var parts []string
	for _, g := range report.RowGroups() {
		parts = append(parts, g.Name+" "+report.RowsAccount(g.Group, snap.Rows()[g.Group], snap.Count(g.Group).Total))
	}
	if n := snap.Rows()[notMessages].Skipped; n > 0 {
		parts = append(parts, fmt.Sprintf("%d other rows skipped (skip_rows: not messages)", n))
	}
	fmt.Fprintf(w, "  Rows read: %s\n", strings.Join(parts, "; "))
}

// writeStatus prints what a checkpoint holds: where the source's rows went,
// counts per lane, the items not delivered and the uncertain ones, and the
// projected time left.
func writeStatus(w io.Writer, snap *checkpoint.Snapshot) {
	inFlight := "uncertain"
	if snap.Live {
		// While a run holds the checkpoint, a sent request without its
		// answer is one in flight: only a run that ended so leaves it
		// uncertain.
		inFlight = "in flight"
		fmt.Fprintf(w, "  A run is using this checkpoint now (process %d on %s): what it has sent without an answer yet is in flight.\n",
			snap.Run.PID, snap.Run.Host)
	}
	writeChoices(w, snap.Run)
	writeRows(w, snap)
	pending := map[string]int{}
	for _, gl := range groupLanes {
		c := snap.Count(gl.group)
		if c.Total == 0 && slices.Contains(optionalGroups, gl.group) {
			continue // no such jobs: no first message with attachments, nothing folded
		}
		pending[gl.group] = c.Pending - c.Failed - c.Uncertain
		fmt.Fprintf(w, "  %-23s %d of %d done, %d rejected, %d failed, %d %s, %d pending\n",
			gl.lane, c.Done, c.Total, c.Rejected, c.Failed, c.Uncertain, inFlight, pending[gl.group])
	}
	reason := func(j checkpoint.Job) string { return ": " + j.Reason }
	none := func(checkpoint.Job) string { return "" }
	sending := "Uncertain: sent, answer lost; resent by the next run"
	if snap.Live {
		sending = "In flight: sent by the run under way, its answer not in yet"
	}
	lists := []struct {
		title  string
		match  func(checkpoint.Job) bool
		detail func(checkpoint.Job) string
		lines  []string
	}{
		{title: "Rejected by the server (not retried)", match: func(j checkpoint.Job) bool { return j.State == checkpoint.Rejected }, detail: reason},
		{title: "Failed (retried by the next run)", match: func(j checkpoint.Job) bool { return j.State == checkpoint.Failed }, detail: reason},
		{title: sending, match: func(j checkpoint.Job) bool { return j.State == checkpoint.Sending }, detail: none},
		// Only the reply lanes: the server deduplicates tickets by their id.
		{title: "Delivered after an uncertain send: replies may appear twice in Assembly", match: func(j checkpoint.Job) bool {
			return j.State == checkpoint.Done && j.Uncertain && checkpoint.Group(j.Key) != planner.TicketGroup
		}, detail: none},
	}
	for j := range snap.Exceptions() { // one pass for every list, which holds no plainly done job: a checkpoint holds millions
		for k := range lists {
			if lists[k].match(j) {
				lists[k].lines = append(lists[k].lines, fmt.Sprintf("    %s%s", j.Key, lists[k].detail(j)))
			}
		}
	}
	for _, l := range lists {
		if len(l.lines) == 0 {
			continue
		}
		slices.Sort(l.lines)
		fmt.Fprintf(w, "  %s: %d\n", l.title, len(l.lines))
		for _, line := range l.lines[:min(len(l.lines), listMax)] {
			fmt.Fprintln(w, line)
		}
		if len(l.lines) > listMax {
			fmt.Fprintf(w, "    … and %d more\n", len(l.lines)-listMax)
		}
	}
	writeReachedMilestones(w, snap)
	if snap.Allowance > 0 {
		fmt.Fprintf(w, "  Transit allowance learned: %v (429s from bunched arrivals widened it; the next run starts from it unless --jitter is given)\n",
			snap.Allowance.Round(time.Millisecond))
	}
	left := 0
	for _, gl := range groupLanes {
		c := snap.Count(gl.group)
		left += c.Pending
	}
	if left > 0 && snap.Run.EventsPerSec > 0 {
		events, replies := report.LanePending(snap)
		p := planner.Project(events, replies, planner.Limits{EventsPerSec: snap.Run.EventsPerSec, RepliesPerMin: snap.Run.RepliesPerMin})
		fmt.Fprintf(w, "  Time left: about %s at %d events/s and %d replies/min\n",
			planner.Duration(p.TotalSeconds), snap.Run.EventsPerSec, snap.Run.RepliesPerMin)
	}
}

// writeReachedMilestones says which cut-over milestones the migration
// reached, and when, and how far the others are.
func writeReachedMilestones(w io.Writer, snap *checkpoint.Snapshot) {
	limits := planner.Limits{EventsPerSec: snap.Run.EventsPerSec, RepliesPerMin: snap.Run.RepliesPerMin}
	events, replies := report.LanePending(snap)
	fmt.Fprintln(w, "  Milestones:")
	for _, m := range []struct {
		name    string
		show    bool
		pending bool
		left    string
	}{
		{uploader.MilestoneOpen, snap.Run.OpenTickets > 0, true, openLeft(snap.Run)},
		{uploader.MilestoneVisible, true, events > 0, "about " + planner.Duration(planner.Project(events, 0, limits).TotalSeconds) + " left"},
		{uploader.MilestoneDone, true, events+replies > 0, "about " + planner.Duration(planner.Project(events, replies, limits).TotalSeconds) + " left"},
	} {
		at, reached := snap.Milestones[m.name]
		switch {
		case !m.show:
		case reached && snap.MilestoneExcept[m.name] > 0:
			fmt.Fprintf(w, "    %-22s reached %s, except %d rejected (not in Assembly)\n", m.name, at.Format(time.RFC3339), snap.MilestoneExcept[m.name])
		case reached:
			fmt.Fprintf(w, "    %-22s reached %s\n", m.name, at.Format(time.RFC3339))
		case !m.pending:
			fmt.Fprintf(w, "    %-22s nothing left (not recorded as reached: a run failed or was stopped on the way)\n", m.name)
		case limits.EventsPerSec > 0:
			fmt.Fprintf(w, "    %-22s not yet: %s\n", m.name, m.left)
		default:
			fmt.Fprintf(w, "    %-22s not yet\n", m.name)
		}
	}
}

// openLeft says when the open tickets were projected to be complete, as the
// last run started.
func openLeft(run checkpoint.Run) string {
	if run.Started.IsZero() {
		return "no projection"
	}
	return fmt.Sprintf("projected at %s, as the last run started", run.Started.Add(time.Duration(run.OpenSeconds*float64(time.Second))).Format(time.RFC3339))
}

// writeRunReport prints what one run did.
func writeRunReport(w io.Writer, res *uploader.Result, took time.Duration) {
	verb := "finished"
	if res.Stopped {
		verb = "stopped"
	}
	fmt.Fprintf(w, "\nRun %s after %s. Per lane (the reply lane carries the replies and the follow-ups with first-message\n"+
		"attachments, which the checkpoint below counts apart):\n", verb, took.Round(time.Second))
	for _, l := range []struct {
		name string
		r    uploader.LaneResult
	}{{"events", res.Events}, {"replies", res.Replies}} {
		fmt.Fprintf(w, "  %-8s delivered now %d, settled before %d, rejected %d, failed %d", l.name, l.r.Delivered, l.r.Previous, l.r.Rejected, l.r.Failed)
		if l.r.Blocked > 0 {
			fmt.Fprintf(w, ", held back %d (their ticket or an earlier reply was not delivered)", l.r.Blocked)
		}
		if l.r.Throttled > 0 {
			fmt.Fprintf(w, "; %d rate-limit answers (429), the lane ended at %d per window allowing %v of transit spread (--jitter)",
				l.r.Throttled, l.r.EffectiveLimit, l.r.Allowance.Round(time.Millisecond))
		}
		fmt.Fprintln(w)
	}
	for _, p := range res.Problems {
		fmt.Fprintf(w, "  %s %s (%s): %s\n", p.State, p.Key, p.Origin, p.Reason)
	}
	a := res.Attachments
	if a.Delivered+len(a.Skipped) > 0 {
		fmt.Fprintf(w, "  attachments delivered %d (%s), not downloaded %d\n", a.Delivered, report.Bytes(a.Bytes), len(a.Skipped))
		for _, p := range a.Skipped {
			fmt.Fprintf(w, "    %s (%s): %s\n", p.Key, p.Origin, p.Reason)
		}
	}
	fmt.Fprintln(w, "Checkpoint:")
}
