package planner

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/assembly-import/assembly-import/readers"
)

// ticketMeta and replyMeta are what the planner keeps of each record while
// it reads the rest: enough to check ids, link replies and order everything.
type ticketMeta struct {
	key, origin string
	created     time.Time
	ok          bool
	job         Job
	followUp    *Job // a reply-lane message with the first message's other attachments
}

type replyMeta struct {
	key, ticketKey, origin string
	created                time.Time
	ok                     bool
	job                    Job
}

type builder struct {
	opts     Options
	now      time.Time
	spill    *spillWriter
	tickets  []ticketMeta
	replies  []replyMeta
	ticketAt map[string]int // ticket key -> index of its first record
	replyAt  map[string]int
	users    map[string]struct{}
	months   map[string]*Month
	stats    Stats
	problems problems
}

// Build reads src to the end and returns the plan. Every problem is
// collected into the plan, not returned: the error is for a source that
// cannot be read at all, a cancelled ctx, or a failing spill file. Build
// does not close src.
func Build(ctx context.Context, src Source, opts Options) (*Plan, error) {
	if opts.InternalNotes == "" {
		opts.InternalNotes = InternalSkip
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	f, err := os.CreateTemp(opts.SpillDir, "assembly-import-plan-*.jsonl")
	if err != nil {
		return nil, fmt.Errorf("create plan spill file: %w", err)
	}
	// Unlinked at once and read through the open file: nothing is left
	// behind however the process ends, kill -9 included.
	if err := os.Remove(f.Name()); err != nil {
		f.Close()
		return nil, fmt.Errorf("create plan spill file: %w", err)
	}
	plan := &Plan{spill: f}
	b := &builder{
		opts:     opts,
		now:      now(),
		spill:    &spillWriter{f: f, w: bufio.NewWriterSize(f, 1<<20)},
		ticketAt: make(map[string]int),
		replyAt:  make(map[string]int),
		users:    make(map[string]struct{}),
		months:   make(map[string]*Month),
	}
	if l, ok := src.(Locator); ok {
		b.problems.locate = l.Locate
	}
	if err := b.read(ctx, src); err != nil {
		plan.Close()
		return nil, err
	}
	if err := b.spill.w.Flush(); err != nil {
		plan.Close()
		return nil, fmt.Errorf("write plan spill file: %w", err)
	}
	plan.Tickets = b.link()
	b.stats.Users = len(b.users)
	for _, m := range b.months {
		b.stats.Months = append(b.stats.Months, *m)
	}
	slices.SortFunc(b.stats.Months, func(x, y Month) int { return cmp.Compare(x.Month, y.Month) })
	b.stats.Invalid = b.stats.Tickets - b.stats.TicketJobs + b.stats.Replies - b.stats.InternalSkipped - (b.stats.ReplyJobs - b.stats.FollowUps)
	b.stats.Errors, b.stats.Warnings = b.problems.errors, b.problems.warnings
	plan.Stats = b.stats
	plan.Problems = b.problems.list
	plan.Fingerprint = plan.fingerprint()
	return plan, nil
}

func (b *builder) read(ctx context.Context, src Source) error {
	for {
		rec, err := src.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if rec.Ticket != nil {
			err = b.ticket(rec.Ticket)
		} else {
			err = b.reply(rec.Reply)
		}
		if err != nil {
			return err
		}
	}
}

// readProblems reports what the reader found wrong with a record.
func (b *builder) readProblems(origin, item string, ps []readers.FieldProblem) {
	for _, p := range ps {
		kind := ProblemBadValue
		if p.Field == "" {
			kind = ProblemUnreadable
		}
		b.problems.add(SeverityError, kind, origin, item, p.Field, "%s", p.Message)
	}
}

func (b *builder) ticket(t *readers.Ticket) error {
	b.stats.Tickets++
	item := itemName("ticket", t.Key)
	errs := b.problems.errors
	b.readProblems(t.Origin, item, t.Problems)
	b.month(t.Created).Tickets++
	m := ticketMeta{key: t.Key, origin: t.Origin, created: t.Created}
	b.opts.Users.Apply(&t.Requester)
	if t.Key == "" {
		if len(t.Problems) == 0 {
			b.problems.add(SeverityError, ProblemMissing, t.Origin, item, "ticket_id", "the ticket has no id")
		}
	} else if first, dup := b.ticketAt[t.Key]; dup {
		b.problems.add(SeverityError, ProblemDuplicate, t.Origin, item, "ticket_id",
			"duplicate ticket id: first seen at %s, which is the one migrated", b.tickets[first].origin)
	} else {
		b.ticketAt[t.Key] = len(b.tickets)
	}
	if len(t.Problems) > 0 && t.Key == "" {
		b.tickets = append(b.tickets, m)
		return nil // an unreadable row: nothing more to check
	}
	if strings.TrimSpace(t.Title) == "" {
		b.problems.add(SeverityError, ProblemMissing, t.Origin, item, "title", "the title is empty; Assembly requires one")
	}
	b.checkTime(t.Origin, item, t.Created, hasProblem(t.Problems, "created_at"))
	b.checkPerson(t.Origin, item, "requester", t.Requester, false)
	if strings.TrimSpace(t.Body) == "" {
		b.problems.add(SeverityError, ProblemEmptyBody, t.Origin, item, "body", "the first message is empty; Assembly requires one")
	}
	event, followUp := splitForEvent(b.attachments(t.Origin, item, t.Attachments))
	m.ok = b.problems.errors == errs
	if !m.ok {
		b.tickets = append(b.tickets, m)
		return nil
	}
	ev := Event{
		Origin:     t.Origin,
		SSID:       b.opts.IDPrefix + t.Key,
		Title:      t.Title,
		Body:       event.text(t.Body),
		Created:    t.Created,
		Requester:  t.Requester,
		Company:    t.Company,
		Properties: properties(t),
		Files:      event.files,
		ImageURLs:  event.imageURLs,
	}
	b.count(event)
	var err error
	m.job = Job{Kind: KindTicket, Key: "ticket/" + t.Key}
	if m.job.at, m.job.n, m.job.Hash, err = b.spill.put(ev); err != nil {
		return err
	}
	if !followUp.empty() {
		// What the event cannot carry goes on the ticket's first reply-lane
		// message, from the requester, at the ticket's time.
		rep := Reply{
			Origin:     t.Origin,
			SSID:       b.opts.IDPrefix + t.Key + "-attachments",
			TicketSSID: ev.SSID,
			Body:       "Attachments of the first message: " + followUp.names(),
			Created:    t.Created,
			Author:     t.Requester,
			Files:      followUp.files,
			ImageURLs:  followUp.imageURLs,
			Downloads:  followUp.downloads,
		}
		b.count(followUp)
		j := Job{Kind: KindReply, Key: FollowUpGroup + "/" + t.Key}
		if j.at, j.n, j.Hash, err = b.spill.put(rep); err != nil {
			return err
		}
		m.followUp = &j
		b.stats.FollowUps++
	}
	b.tickets = append(b.tickets, m)
	return nil
}

// FollowUpGroup is the key group of the messages that carry a first
// message's attachments the event cannot ("attachments/<ticket id>").
const FollowUpGroup = "attachments"

// count adds a message's attachments to the stats.
func (b *builder) count(p placed) {
	b.stats.Attachments += len(p.files) + len(p.imageURLs) + len(p.downloads)
	for _, f := range p.files {
		b.stats.AttachmentBytes += f.Size
	}
}

// month returns the counter of t's month; records without a time count
// under "unknown".
func (b *builder) month(t time.Time) *Month {
	key := "unknown"
	if !t.IsZero() {
		key = t.Format("2006-01")
	}
	m, ok := b.months[key]
	if !ok {
		m = &Month{Month: key}
		b.months[key] = m
	}
	return m
}

// itemName names an item in problems: "reply r-991", or "reply" without an id.
func itemName(kind, key string) string {
	if key == "" {
		return kind
	}
	return kind + " " + key
}

// properties gathers what Assembly has no field for into additional_properties.
func properties(t *readers.Ticket) map[string]string {
	props := make(map[string]string, len(t.Extra)+2)
	for k, v := range t.Extra {
		props[k] = v
	}
	if t.Status != "" {
		props["status"] = t.Status
	}
	if len(t.Tags) > 0 {
		props["tags"] = strings.Join(t.Tags, ", ")
	}
	if len(props) == 0 {
		return nil
	}
	return props
}

func (b *builder) reply(r *readers.Reply) error {
	b.stats.Replies++
	item := itemName("reply", r.Key)
	errs := b.problems.errors
	b.readProblems(r.Origin, item, r.Problems)
	b.month(r.Created).Replies++
	m := replyMeta{key: r.Key, ticketKey: r.TicketKey, origin: r.Origin, created: r.Created}
	b.opts.Users.Apply(&r.Author)
	if len(r.Problems) > 0 && r.Key == "" {
		b.replies = append(b.replies, m)
		return nil // an unreadable row: nothing more to check
	}
	if r.Internal && b.opts.InternalNotes == InternalSkip && b.problems.errors == errs {
		b.stats.InternalSkipped++
		return nil
	}
	if r.Key == "" {
		b.problems.add(SeverityError, ProblemMissing, r.Origin, item, "reply_id", "the reply has no id")
	} else if first, dup := b.replyAt[r.Key]; dup {
		b.problems.add(SeverityError, ProblemDuplicate, r.Origin, item, "reply_id",
			"duplicate reply id: first seen at %s, which is the one migrated", b.replies[first].origin)
	} else {
		b.replyAt[r.Key] = len(b.replies)
	}
	if r.TicketKey == "" {
		b.problems.add(SeverityError, ProblemMissing, r.Origin, item, "ticket_id", "the reply names no ticket")
	}
	b.checkTime(r.Origin, item, r.Created, hasProblem(r.Problems, "created_at"))
	b.checkPerson(r.Origin, item, "author", r.Author, true)

	payload := Reply{
		Origin:     r.Origin,
		SSID:       b.opts.IDPrefix + r.Key,
		TicketSSID: b.opts.IDPrefix + r.TicketKey,
		Body:       r.Body,
		Created:    r.Created,
		Author:     r.Author,
	}
	att := b.attachments(r.Origin, item, r.Attachments)
	payload.Files, payload.ImageURLs, payload.Downloads = att.files, att.imageURLs, att.downloads
	payload.Body = att.text(payload.Body)
	if strings.TrimSpace(payload.Body) == "" {
		if att.empty() {
			b.problems.add(SeverityError, ProblemEmptyBody, r.Origin, item, "body", "the message is empty; Assembly requires text")
		} else {
			b.problems.add(SeverityWarning, ProblemEmptyBody, r.Origin, item, "body",
				"the message has attachments but no text; it is sent with the file names as its text")
			payload.Body = "Attachments: " + att.names()
		}
	}
	if r.Internal {
		b.stats.InternalIncluded++
		payload.Body = "[Internal note]\n" + payload.Body
	}
	m.ok = b.problems.errors == errs
	if m.ok {
		b.count(att)
		var err error
		m.job = Job{Kind: KindReply, Key: "reply/" + r.Key}
		if m.job.at, m.job.n, m.job.Hash, err = b.spill.put(payload); err != nil {
			return err
		}
	}
	b.replies = append(b.replies, m)
	return nil
}

// names lists the attachments for a message's text.
func (p placed) names() string {
	var names []string
	for _, f := range p.files {
		names = append(names, f.Name)
	}
	names = append(names, p.imageURLs...)
	names = append(names, p.downloads...)
	return strings.Join(names, ", ")
}

func hasProblem(ps []readers.FieldProblem, field string) bool {
	return slices.ContainsFunc(ps, func(p readers.FieldProblem) bool { return p.Field == field })
}

// checkTime reports a missing or future timestamp; an unparseable one the
// reader reported already.
func (b *builder) checkTime(origin, item string, t time.Time, reported bool) {
	switch {
	case reported:
	case t.IsZero():
		b.problems.add(SeverityError, ProblemMissing, origin, item, "created_at", "the timestamp is empty")
	case t.After(b.now):
		b.problems.add(SeverityError, ProblemFuture, origin, item, "created_at",
			"%s is in the future", t.Format(time.RFC3339))
	}
}

// checkPerson checks that Assembly can identify a requester or author.
// Replies need an email or an Assembly user id; tickets also take the old
// helpdesk's id.
func (b *builder) checkPerson(origin, item, role string, u readers.User, reply bool) {
	field := role + "_email"
	if u.Email != "" {
		if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
			b.problems.add(SeverityError, ProblemBadValue, origin, item, field, "%q is not an email address", u.Email)
			return
		}
	}
	switch {
	case reply && u.Email == "" && u.AssemblyID == "":
		b.problems.add(SeverityError, ProblemIdentity, origin, item, field,
			"the %s has no email; Assembly needs an email (or an Assembly user id) for every reply", role)
		return
	case u.Email == "" && u.SourceID == "" && u.AssemblyID == "":
		b.problems.add(SeverityError, ProblemIdentity, origin, item, field, "the %s has neither an email nor an id", role)
		return
	}
	id := "email:" + strings.ToLower(u.Email)
	if u.Email == "" {
		id = "id:" + u.SourceID
	}
	b.users[id] = struct{}{}
}

// link checks what needs the whole source — replies against their tickets —
// and orders the jobs: tickets by creation time then id, each ticket's
// replies likewise.
func (b *builder) link() []Ticket {
	type ordered struct {
		created time.Time
		key     string
		job     Job
	}
	byCreation := func(x, y ordered) int {
		return cmp.Or(x.created.Compare(y.created), cmp.Compare(x.key, y.key))
	}
	var tickets []ordered
	var followUps []*Job
	index := make(map[string]int) // ticket key -> index in tickets
	for _, t := range b.tickets {
		if t.ok {
			index[t.key] = len(tickets)
			tickets = append(tickets, ordered{t.created, t.key, t.job})
			followUps = append(followUps, t.followUp)
		}
	}
	replies := make([][]ordered, len(tickets))
	for _, r := range b.replies {
		if !r.ok && (r.key == "" || r.ticketKey == "") {
			continue // reported already
		}
		item := itemName("reply", r.key)
		i, ok := index[r.ticketKey]
		if !ok {
			if first, exists := b.ticketAt[r.ticketKey]; exists {
				b.problems.add(SeverityError, ProblemTicketBlocked, r.origin, item, "ticket_id",
					"ticket %s has errors (%s), so its replies are not migrated either", r.ticketKey, b.tickets[first].origin)
			} else {
				b.problems.add(SeverityError, ProblemOrphan, r.origin, item, "ticket_id", "there is no ticket %s", r.ticketKey)
			}
			continue
		}
		if !r.ok {
			continue
		}
		if t := tickets[i].created; r.created.Before(t) {
			b.problems.add(SeverityWarning, ProblemBeforeTicket, r.origin, item, "created_at",
				"the reply (%s) is older than its ticket (%s)", r.created.Format(time.RFC3339), t.Format(time.RFC3339))
		}
		replies[i] = append(replies[i], ordered{r.created, r.key, r.job})
	}
	out := make([]Ticket, len(tickets))
	for i, t := range tickets {
		rs := replies[i]
		slices.SortFunc(rs, byCreation)
		out[i] = Ticket{Job: t.job, Replies: make([]Job, 0, len(rs)+1)}
		if f := followUps[i]; f != nil {
			out[i].Replies = append(out[i].Replies, *f) // right after the ticket
		}
		for _, r := range rs {
			out[i].Replies = append(out[i].Replies, r.job)
		}
		b.stats.ReplyJobs += len(out[i].Replies)
	}
	b.stats.TicketJobs = len(out)
	order := make([]int, len(tickets))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(x, y int) int { return byCreation(tickets[x], tickets[y]) })
	sorted := make([]Ticket, len(out))
	for i, o := range order {
		sorted[i] = out[o]
	}
	return sorted
}
