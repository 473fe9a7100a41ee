package checkpoint

import (
	"iter"
	"strings"
	"sync"
	"time"

	"github.com/assembly-import/assembly-import/internal/arena"
)

// states numbers the states for entry.
var states = []State{"", Sending, Done, Rejected, Failed, Retry, Within}

func stateCode(s State) uint8 {
	for i, x := range states {
		if x == s {
			return uint8(i)
		}
	}
	return 0
}

// entry is a job in 24 bytes and no pointer (the collector does not scan
// them): a resume holds a million of them.
type entry struct {
	key       arena.Ref // in the snapshot's arena
	hash      uint64
	state     uint8 // index in states
	uncertain bool
	covers    bool // its sending line listed the jobs it holds
}

// Snapshot is the state of every job in a journal.
type Snapshot struct {
	Header Header
	Run    Run // the latest run's
	// Torn is set when the file ended in a partial line (a crash mid-write),
	// which was ignored.
	Torn bool
	// Live says a run held the journal's lock as Read read it: its
	// sending lines are requests in flight, not uncertain ones.
	Live bool
	// Milestones are the milestones runs reached, and when (first reached).
	Milestones map[string]time.Time
	// MilestoneExcept counts, per milestone reached, its jobs rejected
	// rather than done (not in Assembly); absent: none.
	MilestoneExcept map[string]int
	keys            arena.Strings
	index           *arena.IDs // key -> position in entries
	entries         arena.List[entry]
	reasons         map[int32]string // of rejected and failed jobs
}

// newSnapshot returns an empty snapshot with room for about jobs jobs.
func newSnapshot(jobs int) *Snapshot {
	return &Snapshot{index: arena.NewIDs(jobs), reasons: make(map[int32]string), Milestones: map[string]time.Time{}, MilestoneExcept: map[string]int{}}
}

func (s *Snapshot) job(i int32) Job {
	e := s.entries.At(int(i))
	return Job{Key: s.keys.Get(e.key), State: states[e.state], Reason: s.reasons[i], Hash: e.hash, Uncertain: e.uncertain, Covers: e.covers}
}

// key returns the key of the job at position i.
func (s *Snapshot) key(i int32) string { return s.keys.Get(s.entries.At(int(i)).key) }

// Job returns what the snapshot knows of key; State is "" for a job never sent.
func (s *Snapshot) Job(key string) Job {
	if i, ok := s.index.Get(key, s.key); ok {
		return s.job(i)
	}
	return Job{Key: key}
}

// nearby is how many entries a Cursor tries before the index.
const nearby = 8

// Cursor looks jobs up for a caller that asks in about the order the
// journal met them — a plan's jobs, one lane or one ticket at a time: it
// tries the few entries after the last one it found before the index,
// whose random accesses cost most of a resume's look-ups. A cursor is for
// one goroutine; a journal's cursors are safe beside its writers.
type Cursor struct {
	snap *Snapshot
	mu   *sync.Mutex // the journal's, for a live one
	pos  int32       // after the entry last found
}

// Lookup returns a cursor over the snapshot.
func (s *Snapshot) Lookup() *Cursor { return &Cursor{snap: s} }

// Job is Snapshot.Job, faster when keys come in about the journal's order.
func (c *Cursor) Job(key string) Job {
	if c.mu != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
	}
	s := c.snap
	for i := c.pos; i < c.pos+nearby && int(i) < s.entries.Len(); i++ {
		if s.key(i) == key {
			c.pos = i + 1
			return s.job(i)
		}
	}
	if i, ok := s.index.Get(key, s.key); ok {
		c.pos = i + 1
		return s.job(i)
	}
	return Job{Key: key}
}

// All yields every job the journal knows, in the order it first met them.
func (s *Snapshot) All() iter.Seq[Job] {
	return func(yield func(Job) bool) {
		for i := range s.entries.Len() {
			if !yield(s.job(int32(i))) {
				return
			}
		}
	}
}

// Len returns how many jobs the journal knows.
func (s *Snapshot) Len() int { return s.entries.Len() }

// update applies one job line. Its key is bytes so that replaying a line of
// a job already known allocates nothing for the key.
func (s *Snapshot) update(key []byte, state State, reason string, hash uint64) {
	i, ok := s.index.GetBytes(key, s.key)
	if !ok {
		k := s.keys.AddRefBytes(key)
		i = int32(s.entries.Len())
		s.index.Put(s.keys.Get(k), i)
		s.entries.Add(entry{key: k})
	}
	e := s.entries.At(int(i))
	switch state {
	case Sending:
		if e.state == stateCode(Sending) {
			e.uncertain = true // sent before, and the run stopped before knowing
		}
		e.state, e.hash = stateCode(Sending), hash
	case uncertain:
		e.uncertain = true
	default:
		e.state = stateCode(state)
		if state == Rejected || state == Failed {
			s.reasons[i] = reason
		} else {
			delete(s.reasons, i)
		}
	}
}

// cover records that the job key holds the jobs covers (none: nothing).
func (s *Snapshot) cover(key string, covers []string) {
	if len(covers) == 0 {
		return
	}
	for _, c := range covers {
		if s.Job(c).State == "" || s.Job(c).State == Within {
			s.update([]byte(c), Within, "", 0)
		}
	}
	if i, ok := s.index.Get(key, s.key); ok {
		s.entries.At(int(i)).covers = true
	}
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

// Jobs counts the plan's jobs per group, as the last run arranged it.
func (s *Snapshot) Jobs() map[string]int {
	if s.Run.Jobs != nil {
		return s.Run.Jobs
	}
	return s.Header.Jobs
}

// Rows accounts for the source's rows per group, as the last run arranged
// the plan; nil when the journal predates the accounting.
func (s *Snapshot) Rows() map[string]Rows {
	if s.Run.Rows != nil {
		return s.Run.Rows
	}
	return s.Header.Rows
}

// Count tallies the jobs of group.
func (s *Snapshot) Count(group string) Counts {
	c := Counts{Total: s.Jobs()[group]}
	for i := range s.entries.Len() {
		e := s.entries.At(i)
		if Group(s.keys.Get(e.key)) != group {
			continue
		}
		switch states[e.state] {
		case Done:
			c.Done++
			if e.uncertain {
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

// Delta is how a plan differs from what a journal recorded.
type Delta struct {
	New     []string // in the plan, never sent
	Changed []string // delivered with other content than the plan's: not sent again
	// Resent were in flight with other content when a run stopped, the
	// outcome unknown: they are sent again, with the plan's content.
	Resent []string
	Gone   []string // sent once, no longer in the plan
}

// Compare lists how the jobs of a plan, by key and content hash, differ
// from the journal's.
func (s *Snapshot) Compare(jobs iter.Seq2[string, uint64]) Delta {
	var d Delta
	seen := make(map[string]bool, s.entries.Len())
	for key, hash := range jobs {
		job := s.Job(key)
		seen[key] = true
		switch {
		case job.State == "":
			d.New = append(d.New, key)
		case job.Hash != hash && job.State == Done:
			d.Changed = append(d.Changed, key)
		case job.Hash != hash && job.State == Sending:
			d.Resent = append(d.Resent, key)
		}
	}
	for i := range s.entries.Len() {
		// A job within another (a folded ticket's reply) is where that is.
		if key := s.key(int32(i)); !seen[key] && states[s.entries.At(i).state] != Within {
			d.Gone = append(d.Gone, key)
		}
	}
	return d
}
