package planner

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/readers"
)

// Folding trades fidelity for time: a ticket last active before a date goes
// as one event whose text is the whole conversation, instead of an event
// and one replies-lane request per reply (a minute buys 60 replies, or 1,800
// folded tickets).
const (
	// FoldedGroup is the key group of a folded ticket's event:
	// "folded/<ticket id>". Its source_specific_id is the ticket's own.
	FoldedGroup = "folded"
	// FoldedFilesGroup is the key group of the one message that carries a
	// folded ticket's files an event cannot take, and its transcript when
	// the event's text cannot hold it: "folded-files/<ticket id>".
	FoldedFilesGroup = "folded-files"
)

// TranscriptCap is the most of a transcript that goes into an event's
// text. The page documents no limit on query; 64 kB is the size of the
// longest messages helpdesks commonly allow. The whole transcript then
// goes as a text file on the ticket's files message, split into files of at
// most the reply's file limit.
const TranscriptCap = 64_000

// FoldOptions says which tickets are folded.
type FoldOptions struct {
	// Before folds the tickets whose last activity (their last reply, or
	// their creation) is before it; zero folds none.
	Before time.Time
	// Open folds open tickets (Options.OpenStatuses) too; by default they
	// stay unfolded, however old: agents answer them, as a conversation.
	Open bool
}

// folds says whether o folds t.
func (o FoldOptions) folds(t *Ticket) bool {
	return !o.Before.IsZero() && t.last < stampOf(o.Before) && (o.Open || !t.Open)
}

// FoldResult says what folding did.
type FoldResult struct {
	Folded        int `json:"folded"`         // tickets sent as one event each
	FoldedReplies int `json:"folded_replies"` // replies inside their transcripts
	Transcripts   int `json:"transcripts"`    // transcripts too long for the event, sent as files
	// KeptNative counts tickets the options fold that an earlier run began
	// to send ticket and replies apart: they stay so.
	KeptNative int `json:"kept_native"`
	// KeptFolded counts tickets the options do not fold that an earlier
	// run sent folded: they stay folded, or their messages would go twice.
	KeptFolded int `json:"kept_folded"`
	// Unfoldable counts tickets the options fold that cannot be: their
	// files message has no author Assembly takes (no email; no
	// --default-author). They go unfolded, each with a warning.
	Unfoldable int `json:"unfoldable"`
}

// Earlier is what earlier runs of a migration did with a plan's jobs, as
// its checkpoint tells.
type Earlier struct {
	// Started says an earlier run began sending the job key: it may be in
	// Assembly.
	Started func(key string) bool
	// Inside says the folded event of ticket id that an earlier run began
	// holds the reply key; nil: every reply. A reply added to the export
	// since goes as a message of its own, after the event.
	Inside func(id, key string) bool
}

// Fold sends as one event each the tickets o folds, and those an earlier
// run sent folded, unless an earlier run began sending them unfolded
// (earlier is nil when there was no earlier run). Changing the fold date
// between runs, or re-exporting, therefore never sends a message twice or
// loses one: a ticket sent folded keeps in its event exactly the replies
// it held, and replies added since go on their own. Call it once, before
// sending; Covers then lists what each folded event holds.
func (p *Plan) Fold(o FoldOptions, earlier *Earlier) (FoldResult, error) {
	var res FoldResult
	started := func(string) bool { return false }
	var inside func(id, key string) bool
	if earlier != nil {
		started, inside = earlier.Started, earlier.Inside
	}
	for i := range p.Tickets {
		t := &p.Tickets[i]
		tk := p.Key(t.Job)
		id := strings.TrimPrefix(tk, TicketGroup+"/")
		was := started(FoldedGroup+"/"+id) || started(FoldedFilesGroup+"/"+id)
		holds := func(string) bool { return true }
		if was && inside != nil {
			holds = func(key string) bool { return inside(id, key) }
		}
		// Begun unfolded: its event, or a reply other than one sent after
		// its folded event.
		native := started(tk)
		for _, r := range t.Replies {
			rk := p.Key(r)
			native = native || started(rk) && holds(rk)
		}
		want := o.folds(t)
		switch {
		case native && (want || was):
			res.KeptNative++
			continue
		case !want && !was:
			continue
		case was && !want:
			res.KeptFolded++
		}
		// Which replies the event holds is decided here, in order: holds
		// asks the checkpoint, whose lookups are not for concurrent use.
		f := &folding{t: t, id: id}
		for _, r := range t.Replies {
			rk := p.Key(r)
			if group(rk) == ReplyGroup && !holds(rk) {
				f.after = append(f.after, r)
				continue
			}
			if group(rk) == ReplyGroup {
				f.replies++
			}
			f.covers = append(f.covers, r)
		}
		if err := p.foldTicket(f, &res); err != nil {
			return res, err
		}
	}
	if err := p.flushPut(); err != nil {
		return res, err
	}
	p.Stats.FoldedTickets, p.Stats.FoldedReplies = res.Folded, res.FoldedReplies
	p.Stats.ReplyJobs, p.Stats.FollowUps, p.Stats.FoldedFiles, p.Stats.OpenReplies = 0, 0, 0, 0
	for _, t := range p.Tickets {
		p.Stats.ReplyJobs += len(t.Replies)
		if t.Open {
			p.Stats.OpenReplies += len(t.Replies)
		}
		for _, r := range t.Replies {
			switch group(p.Key(r)) {
			case FollowUpGroup:
				p.Stats.FollowUps++
			case FoldedFilesGroup:
				p.Stats.FoldedFiles++
			}
		}
	}
	p.Folding = o
	return res, nil
}

// message is one message of a conversation, for its transcript.
type message struct {
	at     time.Time
	author readers.User
	body   string
}

// A folded ticket's event and its files message are made as they are
// sent, from the payloads of the jobs the event holds (refold): Fold puts
// only their recipe into the spill file, reading no payload where the
// plan's metadata decides the folded form (a transcript that certainly
// fits the event, no question of who sends the files). Reading every
// payload of every folded ticket made planning 2.6 times as long.

// foldTicket decides the folded form of f's ticket and puts it into the
// plan, counting it into res.
func (p *Plan) foldTicket(f *folding, res *FoldResult) error {
	if len(f.after) == 0 && p.transcriptBound(f) <= TranscriptCap && !p.mayBeUnfoldable(f) {
		f.withFiles = f.t.files
	} else if err := p.prepareFold(f); err != nil {
		return err
	}
	if err := p.commitFold(f); err != nil {
		return err
	}
	switch {
	case f.problem != nil:
		res.Unfoldable++
	default:
		res.Folded++
		res.FoldedReplies += f.replies
		if f.long {
			res.Transcripts++
		}
	}
	if len(p.unwritten) >= 1<<20 {
		return p.flushPut()
	}
	return nil
}

// transcriptBound is at least the length of f's transcript, from the
// sizes of its messages' payloads alone: each holds the message's text and
// every name of its author, and transcript adds a line of at most 96
// bytes to each message (time, the author's punctuation or "someone the
// export does not name"), and one of at most 160 at the top.
func (p *Plan) transcriptBound(f *folding) int64 {
	n := 160 + int64(f.t.Job.n) + 96
	for _, j := range f.covers {
		if group(p.Key(j)) != FollowUpGroup {
			n += int64(j.n) + 96
		}
	}
	return n
}

// mayBeUnfoldable says f's files message might have no author: the
// requester has no email or Assembly user id, the ticket has no follow-up
// message (whose author would send it), and no default author is given.
func (p *Plan) mayBeUnfoldable(f *folding) bool {
	return f.t.anonymous && p.defaultAuthor == "" &&
		!slices.ContainsFunc(f.covers, func(j Job) bool { return group(p.Key(j)) == FollowUpGroup })
}

// folding is one ticket on its way to its folded form: the jobs its event
// holds (covers) and those that follow it (after), whether it has a files
// message, and, once prepareFold has read their payloads, the event and
// that message.
type folding struct {
	t             *Ticket
	id            string
	covers, after []Job
	replies       int  // of covers, the replies (not follow-ups)
	withFiles     bool // it has a files message
	ev            Event
	files         *Reply   // the files message, when the ticket has files an event cannot take
	problem       *Problem // why it cannot be folded; nil when it can
	long          bool     // the transcript goes as files too
}

// prepareFold reads the payloads of f's ticket and makes its folded event
// and, when needed, its files message. It only reads the plan: refold
// runs it as jobs are sent, concurrently.
func (p *Plan) prepareFold(f *folding) error {
	ev, err := p.Event(f.t.Job)
	if err != nil {
		return err
	}
	msgs := []message{{ev.Created, ev.Requester, ev.Body}}
	var files []File // for the files message
	var downloads []string
	var author *readers.User // of the native files message, if the ticket has one
	last := ev.Created
	for _, j := range f.covers {
		r, err := p.Reply(j)
		if err != nil {
			return err
		}
		if group(p.Key(j)) == FollowUpGroup {
			author = &r.Author // its text only lists the files, which go below
		} else {
			msgs = append(msgs, message{r.Created, r.Author, r.Body})
		}
		if r.Created.After(last) {
			last = r.Created
		}
		for _, fl := range r.Files {
			if assembly.EventTakesImage(fl.Name, fl.ContentType, fl.Size) {
				ev.Files = append(ev.Files, fl)
			} else {
				files = append(files, fl)
			}
		}
		ev.ImageURLs = append(ev.ImageURLs, r.ImageURLs...)
		downloads = append(downloads, r.Downloads...)
	}
	text := transcript(msgs)
	ev.Body = text
	if len(text) > TranscriptCap {
		f.long = true
		ev.Body = cutTranscript(text, TranscriptCap) + "\n\n[The conversation continues in transcript.txt, on the next message.]"
		files = append(files, transcriptFiles(text)...)
	}
	props := make(map[string]string, len(ev.Properties)+2)
	for k, v := range ev.Properties {
		props[k] = v
	}
	props["folded"] = "true"
	props["folded_messages"] = strconv.Itoa(len(msgs))
	ev.Properties = props
	f.ev = ev
	if len(files) == 0 && len(downloads) == 0 {
		return nil
	}
	who := ev.Requester
	switch {
	case who.Email != "" || who.AssemblyID != "":
	case author != nil:
		who = *author
	case p.defaultAuthor != "":
		who = readers.User{Email: p.defaultAuthor}
	default:
		f.problem = &Problem{Severity: SeverityWarning, Kind: ProblemIdentity, Origin: ev.Origin, Item: "ticket " + f.id,
			Field: "requester_email", Message: "not folded: its files would go on a message from the requester, who has no email (--default-author names one)"}
		return nil
	}
	var names []string
	for _, fl := range files {
		names = append(names, fl.Name)
	}
	names = append(names, downloads...)
	f.files = &Reply{Origin: ev.Origin, SSID: ev.SSID + "-files", TicketSSID: ev.SSID, Created: last, Author: who,
		Body: "Files of this conversation, which was migrated as one message: " + strings.Join(names, ", "), Files: files, Downloads: downloads}
	f.withFiles = true
	return nil
}

// commitFold replaces f's ticket's jobs by its folded event, holding the
// covered jobs, and its files message; the replies it does not hold follow
// as they were. A ticket that cannot be folded stays as it was, with a
// warning.
func (p *Plan) commitFold(f *folding) error {
	if f.problem != nil {
		p.Problems = append(p.Problems, *f.problem)
		p.Stats.Warnings++
		return nil
	}
	var replies []Job
	if f.withFiles {
		j, err := p.putRecipe(KindReply, FoldedFilesGroup, f)
		if err != nil {
			return err
		}
		replies = []Job{j}
	}
	j, err := p.putRecipe(KindTicket, FoldedGroup, f)
	if err != nil {
		return err
	}
	if p.covers == nil {
		p.covers = newCoverIndex(p.keys)
	}
	if err := p.covers.add(j, f.t.Job, f.covers); err != nil {
		return err
	}
	f.t.Job, f.t.Replies, f.t.Folded = j, append(replies, f.after...), true
	return nil
}

// Covers returns the keys of the unfolded jobs — the ticket's event, its
// replies — that the folded event key holds; nil for any other key. A
// checkpoint records them as the event is sent, so that a later run knows
// which replies the event holds and which came after.
func (p *Plan) Covers(key string) []string {
	if p.covers == nil {
		return nil
	}
	return p.covers.get(key)
}

// transcript writes a conversation as readable text: each message with its
// time and author.
func transcript(msgs []message) string {
	var b strings.Builder
	first, last := msgs[0].at, msgs[len(msgs)-1].at
	for _, m := range msgs {
		first, last = minTime(first, m.at), maxTime(last, m.at)
	}
	fmt.Fprintf(&b, "This conversation was migrated as one message: %d messages, %s to %s.\n",
		len(msgs), first.UTC().Format(transcriptTime), last.UTC().Format(transcriptTime))
	for _, m := range msgs {
		fmt.Fprintf(&b, "\n— %s · %s\n%s\n", m.at.UTC().Format(transcriptTime), who(m.author), strings.TrimSpace(m.body))
	}
	return b.String()
}

const transcriptTime = "2006-01-02 15:04 UTC"

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// who names a message's author: "Ann Lee <ann@example.com>".
func who(u readers.User) string {
	switch {
	case u.Name != "" && u.Email != "":
		return u.Name + " <" + u.Email + ">"
	case u.Email != "":
		return u.Email
	case u.Name != "" && u.SourceID != "":
		return u.Name + " (id " + u.SourceID + ")"
	case u.Name != "":
		return u.Name
	case u.SourceID != "":
		return "id " + u.SourceID
	}
	return "someone the export does not name"
}

// cutTranscript returns the start of text up to at most limit bytes, cut
// before a message where one starts, and never inside a character.
func cutTranscript(text string, limit int) string {
	head := text[:limit]
	if i := strings.LastIndex(head, "\n\n— "); i > 0 {
		return head[:i]
	}
	for limit > 0 && !utf8.RuneStart(text[limit]) {
		limit--
	}
	return text[:limit]
}

// group returns a job key's group: "reply" of "reply/R-1".
func group(key string) string {
	g, _, _ := strings.Cut(key, "/")
	return g
}

// transcriptFiles makes the transcript text files, each at most the limit
// of a reply's file.
func transcriptFiles(text string) []File {
	const limit = assembly.MaxReplyFileSize
	var parts []string
	for len(text) > limit {
		n := limit
		for !utf8.RuneStart(text[n]) {
			n--
		}
		parts = append(parts, text[:n])
		text = text[n:]
	}
	parts = append(parts, text)
	files := make([]File, len(parts))
	for i, part := range parts {
		name := "transcript.txt"
		if len(parts) > 1 {
			name = fmt.Sprintf("transcript-%d.txt", i+1)
		}
		files[i] = File{Ref: name, Name: name, ContentType: "text/plain; charset=utf-8", Size: int64(len(part)), Text: part}
	}
	return files
}

// putRecipe appends the recipe of f's folded event or files message (its
// key's group says which) to the spill file, once flushPut writes what it
// gathered, and returns its job. Its hash is made of its parts': the jobs
// the event holds, in order, and their content hashes.
func (p *Plan) putRecipe(kind Kind, grp string, f *folding) (Job, error) {
	var enc spillEncoder
	enc.recipe(f.id, f.withFiles, f.t.Job, f.covers)
	var h contentHasher
	h.d.Reset()
	h.str(grp, f.id, strconv.FormatBool(f.withFiles))
	if grp == FoldedFilesGroup {
		h.str(p.defaultAuthor) // it may send the files
	}
	for _, j := range append([]Job{f.t.Job}, f.covers...) {
		h.str(p.Key(j))
		h.int(int64(j.Hash))
	}
	if len(enc.b) > 1<<31-1 {
		return Job{}, fmt.Errorf("%s/%s: a payload of %d bytes is too large for the plan", grp, f.id, len(enc.b))
	}
	if len(p.unwritten) == 0 {
		p.unwrittenAt = p.spillEnd
	}
	p.unwritten = append(p.unwritten, enc.b...)
	j := Job{key: p.keys.AddRef(grp, "/", f.id), Hash: h.d.Sum64(), at: p.spillEnd, n: int32(len(enc.b)), Kind: kind}
	p.spillEnd += int64(len(enc.b))
	return j, nil
}

// refold makes the folded event or files message of the recipe job j
// from the payloads of the jobs it holds, as Fold decided them.
func (p *Plan) refold(j Job) (*folding, error) {
	f, err := load(p, j, (*spillDecoder).recipe)
	if err != nil {
		return nil, err
	}
	withFiles := f.withFiles
	f.withFiles = false // prepareFold finds it
	if err := p.prepareFold(f); err != nil {
		return nil, err
	}
	if f.problem != nil || f.withFiles != withFiles {
		return nil, fmt.Errorf("%s: its messages are not what the plan folded (a files message: %t then, %t now)", p.Key(j), withFiles, f.withFiles)
	}
	return f, nil
}

// flushPut writes the recipes putRecipe has gathered to the spill file,
// in one write: Fold calls it after each megabyte of them, and before any
// of their jobs is read.
func (p *Plan) flushPut() error {
	if len(p.unwritten) == 0 {
		return nil
	}
	if _, err := p.spill.WriteAt(p.unwritten, p.unwrittenAt); err != nil {
		return fmt.Errorf("write plan spill file: %w", err)
	}
	p.unwritten = p.unwritten[:0]
	return nil
}
