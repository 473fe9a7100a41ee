package planner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/internal/arena"
	"github.com/assembly-import/assembly-import/internal/confined"
	"github.com/assembly-import/assembly-import/internal/tmpfile"
	"github.com/assembly-import/assembly-import/readers"
)

// builder reads a source into a plan: the records' compact storage
// (store.go), the rules' findings (rules.go), then linking and ordering
// (link.go).
type builder struct {
	opts    Options
	now     time.Time
	spill   *spillWriter
	tickets arena.List[ticketMeta]
	replies arena.List[replyMeta]
	// ticketKeys holds the ticket keys of replies read before their ticket
	// (a source that does not give tickets first).
	ticketKeys map[int32]string
	ticketAt   *arena.IDs // ticket key -> index of its first record
	// ticketIDs holds the tickets' ids and ticketRefs the i-th ticket
	// record's, apart from the other strings and the records: looking up
	// a reply's ticket, the most random reads of planning, reads from a
	// fifth of the memory and misses the caches less (at 10M replies).
	ticketIDs  arena.Strings
	ticketRefs arena.List[arena.Ref]
	strs       arena.Strings
	followUps  []slot // see ticketMeta.followUp
	origins    origins
	emails     *arena.Set     // valid emails as written
	users      *arena.Set     // distinct people with an email, by lower-cased email
	sourceIDs  *arena.Set     // distinct people known by id only
	months     map[int]*Month // by year*12 + month; 0 for no time
	stats      Stats
	problems   problems
	findings   []finding         // the rules' findings for one record, reused
	emailOK    func(string) bool // b.validEmail, made once: a method value per record would allocate
	open       map[string]bool   // Options.OpenStatuses, normalized
	folders    *confined.Folders // attachment folders, open from planning to the plan's Close

	// ticketOrigins and replyOrigins hold the records' origins by index,
	// until linking ends.
	ticketOrigins, replyOrigins originLog
}

// Build reads src to the end and returns the plan. Every problem is
// collected into the plan, not returned: the error is for a source that
// cannot be read at all, a cancelled ctx, or a failing spill file. Build
// does not close src.
func Build(ctx context.Context, src Source, opts Options) (*Plan, error) {
	if opts.InternalNotes == "" {
		opts.InternalNotes = InternalSkip
	}
	if opts.Order == "" {
		opts.Order = OrderChronological
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	// Read and written through the open file, with no name: nothing is
	// left behind however the process ends, kill -9 included.
	f, err := tmpfile.Unlinked(opts.SpillDir, "assembly-import-plan-")
	if err != nil {
		return nil, fmt.Errorf("create plan spill file: %w", err)
	}
	plan := &Plan{spill: f, Folders: &confined.Folders{}, keys: new(arena.Strings)}
	b := &builder{
		folders:   plan.Folders,
		opts:      opts,
		now:       now(),
		spill:     newSpillWriter(f),
		ticketAt:  arena.NewIDs(0),
		emails:    arena.NewSet(),
		users:     arena.NewSet(),
		sourceIDs: arena.NewSet(),
		months:    make(map[int]*Month),
	}
	b.emailOK = b.validEmail
	b.open = make(map[string]bool, len(opts.OpenStatuses))
	for _, st := range opts.OpenStatuses {
		b.open[normalizeStatus(st)] = true
	}
	if l, ok := src.(Locator); ok {
		b.problems.locate = l.Locate
	}
	err = b.read(ctx, src)
	if n, ok := src.(Noter); ok && err == nil {
		for _, note := range n.Notes() {
			b.problems.add(SeverityWarning, ProblemBadValue, note.Origin, itemID{kind: "export"}, note.Field, "%s", note.Message)
		}
	}
	if cerr := b.spill.close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = b.checkIDs(plan)
	}
	if err != nil {
		plan.Close()
		return nil, err
	}
	plan.spillEnd, plan.defaultAuthor = b.spill.off, opts.DefaultAuthor
	plan.Tickets = b.link(plan.keys, opts.Order) // in the order they are sent
	b.stats.Users = b.users.Len() + b.sourceIDs.Len()
	for _, m := range b.months {
		b.stats.Months = append(b.stats.Months, *m)
	}
	slices.SortFunc(b.stats.Months, func(x, y Month) int { return cmp.Compare(x.Month, y.Month) })
	b.stats.Invalid = b.stats.Tickets - b.stats.TicketJobs + b.stats.Replies - b.stats.InternalSkipped - (b.stats.ReplyJobs - b.stats.FollowUps)
	b.stats.Errors, b.stats.Warnings = b.problems.errors, b.problems.warnings
	plan.Stats = b.stats
	plan.Problems = b.problems.list
	plan.Fingerprint = plan.fingerprint()
	plan.Order = opts.Order
	return plan, nil
}

// readBatch is how many records the reading goroutine hands over at a time.
const readBatch = 512

// read takes in every record of src, in three goroutines a few batches
// apart: the source is read in one, the attachments' files are looked at
// in the next (checkFiles), and the checks, hashing and spilling are done
// in the last. Parsing a row costs about as much as planning it, and a
// file's stat about as much as a row: they overlap on a second core.
// Records keep their order; src is only ever used by
// that goroutine, which has ended when read returns. (A Locator's Locate,
// called from here, must therefore only read what opening the source set.)
func (b *builder) read(ctx context.Context, src Source) error {
	g, ctx := errgroup.WithContext(ctx)
	read, checked := make(chan batch, 4), make(chan batch, 4)
	g.Go(func() error {
		defer close(read)
		for {
			bt := batch{recs: make([]readers.Record, 0, readBatch)}
			var err error
			for len(bt.recs) < readBatch && err == nil {
				var rec readers.Record
				if rec, err = src.Next(ctx); err == nil {
					bt.recs = append(bt.recs, rec)
				}
			}
			if !send(ctx, read, bt) {
				return ctx.Err()
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
		}
	})
	g.Go(func() error {
		defer close(checked)
		for bt := range read {
			bt.files = checkFiles(b.folders, bt.recs)
			if !send(ctx, checked, bt) {
				return ctx.Err()
			}
		}
		return nil
	})
	g.Go(func() error {
		for bt := range checked {
			for i, rec := range bt.recs {
				var files []fileCheck
				if bt.files != nil {
					files = bt.files[i]
				}
				var err error
				switch {
				case rec.Ticket != nil:
					err = b.ticket(rec.Ticket, files)
				case rec.Skip != nil:
					if b.stats.SkippedRows == nil {
						b.stats.SkippedRows = map[string]int{}
					}
					b.stats.SkippedRows[rec.Skip.Why]++
				default:
					err = b.reply(rec.Reply, files)
				}
				if err != nil {
					return err
				}
			}
		}
		return nil
	})
	return g.Wait()
}

// batch is records handed from one stage of read to the next, with their
// files' checks once made.
type batch struct {
	recs  []readers.Record
	files [][]fileCheck // checkFiles
}

// send hands bt on, unless ctx ends first.
func send(ctx context.Context, to chan<- batch, bt batch) bool {
	select {
	case to <- bt:
		return true
	case <-ctx.Done():
		return false
	}
}

// readProblems reports what the reader found wrong with a record.
func (b *builder) readProblems(origin string, item itemID, ps []readers.FieldProblem) {
	if slices.ContainsFunc(ps, func(p readers.FieldProblem) bool { return p.Unreadable }) {
		b.stats.Unreadable++
	}
	for _, p := range ps {
		kind, sev := ProblemBadValue, SeverityError
		if p.Field == "" {
			kind = ProblemUnreadable
		}
		if p.Warning {
			sev = SeverityWarning
		}
		b.problems.add(sev, kind, origin, item, p.Field, "%s", p.Message)
	}
}

func (b *builder) ticket(t *readers.Ticket, files []fileCheck) error {
	if b.tickets.Len() == maxTickets {
		return fmt.Errorf("%s: more than %d tickets, which is as many as one plan holds: split the export", t.Origin, maxTickets)
	}
	b.stats.Tickets++
	item := itemID{TicketGroup, t.Key}
	errs := b.problems.errors
	b.readProblems(t.Origin, item, t.Problems)
	b.month(t.Created).Tickets++
	// Interned: a reader's strings may be slices of its whole row, which
	// would keep every row's text alive for as long as the plan.
	m := ticketMeta{id: b.ticketIDs.AddRef(t.Key), created: stampOf(t.Created), open: b.open[normalizeStatus(t.Status)]}
	o := b.origins.add(t.Origin)
	if b.opts.People.Fill(&t.Requester) {
		b.stats.FromPeople++
	}
	if b.opts.Users.Apply(&t.Requester) {
		b.stats.MatchedByName++
	}
	if t.Key == "" {
		if !readers.HasError(t.Problems, "") {
			b.problems.add(SeverityError, ProblemMissing, t.Origin, item, "ticket_id", "the ticket has no id")
		}
	} else if first, dup := b.ticketAt.Get(t.Key, b.ticketIDAt); dup {
		b.problems.add(SeverityError, ProblemDuplicate, t.Origin, item, "ticket_id",
			"duplicate ticket id: first seen at %s, which is the one migrated", b.ticketOrigin(first))
	} else {
		b.ticketAt.Put(b.ticketID(&m), int32(b.tickets.Len()))
	}
	if t.Key == "" && readers.HasError(t.Problems, "") {
		b.addTicket(m, o)
		return nil // an unreadable row: nothing more to check
	}
	if u := t.Requester; u.Email == "" && u.SourceID == "" && u.AssemblyID == "" && b.opts.DefaultAuthor != "" {
		// A chat visitor, say, whom Assembly could not tell apart from anyone.
		var note string
		t.Requester, note = b.fallbackAuthor(t.Origin, item, "requester_email", u)
		t.Body = note + t.Body
	}
	b.findings = ticketRules(b.findings[:0], t, b.now, b.emailOK)
	b.report(t.Origin, item, b.findings)
	b.person(t.Requester, false)
	event, followUp := splitForEvent(b.attachments(t.Origin, item, t.Attachments, files))
	followUpAuthor, followUpNote := t.Requester, ""
	if !followUp.empty() {
		followUpAuthor, followUpNote = b.fallbackAuthor(t.Origin, item, "requester_email", t.Requester)
		b.report(t.Origin, item, ruleFollowUpAuthor(b.findings[:0], followUpAuthor, followUp.names()))
	}
	m.ok = b.problems.errors == errs
	if !m.ok {
		b.addTicket(m, o)
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
	b.count(event, 1)
	m.anonymous = ev.Requester.Email == "" && ev.Requester.AssemblyID == ""
	var err error
	if m.at, m.n, m.hash, err = b.spill.putEvent(&ev); err != nil {
		return err
	}
	if !followUp.empty() {
		// What the event cannot carry goes on the ticket's first reply-lane
		// message, from the requester, at the ticket's time.
		rep := Reply{
			Origin:     t.Origin,
			SSID:       b.opts.IDPrefix + t.Key + "-attachments",
			TicketSSID: ev.SSID,
			Body:       followUpNote + "Attachments of the first message: " + followUp.names(),
			Created:    t.Created,
			Author:     followUpAuthor,
			Files:      followUp.files,
			ImageURLs:  followUp.imageURLs,
			Downloads:  followUp.downloads,
		}
		b.count(followUp, 1)
		var j slot // keyed by the ticket's id, in another group
		if j.at, j.n, j.hash, err = b.spill.putReply(&rep); err != nil {
			return err
		}
		b.followUps = append(b.followUps, j)
		m.followUp = int32(len(b.followUps))
		m.files = len(rep.Files)+len(rep.Downloads) > 0
		b.stats.FollowUps++
	}
	b.addTicket(m, o)
	return nil
}

// count adds a message's attachments to the stats, times sign: -1 takes
// off those of a message found not to be sent after all.
func (b *builder) count(p placed, sign int) {
	b.stats.Attachments += sign * (len(p.files) + len(p.imageURLs) + len(p.downloads))
	for _, f := range p.files {
		b.stats.AttachmentBytes += int64(sign) * f.Size
	}
}

// month returns the counter of t's month; records without a time count
// under "unknown".
func (b *builder) month(t time.Time) *Month {
	key := 0
	if !t.IsZero() {
		y, m, _ := t.Date() // one calendar computation, not two
		key = y*12 + int(m)
	}
	m, ok := b.months[key]
	if !ok {
		m = &Month{Month: "unknown"}
		if key != 0 {
			m.Month = t.Format("2006-01")
		}
		b.months[key] = m
	}
	return m
}

// itemID is the item a problem is about; String names it: "reply r-991",
// or "reply" without an id. Only a problem makes the name.
type itemID struct{ kind, key string }

func (i itemID) String() string {
	if i.key == "" {
		return i.kind
	}
	return i.kind + " " + i.key
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

func (b *builder) reply(r *readers.Reply, files []fileCheck) error {
	b.stats.Replies++
	item := itemID{ReplyGroup, r.Key}
	errs := b.problems.errors
	b.readProblems(r.Origin, item, r.Problems)
	b.month(r.Created).Replies++
	m := replyMeta{id: b.strs.AddRef(r.Key), created: stampOf(r.Created)}
	o := b.origins.add(r.Origin)
	if i, ok := b.ticketAt.Get(r.TicketKey, b.ticketIDAt); ok {
		m.state = uint32(i) + 2
	} else if r.TicketKey != "" {
		m.state = 1
		if b.ticketKeys == nil {
			b.ticketKeys = make(map[int32]string)
		}
		b.ticketKeys[int32(b.replies.Len())] = b.strs.Add(r.TicketKey)
	}
	if b.opts.People.Fill(&r.Author) {
		b.stats.FromPeople++
	}
	if b.opts.Users.Apply(&r.Author) {
		b.stats.MatchedByName++
	}
	if r.Key == "" && readers.HasError(r.Problems, "") {
		b.addReply(m, o)
		return nil // an unreadable row: nothing more to check
	}
	if r.Internal && b.opts.InternalNotes == InternalSkip && b.problems.errors == errs {
		b.stats.InternalSkipped++
		return nil
	}
	if r.Key == "" {
		b.problems.add(SeverityError, ProblemMissing, r.Origin, item, "reply_id", "the reply has no id")
	} // a duplicate id is found once every reply is read (duplicateReplies)
	var authorNote string
	r.Author, authorNote = b.fallbackAuthor(r.Origin, item, "author_email", r.Author)
	b.findings = replyRules(b.findings[:0], r, b.now, b.emailOK)
	b.report(r.Origin, item, b.findings)
	b.person(r.Author, true)

	payload := Reply{
		Origin:     r.Origin,
		SSID:       b.opts.IDPrefix + r.Key,
		TicketSSID: b.opts.IDPrefix + r.TicketKey,
		Body:       r.Body,
		Created:    r.Created,
		Author:     r.Author,
	}
	att := b.attachments(r.Origin, item, r.Attachments, files)
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
	payload.Body = authorNote + payload.Body
	if r.Internal {
		b.stats.InternalIncluded++
		payload.Body = "[Internal note]\n" + payload.Body
	}
	if b.problems.errors == errs {
		m.state |= replyOK
		b.count(att, 1)
		if len(att.downloads) > 0 || slices.ContainsFunc(att.files, func(f File) bool {
			return !assembly.EventTakesImage(f.Name, f.ContentType, f.Size)
		}) {
			m.state |= replyFiles
		}
		var err error
		if m.at, m.n, m.hash, err = b.spill.putReply(&payload); err != nil {
			return err
		}
	}
	b.addReply(m, o)
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

// report adds a record's findings to the plan's problems.
func (b *builder) report(origin string, item itemID, fs []finding) {
	for _, f := range fs {
		b.problems.add(f.severity, f.kind, origin, item, f.field, "%s", f.message)
	}
}
