package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/report"
)

type planOptions struct {
	source  sourceOptions
	limits  planner.Limits
	report  string
	rejects string
}

func planCommand(e *env) *cobra.Command {
	var o planOptions
	cmd := &cobra.Command{
		Use:   "plan (--csv DIR|FILE | --xlsx FILE | --postgres DSN | --pg-dump FILE) [--mapping FILE] [--report FILE.json]",
		Short: "Validate a source and project the migration, sending nothing",
		Long: `plan reads the whole source, checks every ticket, reply and attachment the way
run would, and prints what would be sent, every problem found, and how long
the migration will take at the API's limits. Nothing goes over the network.

Exit status: 0 when nothing blocks, 2 when some items have errors (they would
not be sent), 1 when the source cannot be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.source.postgresSet, o.source.env = cmd.Flags().Changed("postgres"), e
			return runPlan(cmd, e, o)
		},
	}
	o.source.flags(cmd)
	limitFlags(cmd, &o.limits)
	cmd.Flags().StringVar(&o.rejects, "rejects", "", "write the rows that would not be sent into DIR, in the source's own shape plus a problem column")
	cmd.Flags().StringVar(&o.report, "report", "", "also write the report to FILE.json, FILE.csv or FILE.html")
	return cmd
}

func limitFlags(cmd *cobra.Command, l *planner.Limits) {
	cmd.Flags().IntVar(&l.EventsPerSec, "events-per-sec", assembly.EventsPerWindow, "the API's limit on ticket events per second")
	cmd.Flags().IntVar(&l.RepliesPerMin, "replies-per-min", assembly.RepliesPerWindow, "the API's limit on replies per minute")
}

func runPlan(cmd *cobra.Command, e *env, o planOptions) error {
	defer o.source.release()
	if err := checkReportPath(o.report); err != nil {
		return err
	}
	ctx := cmd.Context()
	if err := guardOutputs(o.source.inputs(ctx), append([]namedPath{{"--report", o.report}}, o.source.rejectsOutputs(ctx, o.rejects)...)); err != nil {
		return err
	}
	plan, err := o.source.build(ctx)
	if err != nil {
		return err
	}
	defer plan.Close()
	var folding strings.Builder
	if _, err := o.source.fold(&folding, plan, nil); err != nil {
		return err
	}
	writePlanSummary(e.stdout, o.source.describe()+o.source.recognisedNote(), plan, o.limits, folding.String())
	if o.report != "" {
		if err := report.Write(o.report, report.NewPlan(o.source.describe(), plan, o.limits)); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "\nReport written to %s\n", o.report)
	}
	if o.rejects != "" {
		n, err := o.source.writeRejects(ctx, o.rejects, rejectedRows(plan.Problems))
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%d rows that would not be sent written to %s, each with its problem; fix them and plan that folder again.\n", n, o.rejects)
	}
	if plan.Stats.Errors > 0 {
		return &exitError{code: exitInvalid, err: fmt.Errorf("%d items have errors and would not be sent", plan.Stats.Invalid)}
	}
	return nil
}

// examplesPerKind is how many problems of one kind the summary shows.
const examplesPerKind = 5

func writePlanSummary(w io.Writer, source string, plan *planner.Plan, l planner.Limits, folding string) {
	s := plan.Stats
	fmt.Fprintf(w, "Source: %s\n", source)
	fmt.Fprintf(w, "Read: %d tickets, %d replies", s.Tickets, s.Replies)
	if s.InternalSkipped > 0 {
		fmt.Fprintf(w, " (%d internal notes skipped; --internal-notes include sends them)", s.InternalSkipped)
	}
	fmt.Fprintln(w)
	if len(s.SkippedRows) > 0 {
		var parts []string
		for _, why := range slices.Sorted(maps.Keys(s.SkippedRows)) {
			parts = append(parts, fmt.Sprintf("%s: %d", why, s.SkippedRows[why]))
		}
		fmt.Fprintf(w, "Skipped: %d rows the mapping's skip_rows says are not messages (%s)\n", s.RowsSkipped(), strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "To send: %d tickets, %d replies", s.TicketJobs, s.ReplyJobs)
	if s.InternalIncluded > 0 {
		fmt.Fprintf(w, " (%d of them internal notes)", s.InternalIncluded)
	}
	if s.FollowUps > 0 {
		fmt.Fprintf(w, " (%d of them carrying first-message attachments an event cannot take: not JPG/PNG, or over 4 MB)", s.FollowUps)
	}
	fmt.Fprintf(w, ", %d attachments (%s), %d distinct people\n", s.Attachments, report.Bytes(s.AttachmentBytes), s.Users)
	if s.FromPeople > 0 {
		fmt.Fprintf(w, "  %d messages' people got their email or name from the people directory (--people)\n", s.FromPeople)
	}
	if s.MatchedByName > 0 {
		fmt.Fprintf(w, "  %d messages' people got their Assembly id from the user map by name alone (the export gives them no email or id): check those names are unique\n", s.MatchedByName)
	}
	fmt.Fprint(w, folding)
	if s.FoldedFiles > 0 {
		fmt.Fprintf(w, "  %d of the replies carry folded tickets' files that are not images (an event takes only JPG/PNG): one message each on the replies lane, %s of its time at %d/min\n",
			s.FoldedFiles, planner.Duration(planner.Project(0, s.FoldedFiles, l).RepliesSeconds), l.RepliesPerMin)
	}
	fmt.Fprintf(w, "Problems: %d errors (those items are not sent), %d warnings\n", s.Errors, s.Warnings)
	writeProblemGroups(w, plan.Problems)
	p := planner.Project(s.TicketJobs, s.ReplyJobs, l)
	fmt.Fprintf(w, "Projection at %s:\n", l)
	fmt.Fprintf(w, "  events  %s\n  replies %s\n  total   about %s (the lanes run side by side; replies dominate)\n",
		planner.Duration(p.EventsSeconds), planner.Duration(p.RepliesSeconds), planner.Duration(p.TotalSeconds))
	writeMilestones(w, plan, l)
	fmt.Fprintf(w, "Plan fingerprint: %s\n", plan.Fingerprint)
	fmt.Fprintf(w, "Before the full run, send a pilot (run --sample 20) and look at it in Assembly: nothing in the API\n"+
		"documents a silent import, so check whether customers or agents are notified of replies.\n")
}

// writeMilestones shows when the cut-over milestones come in the plan's
// order, and in the others.
func writeMilestones(w io.Writer, plan *planner.Plan, l planner.Limits) {
	s := plan.Stats
	choices := plan.Choices(l)
	m := choices[0]
	fold := "nothing folded"
	if m.FoldBefore != "" {
		fold = fmt.Sprintf("--fold-before %s folds %d tickets", m.FoldBefore, m.Folded)
	}
	fmt.Fprintf(w, "Order: %s, %s; %d open tickets with %d replies (--open-statuses says which statuses are open)\n",
		m.Order, fold, s.OpenTickets, s.OpenReplies)
	if s.OpenTickets > 0 {
		fmt.Fprintf(w, "  open tickets complete  after %s\n", planner.Duration(m.OpenSeconds))
	}
	fmt.Fprintf(w, "  every ticket visible   after %s\n", planner.Duration(m.VisibleSeconds))
	fmt.Fprintf(w, "  everything delivered   after %s\n", planner.Duration(m.DoneSeconds))
	for _, c := range choices[1:] {
		fold := "without folding"
		if c.FoldBefore != "" {
			fold = fmt.Sprintf("--fold-before %s (%d tickets folded)", c.FoldBefore, c.Folded)
		}
		fmt.Fprintf(w, "  --order %s, %s: open tickets complete after %s; everything after %s\n",
			c.Order, fold, planner.Duration(c.OpenSeconds), planner.Duration(c.DoneSeconds))
	}
}

// writeProblemGroups lists problems by severity and kind, a few of each.
func writeProblemGroups(w io.Writer, problems []planner.Problem) {
	type group struct {
		sev  planner.Severity
		kind string
	}
	var order []group
	byGroup := make(map[group][]planner.Problem)
	for _, p := range problems {
		g := group{p.Severity, p.Kind}
		if _, ok := byGroup[g]; !ok {
			order = append(order, g)
		}
		byGroup[g] = append(byGroup[g], p)
	}
	for _, sev := range []planner.Severity{planner.SeverityError, planner.SeverityWarning} {
		for _, g := range order {
			if g.sev != sev {
				continue
			}
			ps := byGroup[g]
			fmt.Fprintf(w, "  %s %s: %d\n", g.sev, g.kind, len(ps))
			for _, p := range ps[:min(len(ps), examplesPerKind)] {
				field := ""
				if p.Field != "" {
					field = " [" + p.Field + "]"
				}
				fmt.Fprintf(w, "    %s %s%s: %s\n", p.Origin, p.Item, field, p.Message)
			}
			if len(ps) > examplesPerKind {
				fmt.Fprintf(w, "    … and %d more (--report FILE.json lists all)\n", len(ps)-examplesPerKind)
			}
		}
	}
}
