// Package checkpoint is the durable journal of a migration: which jobs were
// sent, acknowledged, rejected or lost, so that a run can stop any way at
// all and the next one carries on without losing or doubling anything.
//
// The journal is an append-only file of JSON lines, one state change of one
// job each. A "sending" line is written and fsynced before its request
// leaves; the outcome follows, written without its own fsync (the next
// "sending", or Close, makes it durable: group commit). A job whose last
// line is "sending" was in flight when the run stopped: the server may or
// may not have it.
package checkpoint

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"strconv"
	"sync"
	"time"

	"github.com/assembly-import/assembly-import/internal/confined"
	"github.com/assembly-import/assembly-import/internal/filelock"
)

// State is where a job stands.
type State string

// Job states. Sending is written before the request leaves and is the only
// state that says nothing of the outcome.
const (
	Sending  State = "sending"
	Done     State = "done"
	Rejected State = "rejected"
	Failed   State = "failed"
	// Retry is an attempt the server answered without acting on it (429,
	// 503): the job is pending again, and resending it doubles nothing.
	Retry State = "retry"
	// Within is a job sent inside another: a ticket's event or reply that
	// a folded ticket's event holds (its sending line's "covers").
	Within    State = "within"
	uncertain State = "uncertain" // a line marking an attempt whose outcome is unknown
)

// Version is the journal format this package writes. 2: the planner's
// content hashes are xxHash (they were FNV-1a in 1), so a journal of
// version 1 could not be compared with a plan of today. 3: a journal may
// be compacted (Compact); this package reads version 2 as well, which is
// version 3 without compacted records.
const Version = 3

// MessageIDs is the way the readers name the messages of an export that
// names none, as a header records it. 2: by what a message is (its time,
// author and text); 0, in headers written before it: by where it stood
// (a comment's column, a message's place among those of its second).
const MessageIDs = 2

// Header binds a journal to one plan.
type Header struct {
	Version     int    `json:"version"`
	Fingerprint string `json:"fingerprint"`
	Source      string `json:"source"`
	// Jobs counts the plan's jobs per group (the part of a key before "/").
	Jobs map[string]int `json:"jobs"`
	// MessageIDs is the scheme that named the plan's messages the export
	// names none (the constant MessageIDs when the journal was begun).
	MessageIDs int `json:"ids,omitempty"`
	// Rows accounts for the source's rows per group, so that a report can
	// say where each went: Read = jobs + NotSent + Skipped. Absent from
	// checkpoints written before it existed.
	Rows map[string]Rows `json:"rows,omitempty"`
}

// Rows accounts for one group's rows of the source.
type Rows struct {
	Read    int `json:"read"`
	NotSent int `json:"not_sent"` // errors in the source
	Skipped int `json:"skipped"`  // internal notes left out, by policy
	// Folded counts the rows sent inside folded tickets' single events:
	// the tickets themselves (in their own job group), or their replies.
	Folded int `json:"folded,omitempty"`
}

// Run describes a run that opened the journal: its limits, for
// projections, and its process, for whoever finds the journal locked.
type Run struct {
	EventsPerSec  int    `json:"events_per_sec"`
	RepliesPerMin int    `json:"replies_per_min"`
	PID           int    `json:"pid,omitempty"`
	Host          string `json:"host,omitempty"`
	// Order and FoldBefore are the run's choices of what goes first and
	// which tickets go folded (RFC 3339; empty: none). They may change
	// from run to run of one plan.
	Order      string `json:"order,omitempty"`
	FoldBefore string `json:"fold_before,omitempty"`
	// Folding says what folding did in this run, with what earlier runs
	// began: how many tickets went folded, and how many kept the form an
	// earlier run began them in against the fold date.
	Folding Folding `json:"folding,omitzero"`
	// Jobs and Rows are the header's counts as this run arranged the plan
	// (folding changes which jobs there are); absent, the header's hold.
	Jobs map[string]int  `json:"jobs,omitempty"`
	Rows map[string]Rows `json:"rows,omitempty"`
	// Started is when the run started; OpenTickets counts the plan's open
	// tickets, and OpenSeconds projects, from the start, when the last of
	// their jobs would be done (status, until a milestone line says so).
	Started     time.Time `json:"started,omitzero"`
	OpenTickets int       `json:"open_tickets,omitempty"`
	OpenSeconds float64   `json:"open_seconds,omitempty"`
}

// Folding counts what a run's folding did (planner.FoldResult's counts).
type Folding struct {
	Folded     int `json:"folded,omitempty"`
	KeptNative int `json:"kept_native,omitempty"`
	KeptFolded int `json:"kept_folded,omitempty"`
}

// line is one line of the journal file.
type line struct {
	Time   time.Time `json:"t"`
	Header *Header   `json:"header,omitempty"`
	// Rebase is a later plan the journal was carried over to.
	Rebase *Header `json:"rebase,omitempty"`
	Run    *Run    `json:"run,omitempty"`
	Key    string  `json:"k,omitempty"`
	State  State   `json:"s,omitempty"`
	ID     string  `json:"id,omitempty"`
	Reason string  `json:"reason,omitempty"`
	Hash   string  `json:"h,omitempty"` // the content sent, on "sending" lines
	// Covers, on a folded ticket's "sending" line, are the jobs its event
	// holds: each is Within from then on.
	Covers []string `json:"covers,omitempty"`
	// Milestone names a milestone a run reached (a cut-over's "open
	// tickets complete"), at the line's time.
	Milestone string `json:"milestone,omitempty"`
	// Except counts, on a milestone line, the milestone's jobs rejected
	// rather than done: reached, but for them.
	Except int `json:"except,omitempty"`
	// Allowance is, on a line of its own, a transit allowance a lane
	// learned (Journal.Allowance), in milliseconds.
	Allowance float64 `json:"allowance_ms,omitempty"`
}

// Job is what the journal knows of one job. (The server's id for a done
// job — a ticket number, a history id — is in the file, not kept in memory.)
type Job struct {
	Key   string
	State State // "" when the journal has never seen it
	// Reason is why a job was rejected or failed.
	Reason string
	// Hash identifies the content last sent.
	Hash uint64
	// Uncertain is set once an attempt's outcome was lost (a crash, a dropped
	// connection): the server may hold the job twice if it was resent.
	Uncertain bool
	// Covers says the journal lists the jobs this one holds (a folded
	// ticket's event), each Within.
	Covers bool
}

// ErrLocked is returned when another process holds the journal.
var ErrLocked = errors.New("checkpoint is in use by another run")

// LockedError says who holds a journal, as far as its last run line tells.
type LockedError struct {
	Path string
	Run  Run
}

func (e *LockedError) Error() string {
	who := "another process"
	if e.Run.PID != 0 {
		who = fmt.Sprintf("process %d on %s", e.Run.PID, e.Run.Host)
	}
	return fmt.Sprintf("checkpoint %s is in use by %s: one run at a time per checkpoint", e.Path, who)
}

func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// MismatchError is returned when a journal belongs to another plan.
type MismatchError struct {
	Path       string
	Have, Want string
	Snapshot   *Snapshot // the journal as it is, for explaining what changed
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("checkpoint %s was made for a different input (plan fingerprint %.12s, this input is %.12s)", e.Path, e.Have, e.Want)
}

// Journal is an open checkpoint file, locked for one run. It is safe for
// concurrent use.
type Journal struct {
	mu     sync.RWMutex // its readers (cursors, counts) hold it shared
	f      *os.File
	path   string
	snap   *Snapshot
	err    error // the first write error: after it nothing more is written
	closed bool
}

// Read replays the journal at path without locking or changing it.
func Read(path string) (*Snapshot, error) {
	if err := notRegular(path); err != nil {
		return nil, err
	}
	f, err := filelock.OpenFile(path, os.O_RDONLY)
	if err != nil {
		return nil, err
	}
	defer f.Close() // releases the lock, if taken
	// A run holds the lock for as long as it has the journal open. Taking
	// it for a moment is how Read knows; a run starting in that moment
	// waits for it (Open).
	live := errors.Is(filelock.TryLock(f), filelock.ErrLocked)
	snap, _, err := replay(f, path)
	if snap != nil {
		snap.Live, snap.frozen = live, true
	}
	return snap, err
}

// notRegular refuses a checkpoint path that names something other than a
// regular file (a FIFO would block the open or the read forever, a device
// would be written to), before it is opened. A path that does not exist yet
// is fine: Open creates it.
func notRegular(path string) error {
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().IsRegular() {
		return nil // the open reports a missing or unreadable file
	}
	return fmt.Errorf("checkpoint %s is not a regular file (%s): give the path of a file", path, confined.Kind(fi.Mode()))
}

// Options says what a run opens a journal for.
type Options struct {
	Header Header
	Run    Run
	// AllowChanged carries a journal over to a plan with another
	// fingerprint (a changed export) instead of refusing.
	AllowChanged bool
	// MadeUpIDs says the plan holds messages the export names none of,
	// named by the scheme MessageIDs: a journal begun under another scheme
	// knows them by other keys, and is refused (*IDSchemeError).
	MadeUpIDs bool
}

// IDSchemeError is a journal begun by an earlier version of the tool,
// which named the messages an export names none of by their position:
// its keys and today's cannot be matched, and a run would send those
// messages again.
type IDSchemeError struct {
	Path   string
	Scheme int
}

func (e *IDSchemeError) Error() string {
	return fmt.Sprintf("checkpoint %s was begun by an earlier version of assembly-import, which named the messages the export gives no id "+
		"(Jira comments, messages without a message id) by their position; this version names them by what they are, so that a re-export "+
		"cannot shift them. Its keys cannot be matched to today's, and this run would send those messages again: finish this migration "+
		"with the release that began it (its resume command, the same export), and use this version for new migrations", e.Path)
}

// Open opens the journal at path for a run of the plan described by
// opts.Header, creating it (mode 0600) when it does not exist and replaying
// it when it does. It takes an exclusive lock on the file for as long as it
// is open. A partial last line left by a crash is cut off; the snapshot's
// Torn says so. A journal of another plan is a *MismatchError unless
// opts.AllowChanged.
func Open(path string, opts Options) (*Journal, error) {
	if err := notRegular(path); err != nil {
		return nil, err
	}
	f, err := lockPath(path)
	if err != nil {
		if errors.Is(err, filelock.ErrLocked) {
			le := &LockedError{Path: path}
			if snap, err := Read(path); err == nil {
				le.Run = snap.Run
			}
			return nil, le
		}
		return nil, err
	}
	j := &Journal{f: f, path: path}
	if err := j.start(opts); err != nil {
		f.Close()
		return nil, err
	}
	return j, nil
}

func (j *Journal) start(opts Options) error {
	snap, good, err := replay(j.f, j.path)
	if err != nil {
		return err
	}
	if snap.Torn {
		if err := j.f.Truncate(good); err != nil {
			return fmt.Errorf("checkpoint %s: cut off its torn last line: %w", j.path, err)
		}
	}
	if _, err := j.f.Seek(good, io.SeekStart); err != nil {
		return err
	}
	h := opts.Header
	h.Version, h.MessageIDs = Version, MessageIDs
	switch {
	case good > 0 && opts.MadeUpIDs && snap.Header.MessageIDs != MessageIDs:
		return &IDSchemeError{Path: j.path, Scheme: snap.Header.MessageIDs}
	case good == 0:
		if err := j.append(line{Header: &h}, true); err != nil {
			return err
		}
		snap.Header = h
	case snap.Header.Fingerprint != h.Fingerprint && !opts.AllowChanged:
		return &MismatchError{Path: j.path, Have: snap.Header.Fingerprint, Want: h.Fingerprint, Snapshot: snap}
	case snap.Header.Fingerprint != h.Fingerprint:
		if err := j.append(line{Rebase: &h}, true); err != nil {
			return err
		}
		snap.Header = h
	}
	snap.Run = opts.Run
	j.snap = snap
	return j.append(line{Run: &opts.Run}, true)
}

// append writes one line; sync makes it durable before returning.
func (j *Journal) append(l line, sync bool) error {
	if j.err != nil {
		return j.err
	}
	l.Time = time.Now().UTC()
	if err := writeJSONLine(j.f, l); err != nil {
		j.err = fmt.Errorf("write checkpoint %s: %w", j.path, err)
		return j.err
	}
	if sync {
		if err := j.f.Sync(); err != nil {
			j.err = fmt.Errorf("sync checkpoint %s: %w", j.path, err)
			return j.err
		}
	}
	return nil
}

// writeJSONLine writes l as a line of JSON.
func writeJSONLine(w io.Writer, l line) error {
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func (j *Journal) record(key string, state State, id, reason string, hash uint64, sync bool, covers ...string) error {
	l := line{Key: key, State: state, ID: id, Reason: reason, Covers: covers}
	if state != Rejected && state != Failed {
		reason = "" // kept in the file, not in memory
	}
	if state == Sending {
		l.Hash = strconv.FormatUint(hash, 16)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	// The index of the jobs' keys is built on first need (a resume that
	// finds every job near the last one found needs none); building it
	// finds a compacted journal that records a job twice.
	if j.snap.ids(); j.snap.duplicate != "" && j.err == nil {
		j.err = fmt.Errorf("checkpoint %s: job %q is recorded twice in its compacted part: was it edited?", j.path, j.snap.duplicate)
	}
	if err := j.append(l, sync); err != nil {
		return err
	}
	j.snap.update([]byte(key), state, reason, hash)
	j.snap.cover(key, covers)
	j.snap.jobLines++
	return nil
}

// Run records, durably, what the run that opened the journal is: a run
// line after the one Open wrote, once the run has arranged its plan.
func (j *Journal) Run(r Run) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.append(line{Run: &r}, true); err != nil {
		return err
	}
	j.snap.Run = r
	return nil
}

// Count tallies the jobs of group in a live journal, of a plan that has
// jobs of them.
func (j *Journal) Count(group string, jobs int) Counts {
	j.mu.RLock()
	defer j.mu.RUnlock()
	c := j.snap.Count(group)
	c.Total = jobs
	c.Pending = max(0, c.Total-c.Done-c.Rejected)
	return c
}

// Knows reports whether the journal has met a job of group.
func (j *Journal) Knows(group string) bool {
	j.mu.RLock()
	defer j.mu.RUnlock()
	return findGroup(j.snap.firstOf, group) != nil // every group's first job is noted as it is added
}

// Milestone records that the migration reached a milestone, but for
// except of its jobs rejected, the first time only; it says whether this
// was the first.
func (j *Journal) Milestone(name string, except int) (bool, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, ok := j.snap.Milestones[name]; ok {
		return false, nil
	}
	if err := j.append(line{Milestone: name, Except: except}, true); err != nil {
		return false, err
	}
	j.snap.Milestones[name] = time.Now().UTC()
	if except > 0 {
		j.snap.MilestoneExcept[name] = except
	}
	return true, nil
}

// Allowance records the spread of transit times a lane learned to allow
// for (its pacer's allowance, wider after 429s from bunched arrivals),
// when it is wider than any recorded: a later run starts from it instead
// of learning it again, 429 by 429. Not synced: one lost to a crash is
// learned again.
func (j *Journal) Allowance(d time.Duration) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if d <= j.snap.Allowance {
		return nil
	}
	if err := j.append(line{Allowance: milliseconds(d)}, false); err != nil {
		return err
	}
	j.snap.Allowance = d
	return nil
}

// Learned returns the widest transit allowance recorded (Allowance), by
// this run or an earlier one; 0 when none.
func (j *Journal) Learned() time.Duration {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.snap.Allowance
}

// milliseconds is d in milliseconds, as the journal writes durations.
func milliseconds(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Sending records, durably, that a request for key, with content hash, is
// about to leave; covers are the jobs it holds (a folded ticket's event:
// planner.Plan.Covers). The request must not be sent if it returns an error.
func (j *Journal) Sending(key string, hash uint64, covers ...string) error {
	return j.record(key, Sending, "", "", hash, true, covers...)
}

// Uncertain records that an attempt for key may or may not have reached
// the server (its connection broke after the request went out).
func (j *Journal) Uncertain(key string) error {
	return j.record(key, uncertain, "", "", 0, false)
}

// Retry records that the server turned an attempt for key away without
// acting on it; the job will be sent again.
func (j *Journal) Retry(key, reason string) error {
	return j.record(key, Retry, "", reason, 0, false)
}

// Done records that the server acknowledged key, with its id for it.
func (j *Journal) Done(key, id string) error {
	return j.record(key, Done, id, "", 0, false)
}

// Rejected records that the server refused key for good, and why.
func (j *Journal) Rejected(key, reason string) error {
	return j.record(key, Rejected, "", reason, 0, false)
}

// Failed records that key could not be delivered in this run; the next run
// tries it again.
func (j *Journal) Failed(key, reason string) error {
	return j.record(key, Failed, "", reason, 0, false)
}

// Lookup returns a cursor over the live journal (see Cursor).
func (j *Journal) Lookup() *Cursor { return &Cursor{snap: j.snap, mu: j.mu.RLocker()} }

// Snapshot returns the journal's state once it is closed (nothing changes
// it then), or nil while a run may still be writing it: read a live journal
// with Lookup, Len, Torn and Compare.
func (j *Journal) Snapshot() *Snapshot {
	j.mu.Lock()
	defer j.mu.Unlock()
	if !j.closed {
		return nil
	}
	return j.snap
}

// Len returns how many jobs the journal knows.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.snap.Len()
}

// Torn says the file ended in a partial line when it was opened (cut off).
func (j *Journal) Torn() bool { return j.snap.Torn }

// Compare lists how a plan's jobs differ from what the journal recorded.
func (j *Journal) Compare(jobs iter.Seq2[string, uint64]) Delta {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.snap.Compare(jobs)
}

// Close makes everything written durable, releases the lock and closes the
// file. Closing twice does nothing.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	j.closed = true
	j.snap.frozen = true
	err := j.f.Sync()
	return errors.Join(err, j.f.Close())
}
