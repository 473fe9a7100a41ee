// Package checkpoint is the durable journal of a migration: which jobs were
// sent, acknowledged, rejected or lost, so that a run can stop any way at
// all and the next one carries on without losing or doubling anything.
//
// The journal is an append-only file of JSON lines, one state change of one
// job each. A "sending" line is written and fsynced before its request
// leaves; the outcome follows. A job whose last line is "sending" was in
// flight when the run stopped: the server may or may not have it.
package checkpoint

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"
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
	Retry     State = "retry"
	uncertain State = "uncertain" // a line marking an attempt whose outcome is unknown
)

// Version is the journal format this package writes.
const Version = 1

// Header binds a journal to one plan.
type Header struct {
	Version     int    `json:"version"`
	Fingerprint string `json:"fingerprint"`
	Source      string `json:"source"`
	// Jobs counts the plan's jobs per group (the part of a key before "/").
	Jobs map[string]int `json:"jobs"`
}

// Run records the limits a run was started with, for projections.
type Run struct {
	EventsPerSec  int `json:"events_per_sec"`
	RepliesPerMin int `json:"replies_per_min"`
}

// line is one line of the journal file.
type line struct {
	Time   time.Time `json:"t"`
	Header *Header   `json:"header,omitempty"`
	Run    *Run      `json:"run,omitempty"`
	Key    string    `json:"k,omitempty"`
	State  State     `json:"s,omitempty"`
	ID     string    `json:"id,omitempty"`
	Reason string    `json:"reason,omitempty"`
}

// Job is what the journal knows of one job.
type Job struct {
	State State
	// ID is the server's identifier for a done job (ticket number, history id).
	ID string
	// Reason is why a job was rejected or failed.
	Reason string
	// Uncertain is set once an attempt's outcome was lost (a crash, a dropped
	// connection): the server may hold the job twice if it was resent.
	Uncertain bool
}

// Snapshot is the state of every job in a journal.
type Snapshot struct {
	Header Header
	Run    Run // the latest run's limits
	Jobs   map[string]Job
	// Torn is set when the file ended in a partial line (a crash mid-write),
	// which was ignored.
	Torn bool
}

// ErrLocked is returned when another process holds the journal.
var ErrLocked = errors.New("checkpoint is in use by another run")

// MismatchError is returned when a journal belongs to another plan.
type MismatchError struct {
	Path       string
	Have, Want string
}

func (e *MismatchError) Error() string {
	return fmt.Sprintf("checkpoint %s was made for a different input (plan fingerprint %.12s, this input is %.12s): "+
		"the export changed since that run; finish with the original export or start a new checkpoint file", e.Path, e.Have, e.Want)
}

// Journal is an open checkpoint file, locked for one run. It is safe for
// concurrent use.
type Journal struct {
	mu   sync.Mutex
	f    *os.File
	path string
	snap Snapshot
	err  error // the first write error: after it nothing more is written
}

// Read replays the journal at path without locking or changing it.
func Read(path string) (*Snapshot, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	snap, _, err := replay(f, path)
	return snap, err
}

// Open opens the journal at path for a run of the plan described by h,
// creating it (mode 0600) when it does not exist and replaying it when it
// does. It takes an exclusive lock on the file for as long as it is open.
// A partial last line left by a crash is cut off; the returned snapshot's
// Torn says so.
func Open(path string, h Header, run Run) (*Journal, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open checkpoint: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", path, ErrLocked)
		}
		return nil, fmt.Errorf("lock checkpoint %s: %w", path, err)
	}
	j := &Journal{f: f, path: path}
	if err := j.start(h, run); err != nil {
		f.Close()
		return nil, err
	}
	return j, nil
}

func (j *Journal) start(h Header, run Run) error {
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
	h.Version = Version
	if good == 0 {
		snap.Header = h
		if err := j.append(line{Header: &h}, true); err != nil {
			return err
		}
	} else if snap.Header.Fingerprint != h.Fingerprint {
		return &MismatchError{Path: j.path, Have: snap.Header.Fingerprint, Want: h.Fingerprint}
	}
	snap.Run = run
	j.snap = *snap
	return j.append(line{Run: &run}, true)
}

// replay reads a journal. It returns the snapshot and the length of its
// well-formed part; a corrupt line other than a partial last one is an error
// naming its line.
func replay(r io.Reader, path string) (*Snapshot, int64, error) {
	snap := &Snapshot{Jobs: make(map[string]Job)}
	br := bufio.NewReaderSize(r, 1<<16)
	var good int64
	for n := 1; ; n++ {
		b, err := br.ReadBytes('\n')
		if errors.Is(err, io.EOF) {
			if len(bytes.TrimSpace(b)) > 0 {
				if n == 1 {
					// Never cut a file that holds no journal line: it is not ours.
					return nil, 0, notCheckpoint(path)
				}
				snap.Torn = true
			}
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("read checkpoint %s: %w", path, err)
		}
		var l line
		if err := json.Unmarshal(b, &l); err != nil {
			return nil, 0, fmt.Errorf("checkpoint %s line %d is corrupt: %w", path, n, err)
		}
		switch {
		case l.Header != nil:
			if n != 1 {
				return nil, 0, fmt.Errorf("checkpoint %s line %d: a second header", path, n)
			}
			if l.Header.Version != Version {
				return nil, 0, fmt.Errorf("checkpoint %s: format version %d, this program reads %d", path, l.Header.Version, Version)
			}
			snap.Header = *l.Header
		case n == 1:
			return nil, 0, notCheckpoint(path)
		case l.Run != nil:
			snap.Run = *l.Run
		case l.Key != "":
			snap.apply(l)
		default:
			return nil, 0, fmt.Errorf("checkpoint %s line %d: neither a job nor a header", path, n)
		}
		good += int64(len(b))
	}
	for k, job := range snap.Jobs {
		if job.State == Sending {
			job.Uncertain = true
			snap.Jobs[k] = job
		}
	}
	return snap, good, nil
}

func notCheckpoint(path string) error {
	return fmt.Errorf("checkpoint %s line 1: not a checkpoint header; is this an assembly-import checkpoint?", path)
}

func (s *Snapshot) apply(l line) {
	job := s.Jobs[l.Key]
	switch l.State {
	case Sending:
		if job.State == Sending {
			job.Uncertain = true // sent before, and the run stopped before knowing
		}
		job.State = Sending
	case uncertain:
		job.Uncertain = true
	default:
		job.State, job.ID, job.Reason = l.State, l.ID, l.Reason
	}
	s.Jobs[l.Key] = job
}

// append writes one line; sync makes it durable before returning.
func (j *Journal) append(l line, sync bool) error {
	if j.err != nil {
		return j.err
	}
	l.Time = time.Now().UTC()
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if _, err := j.f.Write(b); err != nil {
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

func (j *Journal) record(l line, sync bool) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if err := j.append(l, sync); err != nil {
		return err
	}
	j.snap.apply(l)
	return nil
}

// Sending records, durably, that a request for key is about to leave. The
// request must not be sent if it returns an error.
func (j *Journal) Sending(key string) error {
	return j.record(line{Key: key, State: Sending}, true)
}

// Uncertain records that an attempt for key may or may not have reached
// the server (its connection broke after the request went out).
func (j *Journal) Uncertain(key string) error {
	return j.record(line{Key: key, State: uncertain}, false)
}

// Retry records that the server turned an attempt for key away without
// acting on it; the job will be sent again.
func (j *Journal) Retry(key, reason string) error {
	return j.record(line{Key: key, State: Retry, Reason: reason}, false)
}

// Done records that the server acknowledged key, with its id for it.
func (j *Journal) Done(key, id string) error {
	return j.record(line{Key: key, State: Done, ID: id}, false)
}

// Rejected records that the server refused key for good, and why.
func (j *Journal) Rejected(key, reason string) error {
	return j.record(line{Key: key, State: Rejected, Reason: reason}, false)
}

// Failed records that key could not be delivered in this run; the next run
// tries it again.
func (j *Journal) Failed(key, reason string) error {
	return j.record(line{Key: key, State: Failed, Reason: reason}, false)
}

// Job returns what the journal knows of key.
func (j *Journal) Job(key string) (Job, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	job, ok := j.snap.Jobs[key]
	return job, ok
}

// Snapshot returns a copy of the journal's current state.
func (j *Journal) Snapshot() *Snapshot {
	j.mu.Lock()
	defer j.mu.Unlock()
	s := j.snap
	s.Jobs = make(map[string]Job, len(j.snap.Jobs))
	for k, v := range j.snap.Jobs {
		s.Jobs[k] = v
	}
	return &s
}

// Close makes everything written durable, releases the lock and closes the file.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	err := j.f.Sync()
	return errors.Join(err, j.f.Close())
}

// Group returns the part of a job key before its "/": the kind of job.
func Group(key string) string {
	g, _, _ := strings.Cut(key, "/")
	return g
}

// Counts is how many jobs of one group stand where.
type Counts struct {
	Total     int `json:"total"`
	Done      int `json:"done"`
	Rejected  int `json:"rejected"`
	Failed    int `json:"failed"`
	Uncertain int `json:"uncertain"` // sent, outcome unknown: resent on resume
	Pending   int `json:"pending"`   // not sent yet (including uncertain and failed ones)
	// Resent counts done jobs that had an uncertain attempt: possible duplicates.
	Resent int `json:"resent"`
}

// Count tallies the jobs of group.
func (s *Snapshot) Count(group string) Counts {
	c := Counts{Total: s.Header.Jobs[group]}
	for k, job := range s.Jobs {
		if Group(k) != group {
			continue
		}
		switch job.State {
		case Done:
			c.Done++
			if job.Uncertain {
				c.Resent++
			}
		case Rejected:
			c.Rejected++
		case Failed:
			c.Failed++
		case Sending:
			c.Uncertain++
		}
	}
	c.Pending = max(0, c.Total-c.Done-c.Rejected)
	return c
}
