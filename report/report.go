// Package report writes what plan, run and status report with --report:
// a plan's problems, or a migration's state from its checkpoint, as JSON
// (stable, documented in docs/reports.md), CSV or a self-contained HTML page.
package report

import (
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html/template"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/internal/outfile"
	"github.com/assembly-import/assembly-import/planner"
)

// Report is what plan, run and status write with --report: a plan's
// problems, or a migration's state from its checkpoint. The JSON shapes
// are stable and documented in docs/reports.md.
type Report struct {
	Plan *PlanJSON
	Run  *RunJSON
}

// PlanJSON is the shape of plan --report FILE.json.
type PlanJSON struct {
	Summary  PlanSummary       `json:"summary"`
	Problems []planner.Problem `json:"problems"`
}

type PlanSummary struct {
	Source string `json:"source"`
	planner.Stats
	planner.Projection
	// Milestones are projected for the plan's order, then for each other
	// choice, so the admin can compare.
	Milestones  []planner.Milestones `json:"milestones"`
	Fingerprint string               `json:"fingerprint"`
}

func NewPlan(source string, plan *planner.Plan, l planner.Limits) Report {
	problems := plan.Problems
	if problems == nil {
		problems = []planner.Problem{}
	}
	return Report{Plan: &PlanJSON{
		Summary: PlanSummary{
			Source:      source,
			Stats:       plan.Stats,
			Projection:  planner.Project(plan.Stats.TicketJobs, plan.Stats.ReplyJobs, l),
			Milestones:  plan.Choices(l),
			Fingerprint: plan.Fingerprint,
		},
		Problems: problems,
	}}
}

// RunJSON is the shape of run and status --report FILE.json.
type RunJSON struct {
	Summary RunSummary `json:"summary"`
	// Items lists every job not simply delivered: rejected, failed,
	// uncertain, and delivered after an uncertain send (possibly twice).
	Items []Item `json:"items"`
}

type RunSummary struct {
	Source      string            `json:"source"`
	Fingerprint string            `json:"fingerprint"`
	Tickets     checkpoint.Counts `json:"tickets"`
	Replies     checkpoint.Counts `json:"replies"`
	// Attachments counts the follow-up messages carrying first-message
	// attachments the events cannot.
	Attachments checkpoint.Counts `json:"attachments"`
	// Folded and FoldedFiles count the folded tickets' events and their
	// files messages, when the plan folds any.
	Folded      *checkpoint.Counts `json:"folded,omitempty"`
	FoldedFiles *checkpoint.Counts `json:"folded_files,omitempty"`
	// Rows says where the source's rows went, per group (read = jobs +
	// not sent + skipped); absent for checkpoints that predate it.
	Rows                 map[string]checkpoint.Rows `json:"rows,omitempty"`
	ProjectedSecondsLeft float64                    `json:"projected_seconds_left"`
	// Milestones are the cut-over milestones reached, and when.
	Milestones map[string]time.Time `json:"milestones,omitempty"`
	// Order, FoldBefore and Folding are the last run's choices, and what
	// folding did with what earlier runs began.
	Order      string             `json:"order,omitempty"`
	FoldBefore string             `json:"fold_before,omitempty"`
	Folding    checkpoint.Folding `json:"folding,omitzero"`
	planner.Limits
}

// LanePending counts the jobs a checkpoint has yet to deliver per lane:
// tickets' and folded tickets' events; replies and the messages with files.
func LanePending(snap *checkpoint.Snapshot) (events, replies int) {
	for _, g := range []string{planner.TicketGroup, planner.FoldedGroup} {
		events += snap.Count(g).Pending
	}
	for _, g := range []string{planner.ReplyGroup, planner.FollowUpGroup, planner.FoldedFilesGroup} {
		replies += snap.Count(g).Pending
	}
	return events, replies
}

// jobs is how many jobs of group the checkpoint holds.
func (s RunSummary) jobs(group string) int {
	if group == planner.TicketGroup {
		return s.Tickets.Total
	}
	return s.Replies.Total
}

type Item struct {
	Key    string `json:"key"`
	State  string `json:"state"` // rejected, failed, uncertain, resent
	Reason string `json:"reason,omitempty"`
	Origin string `json:"origin,omitempty"`
}

// NewRun describes a checkpoint; origins names the items' places in
// the source where a run knows them.
func NewRun(snap *checkpoint.Snapshot, origins map[string]string) Report {
	limits := planner.Limits{EventsPerSec: snap.Run.EventsPerSec, RepliesPerMin: snap.Run.RepliesPerMin}
	t, r, f := snap.Count(planner.TicketGroup), snap.Count(planner.ReplyGroup), snap.Count(planner.FollowUpGroup)
	events, replies := LanePending(snap)
	rep := &RunJSON{Summary: RunSummary{
		Source: snap.Header.Source, Fingerprint: snap.Header.Fingerprint, Tickets: t, Replies: r, Attachments: f, Limits: limits,
		Rows:                 snap.Rows(),
		ProjectedSecondsLeft: planner.Project(events, replies, limits).TotalSeconds,
		Milestones:           snap.Milestones,
		Order:                snap.Run.Order, FoldBefore: snap.Run.FoldBefore, Folding: snap.Run.Folding,
	}, Items: []Item{}}
	if c := snap.Count(planner.FoldedGroup); c.Total > 0 {
		rep.Summary.Folded = &c
	}
	if c := snap.Count(planner.FoldedFilesGroup); c.Total > 0 {
		rep.Summary.FoldedFiles = &c
	}
	for j := range snap.All() {
		state := ""
		switch {
		case j.State == checkpoint.Rejected, j.State == checkpoint.Failed:
			state = string(j.State)
		case j.State == checkpoint.Sending:
			state = "uncertain"
		case j.State == checkpoint.Done && j.Uncertain:
			state = "resent"
		default:
			continue
		}
		rep.Items = append(rep.Items, Item{Key: j.Key, State: state, Reason: j.Reason, Origin: origins[j.Key]})
	}
	slices.SortFunc(rep.Items, func(a, b Item) int { return strings.Compare(a.Key, b.Key) })
	return Report{Run: rep}
}

// CheckPath refuses a report file of a format not written.
func CheckPath(path string) error {
	switch strings.ToLower(filepath.Ext(path)) {
	case "", ".json", ".csv", ".html":
		if path != "" && filepath.Ext(path) == "" {
			break
		}
		return nil
	}
	return fmt.Errorf("--report %s: write FILE.json, FILE.csv or FILE.html", path)
}

// Write writes r in the format path's extension names, to a file
// only its owner can read.
func Write(path string, r Report) error {
	var data []byte
	var err error
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		var v any = r.Plan
		if r.Run != nil {
			v = r.Run
		}
		data, err = json.MarshalIndent(v, "", "  ")
		data = append(data, '\n')
	case ".csv":
		data, err = r.csv()
	case ".html":
		data, err = r.html(time.Now())
	default:
		return fmt.Errorf("--report %s: write FILE.json, FILE.csv or FILE.html", path)
	}
	if err != nil {
		return err
	}
	if err := outfile.WriteFile(path, data); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}

// csv writes one problem (plan) or item (run) per row, for spreadsheets.
func (r Report) csv() ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if r.Plan != nil {
		w.Write([]string{"severity", "kind", "origin", "item", "field", "message"})
		for _, p := range r.Plan.Problems {
			w.Write([]string{string(p.Severity), p.Kind, p.Origin, p.Item, p.Field, p.Message})
		}
	} else {
		w.Write([]string{"key", "state", "reason", "origin"})
		for _, g := range RowGroups() { // where the source's rows went, first
			if rows, ok := r.Run.Summary.Rows[g.Group]; ok {
				w.Write([]string{"rows/" + g.Name, "summary", RowsAccount(g.Group, rows, r.Run.Summary.jobs(g.Group)), ""})
			}
		}
		for _, it := range r.Run.Items {
			w.Write([]string{it.Key, it.State, it.Reason, it.Origin})
		}
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

//go:embed templates/report.html
var templates embed.FS

var reportPage = template.Must(template.New("report.html").Funcs(template.FuncMap{
	"shift":          func(x int) int { return x + 300 }, // past the timelines' labels
	"below":          func(y int) int { return y + 44 },  // a mark's label under the bar
	"timelineHeight": func(n int) int { return n * timelineRow },
}).ParseFS(templates, "templates/report.html"))

// htmlView is what the HTML page shows: everything is computed here, the
// template only places it.
type htmlView struct {
	Title, Source, Fingerprint, Generated string
	Cards                                 []card
	Timelines                             []timeline
	Charts                                []chart
	Columns                               []string
	Rows                                  [][]string
}

// timeline is one choice of order and folding drawn against time: a bar to
// when everything is delivered, marks where the milestones fall.
type timeline struct {
	Label, Sub string // the order; the folding, and whether it is this plan's
	W          int    // the bar's length, in pixels
	Y          int
	Marks      []mark
}

type mark struct {
	X, Y        int // the mark's place on the bar, and its label's row
	Label, When string
}

const (
	timelineWidth = 440 // pixels for the longest timeline
	timelineRow   = 96  // pixels per timeline: its bar and three labels
)

// newTimelines draws the milestones of each choice on one time scale.
func newTimelines(choices []planner.Milestones) []timeline {
	longest := 1.0
	for _, c := range choices {
		longest = max(longest, c.DoneSeconds)
	}
	x := func(sec float64) int { return int(sec / longest * timelineWidth) }
	var out []timeline
	for i, c := range choices {
		sub := "no folding"
		if c.FoldBefore != "" {
			sub = fmt.Sprintf("--fold-before %s (%d folded)", c.FoldBefore, c.Folded)
		}
		if i == 0 {
			sub += " · this plan"
		}
		t := timeline{Label: "--order " + string(c.Order), Sub: sub, W: max(1, x(c.DoneSeconds)), Y: i * timelineRow}
		if c.OpenSeconds > 0 {
			t.Marks = append(t.Marks, mark{X: x(c.OpenSeconds), Y: 0, Label: "open tickets complete", When: planner.Duration(c.OpenSeconds)})
		}
		t.Marks = append(t.Marks,
			mark{X: x(c.VisibleSeconds), Y: 14, Label: "every ticket visible", When: planner.Duration(c.VisibleSeconds)},
			mark{X: x(c.DoneSeconds), Y: 28, Label: "everything delivered", When: planner.Duration(c.DoneSeconds)})
		out = append(out, t)
	}
	return out
}

type card struct{ Label, Value string }

// chart is a horizontal bar chart drawn as inline SVG.
type chart struct {
	Title  string
	Height int
	Bars   []bar
}

type bar struct {
	Label, Value string
	Y, W         int // row position and bar length, in pixels
	Fill         string
}

const (
	chartWidth = 420 // pixels for the longest bar
	barHeight  = 22
)

func newChart(title string, labels []string, values []float64, texts []string, fill string) chart {
	c := chart{Title: title, Height: len(labels)*barHeight + 8}
	top := slices.Max(append(values, 1))
	for i, l := range labels {
		c.Bars = append(c.Bars, bar{Label: l, Value: texts[i], Y: i * barHeight, W: max(1, int(values[i]/top*chartWidth)), Fill: fill})
	}
	return c
}

func (r Report) html(now time.Time) ([]byte, error) {
	v := htmlView{Generated: now.UTC().Format(time.RFC3339)}
	if p := r.Plan; p != nil {
		s := p.Summary
		v.Title, v.Source, v.Fingerprint = "Migration plan", s.Source, s.Fingerprint
		v.Cards = []card{
			{"Tickets read", fmt.Sprint(s.Tickets)}, {"Replies read", fmt.Sprint(s.Replies)},
			{"Tickets to send", fmt.Sprint(s.TicketJobs)}, {"Replies to send", fmt.Sprint(s.ReplyJobs)},
			{"Internal notes skipped", fmt.Sprint(s.InternalSkipped)}, {"Attachments", fmt.Sprintf("%d (%s)", s.Attachments, Bytes(s.AttachmentBytes))},
			{"People", fmt.Sprint(s.Users)}, {"Errors", fmt.Sprint(s.Errors)}, {"Warnings", fmt.Sprint(s.Warnings)},
			{"Projected time", planner.Duration(s.TotalSeconds)},
		}
		if n := s.RowsSkipped(); n > 0 {
			v.Cards = append(v.Cards, card{"Rows skipped (skip_rows)", fmt.Sprint(n)})
		}
		v.Timelines = newTimelines(s.Milestones)
		var months []string
		var tickets, replies []float64
		var tTexts, rTexts []string
		for _, m := range s.Months {
			months = append(months, m.Month)
			tickets, replies = append(tickets, float64(m.Tickets)), append(replies, float64(m.Replies))
			tTexts, rTexts = append(tTexts, fmt.Sprint(m.Tickets)), append(rTexts, fmt.Sprint(m.Replies))
		}
		kinds := map[string]int{}
		for _, pr := range p.Problems {
			kinds[string(pr.Severity)+" "+pr.Kind]++
		}
		kindNames := slices.Sorted(func(yield func(string) bool) {
			for k := range kinds {
				if !yield(k) {
					return
				}
			}
		})
		var kindValues []float64
		var kindTexts []string
		for _, k := range kindNames {
			kindValues, kindTexts = append(kindValues, float64(kinds[k])), append(kindTexts, fmt.Sprint(kinds[k]))
		}
		v.Charts = []chart{
			newChart(fmt.Sprintf("Projected timeline at %s: the lanes run side by side", s.Limits), []string{"events", "replies", "total"},
				[]float64{s.EventsSeconds, s.RepliesSeconds, s.TotalSeconds},
				[]string{planner.Duration(s.EventsSeconds), planner.Duration(s.RepliesSeconds), planner.Duration(s.TotalSeconds)}, "#4c78a8"),
			newChart("Tickets per month", months, tickets, tTexts, "#4c78a8"),
			newChart("Replies per month", months, replies, rTexts, "#72b7b2"),
			newChart("Problems by kind", kindNames, kindValues, kindTexts, "#e45756"),
		}
		v.Columns = []string{"severity", "kind", "origin", "item", "field", "message"}
		for _, pr := range p.Problems {
			v.Rows = append(v.Rows, []string{string(pr.Severity), pr.Kind, pr.Origin, pr.Item, pr.Field, pr.Message})
		}
	} else {
		s := r.Run.Summary
		v.Title, v.Source, v.Fingerprint = "Migration status", s.Source, s.Fingerprint
		for _, l := range []struct {
			name string
			c    checkpoint.Counts
		}{{"Tickets", s.Tickets}, {"Replies", s.Replies}} {
			v.Cards = append(v.Cards,
				card{l.name + " delivered", fmt.Sprintf("%d of %d", l.c.Done, l.c.Total)},
				card{l.name + " rejected", fmt.Sprint(l.c.Rejected)}, card{l.name + " failed", fmt.Sprint(l.c.Failed)},
				card{l.name + " uncertain", fmt.Sprint(l.c.Uncertain)}, card{l.name + " pending", fmt.Sprint(l.c.Pending)})
		}
		for _, g := range RowGroups() {
			if rows, ok := s.Rows[g.Group]; ok {
				v.Cards = append(v.Cards, card{"Rows of " + g.Name + " read", RowsAccount(g.Group, rows, s.jobs(g.Group))})
			}
		}
		v.Cards = append(v.Cards, card{"Time left", planner.Duration(s.ProjectedSecondsLeft)})
		labels := []string{"tickets done", "tickets left", "replies done", "replies left"}
		values := []float64{float64(s.Tickets.Done), float64(s.Tickets.Total - s.Tickets.Done), float64(s.Replies.Done), float64(s.Replies.Total - s.Replies.Done)}
		texts := make([]string, len(values))
		for i, x := range values {
			texts[i] = fmt.Sprint(x)
		}
		v.Charts = []chart{newChart("Progress", labels, values, texts, "#4c78a8")}
		v.Columns = []string{"key", "state", "reason", "origin"}
		for _, it := range r.Run.Items {
			v.Rows = append(v.Rows, []string{it.Key, it.State, it.Reason, it.Origin})
		}
	}
	var buf bytes.Buffer
	err := reportPage.Execute(&buf, v)
	return buf.Bytes(), err
}

// RowGroup is a job group the source's rows become, with its name in reports.
type RowGroup struct{ Group, Name string }

// RowGroups are the groups whose rows reports account for.
func RowGroups() []RowGroup {
	return []RowGroup{{planner.TicketGroup, "tickets"}, {planner.ReplyGroup, "replies"}}
}

// RowsAccount says where a group's rows went: "131 = 116 to send + 9 not
// sent (errors in the source) + 6 skipped (internal notes)".
func RowsAccount(group string, r checkpoint.Rows, jobs int) string {
	s := fmt.Sprintf("%d = %d to send", r.Read, jobs)
	switch {
	case r.Folded > 0 && group == planner.TicketGroup:
		s += fmt.Sprintf(" + %d folded (each sent as one message holding its conversation)", r.Folded)
	case r.Folded > 0:
		s += fmt.Sprintf(" + %d folded (inside their tickets' one messages)", r.Folded)
	}
	s += fmt.Sprintf(" + %d not sent (errors in the source)", r.NotSent)
	if r.Skipped > 0 {
		s += fmt.Sprintf(" + %d skipped (internal notes)", r.Skipped)
	}
	return s
}

// Bytes prints a size in decimal units, as Assembly's limits are read.
func Bytes(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1f GB", float64(n)/1e9)
	case n >= assembly.MB:
		return fmt.Sprintf("%.1f MB", float64(n)/assembly.MB)
	case n >= 1e3:
		return fmt.Sprintf("%.1f kB", float64(n)/1e3)
	}
	return fmt.Sprintf("%d B", n)
}
