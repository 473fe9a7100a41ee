// Package planner turns a stream of helpdesk records into a validated,
// deterministic plan of API jobs: each ticket's event before its replies,
// a ticket's replies in chronological order. Nothing here touches the network.
package planner

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"iter"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"time"

	"github.com/cespare/xxhash/v2"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/internal/arena"
	"github.com/assembly-import/assembly-import/internal/confined"
	"github.com/assembly-import/assembly-import/readers"
)

// Source yields records one at a time and io.EOF after the last.
type Source interface {
	Next(ctx context.Context) (readers.Record, error)
	Close() error
}

// Noter is a Source that says things of the whole export once it is read
// (timestamps read as UTC for want of a zone): each is a warning.
type Noter interface {
	Notes() []readers.Note
}

// Locator is a Source whose records span cells: it names the cell of a
// field in the record an origin names ("tickets!A17", "created_at" →
// "tickets!C17"), so that every problem points at its cell.
type Locator interface {
	Locate(origin, field string) string
}

// Kind says which API lane a job goes through.
type Kind uint8

// The job kinds: a ticket is an event, everything after its first message a reply.
const (
	KindTicket Kind = iota + 1
	KindReply
)

// Lane names, as used in reports and logs.
func (k Kind) String() string {
	if k == KindTicket {
		return "events"
	}
	return "replies"
}

// Job keys are "<group>/<id>": the group says what kind of job it is, the id
// is the source's own. The checkpoint counts jobs by group.
const (
	TicketGroup = "ticket" // a ticket's event: "ticket/<ticket id>"
	ReplyGroup  = "reply"  // a reply: "reply/<reply id>"
	// FollowUpGroup is the key group of the messages that carry a first
	// message's attachments the event cannot ("attachments/<ticket id>").
	FollowUpGroup = "attachments"
)

// Job is one request to send. It is small on purpose — the payload waits in
// the plan's spill file until the job is sent — so a plan of millions of
// replies fits in little memory.
//
// It holds no pointer, so that the collector does not look at a plan's
// millions of jobs: its key is in the plan's keys (Plan.Key).
type Job struct {
	// Hash identifies the job's content, whatever the source format.
	Hash uint64
	at   int64
	key  arena.Ref
	n    int32
	Kind Kind
}

// Key returns job j's stable identity in the checkpoint: "<group>/<id>",
// from the source's own ids. The string shares the plan's memory.
func (p *Plan) Key(j Job) string { return p.keys.Get(j.key) }

// Ticket is a ticket's event job and its reply jobs, in sending order.
type Ticket struct {
	Job
	Replies []Job
	// Open says the ticket's status is one of Options.OpenStatuses: agents
	// are working on it.
	Open bool
	// Folded says the ticket goes as one event holding the whole
	// conversation (Plan.Fold): Job is that event, Replies at most the
	// message with its files.
	Folded bool
	// files and replies are what the ticket sends unfolded, for
	// projecting other choices: whether any of its messages has files an
	// event cannot take or links to fetch (a folded ticket sends those on a
	// files message), and its replies-lane jobs.
	files bool
	// anonymous says the requester has neither an email nor an Assembly
	// user id, so that the files message of the folded ticket cannot be
	// from them (Plan.Fold).
	anonymous bool
	replies   int32
	seq       int32 // its place in chronological order
	last      stamp // its last activity: its last reply's time, or its own
}

// Plan is the ordered set of jobs for a migration plus every problem found.
// Tickets are in the order Options.Order says. Close it to remove its spill
// file.
type Plan struct {
	Tickets  []Ticket
	Problems []Problem
	Stats    Stats
	Order    Order
	// Folding is what Fold was given; zero when nothing was folded.
	Folding FoldOptions
	// Fingerprint binds a checkpoint to what the plan sends, whatever the
	// order: the jobs in chronological order, and their content.
	Fingerprint string
	// Folders are the attachment folders as planning opened them, kept
	// open until Close: files are sent from these, so that a folder
	// replaced since (a symbolic link swapped in for it) is never read.
	Folders *confined.Folders
	// keys holds the jobs' keys, laid out in the order link made them (the
	// plan's chronological order), where a pass over the jobs streams
	// through them; a sample shares its parent's.
	keys          *arena.Strings
	spill         *os.File
	spillEnd      int64  // where payloads made after planning go (Fold)
	unwritten     []byte // payloads put has made, not yet written (flushPut)
	unwrittenAt   int64  // where they go
	borrowed      bool   // a pilot's: the spill file is its parent's
	defaultAuthor string
	covers        *coverIndex // of each folded event: the jobs it holds (Covers); nil until Fold
}

// Stats counts what the source holds and what the plan sends.
type Stats struct {
	Tickets          int   `json:"tickets"`                    // ticket records read
	Replies          int   `json:"replies"`                    // reply records read
	TicketJobs       int   `json:"ticket_jobs"`                // tickets to send
	ReplyJobs        int   `json:"reply_jobs"`                 // replies to send
	InternalSkipped  int   `json:"internal_skipped"`           // internal notes left out
	InternalIncluded int   `json:"internal_included"`          // internal notes sent as replies
	FollowUps        int   `json:"follow_ups"`                 // reply-lane messages carrying first-message attachments
	Attachments      int   `json:"attachments"`                // attachments to send
	AttachmentBytes  int64 `json:"attachment_bytes"`           // their size, where known
	Users            int   `json:"users"`                      // distinct requesters and authors
	OpenTickets      int   `json:"open_tickets"`               // tickets to send whose status is open
	OpenReplies      int   `json:"open_replies"`               // reply-lane jobs of those
	FoldedTickets    int   `json:"folded_tickets,omitempty"`   // tickets sent as one event each (Fold)
	FoldedReplies    int   `json:"folded_replies,omitempty"`   // replies inside their transcripts
	FoldedFiles      int   `json:"folded_files,omitempty"`     // messages carrying folded tickets' files
	Invalid          int   `json:"invalid"`                    // items not sent because of errors
	Unreadable       int   `json:"unreadable,omitempty"`       // rows the format could not read at all (among the invalid)
	DefaultAuthored  int   `json:"default_authored,omitempty"` // messages sent as Options.DefaultAuthor
	MatchedByName    int   `json:"matched_by_name,omitempty"`  // people given an Assembly id by their name alone (the user map)
	FromPeople       int   `json:"from_people,omitempty"`      // messages whose person's email or name came from the directory (Options.People)
	// SkippedRows counts the rows the mapping's skip_rows left out, by
	// their column and word (`Message type "assignment"`).
	SkippedRows map[string]int `json:"skipped_rows,omitempty"`
	Errors      int            `json:"errors"`
	Warnings    int            `json:"warnings"`
	// Months counts the records read per month of their creation, oldest first.
	Months []Month `json:"months"`
}

// RowsSkipped returns how many rows skip_rows left out.
func (s Stats) RowsSkipped() int {
	n := 0
	for _, c := range s.SkippedRows {
		n += c
	}
	return n
}

// Month counts the tickets and replies created in one month ("2024-03").
type Month struct {
	Month   string `json:"month"`
	Tickets int    `json:"tickets"`
	Replies int    `json:"replies"`
}

// InternalNotes says what to do with agents-only notes.
type InternalNotes string

// Nothing documents whether a reply notifies the customer, so internal notes
// stay out unless the admin asks for them.
const (
	InternalSkip    InternalNotes = "skip"
	InternalInclude InternalNotes = "include"
)

// Options configures Build.
type Options struct {
	// IDPrefix is prepended to ticket and reply ids to form source_specific_ids.
	IDPrefix      string
	InternalNotes InternalNotes
	// Now is the present, for rejecting timestamps in the future; nil is time.Now.
	Now func() time.Time
	// SpillDir holds the plan's payload file; empty is the system temp dir.
	SpillDir string
	// Users gives people their Assembly user ids; nil leaves them unknown.
	Users *readers.UserMap
	// People is the old helpdesk's directory (--people): the emails and
	// names of the people the export names by id only.
	People *readers.People
	// DefaultAuthor is the email of the Assembly user who sends the
	// messages whose author (or, for a follow-up, requester) has no email
	// or Assembly user id; their text starts with who wrote them. Empty:
	// such messages are errors.
	DefaultAuthor string
	// Oversize says what to do with a file over 32 MB [FileFail].
	Oversize FilePolicy
	// MissingFiles says what to do with a file not in its folder (storage
	// not copied, a purged blob) [FileFail].
	MissingFiles FilePolicy
	// DownloadURLs fetches attachment links that are not images at send
	// time and uploads them as files, instead of adding the links to the text.
	DownloadURLs bool
	// LoginHosts are the hosts whose links need the download login
	// (--download-hosts): with DownloadURLs, their image links are fetched
	// and uploaded too, never passed to Assembly as URLs it cannot open.
	LoginHosts []string
	// Order says which tickets go first [OrderChronological].
	Order Order
	// OpenStatuses are the statuses of tickets agents are working on,
	// matched without regard to case or surrounding spaces.
	OpenStatuses []string
}

// Event is the payload of a ticket job: POST /interactions.
type Event struct {
	Origin     string            `json:"origin"`
	SSID       string            `json:"ssid"`
	Title      string            `json:"title"`
	Body       string            `json:"body"`
	Created    time.Time         `json:"created"`
	Requester  readers.User      `json:"requester"`
	Company    string            `json:"company,omitempty"`
	Properties map[string]string `json:"properties,omitempty"`
	// Files and ImageURLs are the first message's images (JPG/PNG up to
	// 4 MB); its other attachments go on a follow-up message.
	Files     []File   `json:"files,omitempty"`
	ImageURLs []string `json:"image_urls,omitempty"`
}

// Reply is the payload of a reply job: POST /interactions/reply.
type Reply struct {
	Origin     string       `json:"origin"`
	SSID       string       `json:"ssid"`
	TicketSSID string       `json:"ticket_ssid"`
	Body       string       `json:"body"`
	Created    time.Time    `json:"created"`
	Author     readers.User `json:"author"`
	Files      []File       `json:"files,omitempty"`
	ImageURLs  []string     `json:"image_urls,omitempty"`
	// Downloads are links fetched at send time and uploaded as files.
	Downloads []string `json:"downloads,omitempty"`
}

// File is a resolved local attachment, as the API's client sends it: the
// folder it must lie in (absolute) and its path there, checked when
// planning and again when sent.
type File = assembly.File

// Event loads the payload of a ticket job. It is safe for concurrent use.
func (p *Plan) Event(j Job) (Event, error) {
	if group(p.Key(j)) == FoldedGroup {
		f, err := p.refold(j)
		if err != nil {
			return Event{}, err
		}
		return f.ev, nil
	}
	return load(p, j, (*spillDecoder).event)
}

// Reply loads the payload of a reply job. It is safe for concurrent use.
func (p *Plan) Reply(j Job) (Reply, error) {
	if group(p.Key(j)) == FoldedFilesGroup {
		f, err := p.refold(j)
		if err != nil {
			return Reply{}, err
		}
		return *f.files, nil
	}
	return load(p, j, (*spillDecoder).reply)
}

// load reads a job's payload back from the spill file.
func load[T any](p *Plan, j Job, decode func(*spillDecoder) T) (T, error) {
	var zero T
	buf := make([]byte, j.n)
	if _, err := p.spill.ReadAt(buf, j.at); err != nil {
		return zero, fmt.Errorf("read payload of %s: %w", p.Key(j), err)
	}
	d := &spillDecoder{b: buf}
	v := decode(d)
	if d.err != nil {
		return zero, fmt.Errorf("read payload of %s: %w", p.Key(j), d.err)
	}
	return v, nil
}

// Close releases the plan's spill file (already unlinked: closing frees it)
// and its attachment folders.
func (p *Plan) Close() error {
	if p.spill == nil || p.borrowed {
		return nil
	}
	p.Folders.Close() // only read from: nothing to lose on a close error
	return p.spill.Close()
}

// All yields every job of the plan with its content hash, in sending order.
func (p *Plan) All() iter.Seq2[string, uint64] {
	return func(yield func(string, uint64) bool) {
		for _, t := range p.Tickets {
			if !yield(p.Key(t.Job), t.Hash) {
				return
			}
			for _, r := range t.Replies {
				if !yield(p.Key(r), r.Hash) {
					return
				}
			}
		}
	}
}

// Origins returns where in the source each of the plan's jobs keys came
// from ("tickets.csv:12"); keys the plan does not hold are left out. It
// reads the payloads of those jobs only: for the few a report names.
func (p *Plan) Origins(keys map[string]bool) (map[string]string, error) {
	out := make(map[string]string, len(keys))
	if len(keys) == 0 {
		return out, nil // no pass over millions of jobs for nothing
	}
	for _, t := range p.Tickets {
		if key := p.Key(t.Job); keys[key] {
			ev, err := p.Event(t.Job)
			if err != nil {
				return nil, err
			}
			out[key] = ev.Origin
		}
		for _, j := range t.Replies {
			if key := p.Key(j); keys[key] {
				r, err := p.Reply(j)
				if err != nil {
					return nil, err
				}
				out[key] = r.Origin
			}
		}
	}
	return out, nil
}

// Sample returns a pilot plan: n tickets chosen at random, reproducibly
// from seed, each with all its replies, in the plan's order. Its jobs are
// the plan's own (same keys, same content), so a checkpoint of the plan
// records the pilot's and the full run skips them. It shares p's spill
// file: close p, not the sample.
func (p *Plan) Sample(n int, seed uint64) *Plan {
	pick := rand.New(rand.NewPCG(seed, 0x5eed)).Perm(len(p.Tickets))[:min(n, len(p.Tickets))]
	slices.Sort(pick)
	s := &Plan{Fingerprint: p.Fingerprint, Folders: p.Folders, spill: p.spill, borrowed: true, covers: p.covers, keys: p.keys}
	for _, i := range pick {
		s.Tickets = append(s.Tickets, p.Tickets[i])
		s.Stats.ReplyJobs += len(p.Tickets[i].Replies)
	}
	s.Stats.TicketJobs = len(s.Tickets)
	return s
}

// Jobs returns the number of jobs per lane.
func (p *Plan) Jobs() (tickets, replies int) {
	return p.Stats.TicketJobs, p.Stats.ReplyJobs
}

// Groups counts the plan's jobs per key group, as a checkpoint's header
// records them.
func (p *Plan) Groups() map[string]int {
	s := p.Stats
	groups := map[string]int{TicketGroup: s.TicketJobs - s.FoldedTickets, ReplyGroup: s.ReplyJobs - s.FollowUps - s.FoldedFiles,
		FollowUpGroup: s.FollowUps}
	if s.FoldedTickets > 0 {
		groups[FoldedGroup], groups[FoldedFilesGroup] = s.FoldedTickets, s.FoldedFiles
	}
	return groups
}

// contentHasher identifies a payload by what it sends, not where it came
// from: the same ticket read from CSV or XLSX, from any folder, hashes
// alike. Origins, files' paths and Assembly user ids (from the admin's user
// map, which may be added between runs: they change who is shown, not what
// is migrated) are left out. Fields are hashed directly, each with its
// length, with xxHash (FNV-1a, byte by byte, took a quarter of planning).
// Its zero value is ready to use; it is reused from payload to payload.
type contentHasher struct {
	d   xxhash.Digest
	buf [binary.MaxVarintLen64]byte
}

func (h *contentHasher) event(p *Event) uint64 {
	h.d.Reset()
	h.str("event", p.SSID, p.Title, p.Body)
	h.time(p.Created)
	h.str(p.Company)
	h.user(p.Requester)
	for _, k := range slices.Sorted(maps.Keys(p.Properties)) {
		h.str(k, p.Properties[k])
	}
	h.files(p.Files)
	h.str(p.ImageURLs...)
	return h.d.Sum64()
}

func (h *contentHasher) reply(p *Reply) uint64 {
	h.d.Reset()
	h.str("reply", p.SSID, p.TicketSSID, p.Body)
	h.time(p.Created)
	h.user(p.Author)
	h.files(p.Files)
	h.str(p.ImageURLs...)
	h.str("downloads")
	h.str(p.Downloads...)
	return h.d.Sum64()
}

// str hashes a list of strings, each with its length.
func (h *contentHasher) str(ss ...string) {
	for _, s := range ss {
		h.d.Write(binary.AppendUvarint(h.buf[:0], uint64(len(s))))
		h.d.WriteString(s)
	}
	h.d.Write([]byte{0xff}) // ends the list: ("a","b") and ("ab") differ
}

func (h *contentHasher) int(v int64) { h.d.Write(binary.AppendVarint(h.buf[:0], v)) }

// time hashes an instant as seconds and nanoseconds, which, unlike
// UnixNano, hold any year a typo may give.
func (h *contentHasher) time(t time.Time) {
	h.int(t.Unix())
	h.int(int64(t.Nanosecond()))
}

func (h *contentHasher) user(u readers.User) { h.str(u.Email, u.Name, u.SourceID) }

func (h *contentHasher) files(files []File) {
	for _, f := range files {
		h.str(f.Ref, f.Name) // not the type: it comes from the system's MIME table
		h.int(f.Size)
		if f.Text != "" { // a file the tool made: its content is what is sent
			h.str(f.Text)
		}
	}
	h.str()
}

// fingerprint binds a checkpoint to a plan: the jobs, in order, and their content.
func (p *Plan) fingerprint() string {
	h := sha256.New()
	var buf [8]byte
	job := func(j Job) {
		io.WriteString(h, p.Key(j))
		binary.BigEndian.PutUint64(buf[:], j.Hash)
		h.Write(buf[:])
	}
	// In chronological order, whatever order the plan sends in: the
	// order is not what is sent.
	chrono := make([]int32, len(p.Tickets))
	for i := range p.Tickets {
		chrono[p.Tickets[i].seq] = int32(i)
	}
	for _, i := range chrono {
		t := &p.Tickets[i]
		job(t.Job)
		for _, r := range t.Replies {
			job(r)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
