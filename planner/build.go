package planner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/mail"
	"os"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/assembly-import/assembly-import/internal/arena"
	"github.com/assembly-import/assembly-import/internal/confined"
	"github.com/assembly-import/assembly-import/readers"
)

// ticketMeta and replyMeta are what the planner keeps of each record while
// it reads the rest: enough to check ids, link replies and order everything,
// and no more — a million replies must plan in well under 256 MB. Keys live
// in the arena, origins are eight bytes, times are nanoseconds, and none
// of it is a pointer, so the garbage collector does not scan a million of
// them in every cycle.
type ticketMeta struct {
	slot           // set even when the ticket has errors
	followUp int32 // 1 + its index in b.followUps: a reply-lane message with the first message's other attachments; 0 for none
	origin   origin
	created  stamp
	ok       bool
}

type replyMeta struct {
	slot    // set even when the reply has errors
	origin  origin
	created stamp
	ticket  int32 // its ticket's first record, or -1 (b.ticketKeys has the key)
	ok      bool
	noKey   bool // the reply names no ticket
	pending bool // its ticket was not read yet: look it up when linking
}

const (
	ticketPrefix = TicketGroup + "/"
	replyPrefix  = ReplyGroup + "/"
)

// slot is a job while planning: its key as a Ref into b.strs, and where
// its payload went.
type slot struct {
	key  arena.Ref // "ticket/<id>" or "reply/<id>"
	hash uint64
	at   int64
	n    int32
}

// job makes the plan's Job of a slot.
func (b *builder) job(kind Kind, s slot) Job {
	return Job{Kind: kind, Key: b.strs.Get(s.key), Hash: s.hash, at: s.at, n: s.n}
}

// ticketID and replyID return a record's id, which its key ends with.
func (b *builder) ticketID(m *ticketMeta) string { return b.strs.Get(m.key)[len(ticketPrefix):] }
func (b *builder) replyID(m *replyMeta) string   { return b.strs.Get(m.key)[len(replyPrefix):] }

// ticketIDAt and replyIDAt return the id of the i-th ticket or reply record.
func (b *builder) ticketIDAt(i int32) string { return b.ticketID(b.tickets.At(int(i))) }
func (b *builder) replyIDAt(i int32) string  { return b.replyID(b.replies.At(int(i))) }

// stamp is a time in eight bytes instead of time.Time's twenty-four:
// nanoseconds since 1970, exact from 1678 to 2262. Times outside that span
// (a typo like 0201 or 9999, which validation reports anyway) clamp to its ends.
type stamp int64

func stampOf(t time.Time) stamp {
	switch {
	case t.IsZero():
		return 0
	case t.Year() < 1678:
		return math.MinInt64 + 1
	case t.Year() > 2261:
		return math.MaxInt64
	}
	return stamp(t.UnixNano())
}

func (s stamp) time() time.Time { return time.Unix(0, int64(s)).UTC() }

func (s stamp) compare(o stamp) int { return cmp.Compare(s, o) }

type builder struct {
	opts    Options
	now     time.Time
	spill   *spillWriter
	tickets arena.List[ticketMeta]
	replies arena.List[replyMeta]
	// ticketKeys holds the ticket keys of replies read before their ticket
	// (a source that does not give tickets first).
	ticketKeys map[int32]string
	ticketAt   map[string]int32 // ticket key -> index of its first record
	replyAt    *arena.IDs
	strs       arena.Strings
	followUps  []slot // see ticketMeta.followUp
	origins    origins
	emails     map[string]struct{} // valid emails as written
	users      map[string]struct{} // distinct people with an email, by lower-cased email
	sourceIDs  map[string]struct{} // distinct people known by id only
	months     map[int]*Month      // by year*12 + month; 0 for no time
	stats      Stats
	problems   problems
	findings   []finding         // the rules' findings for one record, reused
	emailOK    func(string) bool // b.validEmail, made once: a method value per record would allocate
	folders    confined.Folders  // attachment folders, open while planning
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
		opts:      opts,
		now:       now(),
		spill:     newSpillWriter(f),
		ticketAt:  make(map[string]int32),
		replyAt:   arena.NewIDs(0),
		emails:    make(map[string]struct{}),
		users:     make(map[string]struct{}),
		sourceIDs: make(map[string]struct{}),
		months:    make(map[int]*Month),
	}
	b.emailOK = b.validEmail
	if l, ok := src.(Locator); ok {
		b.problems.locate = l.Locate
	}
	err = b.read(ctx, src)
	b.folders.Close() // only read from: nothing to lose on a close error
	if cerr := b.spill.close(); err == nil {
		err = cerr
	}
	if err != nil {
		plan.Close()
		return nil, err
	}
	b.replyAt = nil // not needed any more: let the collector have it while linking
	plan.Tickets = b.link()
	b.stats.Users = len(b.users) + len(b.sourceIDs)
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

// readBatch is how many records the reading goroutine hands over at a time.
const readBatch = 512

// read takes in every record of src. The source is read in a goroutine of
// its own, a few batches ahead of the checks, hashing and spilling here:
// parsing a row costs about as much as planning it, and the two overlap
// on a second core. Records keep their order; src is only ever used by
// that goroutine, which has ended when read returns. (A Locator's Locate,
// called from here, must therefore only read what opening the source set.)
func (b *builder) read(ctx context.Context, src Source) error {
	g, ctx := errgroup.WithContext(ctx)
	batches := make(chan []readers.Record, 4)
	g.Go(func() error {
		defer close(batches)
		for {
			batch := make([]readers.Record, 0, readBatch)
			var err error
			for len(batch) < readBatch && err == nil {
				var rec readers.Record
				if rec, err = src.Next(ctx); err == nil {
					batch = append(batch, rec)
				}
			}
			select {
			case batches <- batch:
			case <-ctx.Done():
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
		for batch := range batches {
			for _, rec := range batch {
				var err error
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
		return nil
	})
	return g.Wait()
}

// readProblems reports what the reader found wrong with a record.
func (b *builder) readProblems(origin string, item itemID, ps []readers.FieldProblem) {
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

func (b *builder) ticket(t *readers.Ticket) error {
	b.stats.Tickets++
	item := itemID{TicketGroup, t.Key}
	errs := b.problems.errors
	b.readProblems(t.Origin, item, t.Problems)
	b.month(t.Created).Tickets++
	// Interned: a reader's strings may be slices of its whole row, which
	// would keep every row's text alive for as long as the plan.
	m := ticketMeta{slot: slot{key: b.strs.AddRef(ticketPrefix, t.Key)}, origin: b.origins.add(t.Origin), created: stampOf(t.Created)}
	b.opts.Users.Apply(&t.Requester)
	if t.Key == "" {
		if !readers.HasError(t.Problems, "") {
			b.problems.add(SeverityError, ProblemMissing, t.Origin, item, "ticket_id", "the ticket has no id")
		}
	} else if first, dup := b.ticketAt[t.Key]; dup {
		b.problems.add(SeverityError, ProblemDuplicate, t.Origin, item, "ticket_id",
			"duplicate ticket id: first seen at %s, which is the one migrated", b.origins.get(b.tickets.At(int(first)).origin))
	} else {
		b.ticketAt[b.ticketID(&m)] = int32(b.tickets.Len())
		if first, clash := b.replyAt.Get(t.Key, b.replyIDAt); clash {
			b.idClash(t.Origin, item, "ticket_id", b.origins.get(b.replies.At(int(first)).origin))
		}
	}
	if t.Key == "" && readers.HasError(t.Problems, "") {
		b.tickets.Add(m)
		return nil // an unreadable row: nothing more to check
	}
	b.findings = ticketRules(b.findings[:0], t, b.now, b.emailOK)
	b.report(t.Origin, item, b.findings)
	b.person(t.Requester, false)
	event, followUp := splitForEvent(b.attachments(t.Origin, item, t.Attachments))
	followUpAuthor, followUpNote := t.Requester, ""
	if !followUp.empty() {
		followUpAuthor, followUpNote = b.fallbackAuthor(t.Origin, item, "requester_email", t.Requester)
		b.report(t.Origin, item, ruleFollowUpAuthor(b.findings[:0], followUpAuthor, followUp.names()))
	}
	m.ok = b.problems.errors == errs
	if !m.ok {
		b.tickets.Add(m)
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
		b.count(followUp)
		j := slot{key: b.strs.AddRef(FollowUpGroup, "/", t.Key)}
		if j.at, j.n, j.hash, err = b.spill.putReply(&rep); err != nil {
			return err
		}
		b.followUps = append(b.followUps, j)
		m.followUp = int32(len(b.followUps))
		b.stats.FollowUps++
	}
	b.tickets.Add(m)
	return nil
}

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

func (b *builder) reply(r *readers.Reply) error {
	b.stats.Replies++
	item := itemID{ReplyGroup, r.Key}
	errs := b.problems.errors
	b.readProblems(r.Origin, item, r.Problems)
	b.month(r.Created).Replies++
	m := replyMeta{slot: slot{key: b.strs.AddRef(replyPrefix, r.Key)}, origin: b.origins.add(r.Origin),
		created: stampOf(r.Created), ticket: -1}
	if i, ok := b.ticketAt[r.TicketKey]; ok {
		m.ticket = i
	} else if r.TicketKey == "" {
		m.noKey = true
	} else {
		m.pending = true
		if b.ticketKeys == nil {
			b.ticketKeys = make(map[int32]string)
		}
		b.ticketKeys[int32(b.replies.Len())] = b.strs.Add(r.TicketKey)
	}
	b.opts.Users.Apply(&r.Author)
	if r.Key == "" && readers.HasError(r.Problems, "") {
		b.replies.Add(m)
		return nil // an unreadable row: nothing more to check
	}
	if r.Internal && b.opts.InternalNotes == InternalSkip && b.problems.errors == errs {
		b.stats.InternalSkipped++
		return nil
	}
	if r.Key == "" {
		b.problems.add(SeverityError, ProblemMissing, r.Origin, item, "reply_id", "the reply has no id")
	} else if first, dup := b.replyAt.Get(r.Key, b.replyIDAt); dup {
		b.problems.add(SeverityError, ProblemDuplicate, r.Origin, item, "reply_id",
			"duplicate reply id: first seen at %s, which is the one migrated", b.origins.get(b.replies.At(int(first)).origin))
	} else {
		b.replyAt.Put(b.replyID(&m), int32(b.replies.Len()))
		if first, clash := b.ticketAt[r.Key]; clash {
			b.idClash(r.Origin, item, "reply_id", b.origins.get(b.tickets.At(int(first)).origin))
		}
	}
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
	payload.Body = authorNote + payload.Body
	if r.Internal {
		b.stats.InternalIncluded++
		payload.Body = "[Internal note]\n" + payload.Body
	}
	m.ok = b.problems.errors == errs
	if m.ok {
		b.count(att)
		var err error
		if m.at, m.n, m.hash, err = b.spill.putReply(&payload); err != nil {
			return err
		}
	}
	b.replies.Add(m)
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

// fallbackAuthor gives a message whose author Assembly cannot identify on
// a reply (no email, no Assembly user id) the admin's fallback identity
// (Options.DefaultAuthor), and returns the line that starts its text and
// keeps who wrote it; with no fallback, or an author with an email, it
// returns the author as it is and "".
func (b *builder) fallbackAuthor(origin string, item itemID, field string, u readers.User) (readers.User, string) {
	if b.opts.DefaultAuthor == "" || u.Email != "" || u.AssemblyID != "" {
		return u, ""
	}
	var who []string
	if u.Name != "" {
		who = append(who, u.Name)
	}
	if u.SourceID != "" {
		who = append(who, "id "+u.SourceID)
	}
	original := strings.Join(who, ", ")
	if original == "" {
		original = "someone the export does not name"
	}
	b.stats.DefaultAuthored++
	b.problems.add(SeverityWarning, ProblemIdentity, origin, item, field,
		"no email: sent as %s (--default-author), the text starting \"Originally written by %s\"", b.opts.DefaultAuthor, original)
	return readers.User{Email: b.opts.DefaultAuthor}, "Originally written by " + original + ":\n\n"
}

// idClash reports a ticket and a reply that share an id, and so a
// source_specific_id: Assembly's page does not say whether those may be
// equal, and a server that held them as one would answer the second as a
// duplicate.
func (b *builder) idClash(origin string, item itemID, field, other string) {
	b.problems.add(SeverityWarning, ProblemDuplicate, origin, item, field,
		"a ticket and a reply share this id (the other is at %s), and so a source_specific_id; Assembly's page does not say "+
			"whether they may: give replies ids of their own in the export (the presets write message-<id>)", other)
}

// report adds a record's findings to the plan's problems.
func (b *builder) report(origin string, item itemID, fs []finding) {
	for _, f := range fs {
		b.problems.add(f.severity, f.kind, origin, item, f.field, "%s", f.message)
	}
}

// validEmail checks an address's syntax, remembering the valid ones:
// people write many messages.
func (b *builder) validEmail(email string) bool {
	if _, ok := b.emails[email]; ok {
		return true
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return false
	}
	b.emails[strings.Clone(email)] = struct{}{} // a reader's strings may be slices of its row
	return true
}

// person counts a requester or author among the distinct people, once
// rulePerson found nothing wrong with them.
func (b *builder) person(u readers.User, reply bool) {
	if len(rulePerson(nil, "", u, reply, b.emailOK)) > 0 {
		return
	}
	switch {
	case u.Email != "":
		if _, ok := b.users[strings.ToLower(u.Email)]; !ok {
			b.users[strings.Clone(strings.ToLower(u.Email))] = struct{}{} // ToLower may return its argument, a slice of a row
		}
	default:
		if _, ok := b.sourceIDs[u.SourceID]; !ok {
			b.sourceIDs[strings.Clone(u.SourceID)] = struct{}{}
		}
	}
}

// byTime is a record to sort by creation time, then id: its time beside
// its index, so that sorting reads a compact slice, not the records.
type byTime struct {
	created stamp
	i       int32
}

// sortByTime sorts records by time, then by id, which it looks up only
// for equal times.
func sortByTime(s []byTime, id func(int32) string) {
	slices.SortFunc(s, func(x, y byTime) int {
		if c := x.created.compare(y.created); c != 0 {
			return c
		}
		return cmp.Compare(id(x.i), id(y.i))
	})
}

// link checks what needs the whole source — replies against their tickets —
// and orders the jobs: tickets by creation time then id, each ticket's
// replies likewise, after the ticket's follow-up message if it has one.
// It sorts indexes rather than records, and puts every ticket's reply jobs
// in one shared slice, so that linking a million replies costs little more
// than their jobs.
func (b *builder) link() []Ticket {
	var valid []byTime
	for i := range b.tickets.Len() {
		if t := b.tickets.At(i); t.ok {
			valid = append(valid, byTime{t.created, int32(i)})
		}
	}
	sortByTime(valid, b.ticketIDAt)
	order := make([]int32, len(valid))     // valid tickets, in sending order
	rank := make([]int32, b.tickets.Len()) // ticket record -> its place in order, or -1
	for i := range rank {
		rank[i] = -1
	}
	for pos, t := range valid {
		order[pos], rank[t.i] = t.i, int32(pos)
	}
	valid = nil
	// Replies are grouped by their ticket's place in order with a counting
	// sort (linear; each reply's metadata is read once), then each ticket's
	// few are sorted by time and id. first[pos] counts, then indexes, the
	// replies of the ticket at pos.
	first := make([]int32, len(order)+1)
	ticketOf := make([]int32, b.replies.Len()) // a reply's ticket's place in order, or -1 if it is not sent
	for k := range b.replies.Len() {
		ticketOf[k] = -1
		r := b.replies.At(k)
		if !r.ok && (b.replyID(r) == "" || r.noKey) {
			continue // reported already
		}
		i, exists := r.ticket, r.ticket >= 0
		if r.pending {
			i, exists = b.ticketAt[b.ticketKeys[int32(k)]]
		}
		if !exists || rank[i] < 0 {
			item := itemID{ReplyGroup, b.replyID(r)}
			if exists {
				b.problems.add(SeverityError, ProblemTicketBlocked, b.origins.get(r.origin), item, "ticket_id",
					"ticket %s has errors (%s), so its replies are not migrated either",
					b.ticketIDAt(i), b.origins.get(b.tickets.At(int(i)).origin))
			} else {
				b.problems.add(SeverityError, ProblemOrphan, b.origins.get(r.origin), item, "ticket_id", "there is no ticket %s", b.ticketKeys[int32(k)])
			}
			continue
		}
		if !r.ok {
			continue
		}
		if t := b.tickets.At(int(i)).created; r.created.compare(t) < 0 {
			b.problems.add(SeverityWarning, ProblemBeforeTicket, b.origins.get(r.origin), itemID{ReplyGroup, b.replyID(r)}, "created_at",
				"the reply (%s) is older than its ticket (%s)", r.created.time().Format(time.RFC3339), t.time().Format(time.RFC3339))
		}
		ticketOf[k] = rank[i]
		first[rank[i]+1]++
	}
	for pos := range order {
		first[pos+1] += first[pos]
	}
	sendable := make([]int32, first[len(order)]) // valid replies of valid tickets, grouped by ticket
	for k, pos := range ticketOf {
		if pos >= 0 {
			sendable[first[pos]] = int32(k)
			first[pos]++ // now the end of pos's replies, which is where pos+1's start
		}
	}
	jobs := make([]Job, 0, len(sendable)+b.stats.FollowUps)
	out := make([]Ticket, len(order))
	var from int32     // into sendable
	var group []byTime // the replies of one ticket
	for pos, i := range order {
		group = group[:0]
		for _, k := range sendable[from:first[pos]] {
			group = append(group, byTime{b.replies.At(int(k)).created, k})
		}
		from = first[pos]
		sortByTime(group, b.replyIDAt)
		t := b.tickets.At(int(i))
		start := len(jobs)
		if t.followUp != 0 {
			jobs = append(jobs, b.job(KindReply, b.followUps[t.followUp-1])) // right after the ticket
		}
		for _, r := range group {
			jobs = append(jobs, b.job(KindReply, b.replies.At(int(r.i)).slot))
		}
		out[pos] = Ticket{Job: b.job(KindTicket, t.slot), Replies: jobs[start:len(jobs):len(jobs)]}
	}
	b.stats.TicketJobs, b.stats.ReplyJobs = len(out), len(jobs)
	return out
}
