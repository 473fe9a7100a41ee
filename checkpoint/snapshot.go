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
	// Allowance is the widest transit allowance a run's lanes learned
	// (Journal.Allowance); 0 when none widened.
	Allowance time.Duration
	keys      arena.Strings
	index     *arena.IDs // key -> position in entries; nil until needed (ids)
	indexOnce sync.Once
	frozen    bool       // nothing changes it any more: Count may keep its tally
	jobLines  int        // JSON job lines in the file: what compacting would fold
	firstOf   []groupPos // where each group's first job is in entries
	tallyOnce sync.Once
	tally     map[string]Counts
	indexHint int    // how many jobs to make the index room for
	duplicate string // a key two compacted records hold, found building the index
	entries   arena.List[entry]
	reasons   map[int32]string // of rejected and failed jobs
}

// newSnapshot returns an empty snapshot with room for about jobs jobs.
func newSnapshot(jobs int) *Snapshot {
	return &Snapshot{indexHint: jobs, reasons: make(map[int32]string), Milestones: map[string]time.Time{}, MilestoneExcept: map[string]int{}}
}

// ids returns the index of the jobs' keys, built on first use: replaying
// a compacted journal needs none (its records are one per job), and a
// status that only counts never builds it. Two entries of one key (a
// compacted journal edited by hand) are noted in duplicate; the first is
// the one found.
func (s *Snapshot) ids() *arena.IDs {
	s.indexOnce.Do(func() {
		s.index = arena.NewIDs(max(s.indexHint, s.entries.Len()))
		for i := range s.entries.Len() {
			if key := s.key(int32(i)); !s.index.PutNew(key, int32(i), s.key) && s.duplicate == "" {
				s.duplicate = key
			}
		}
	})
	return s.index
}

func (s *Snapshot) job(i int32) Job { return s.jobAs(i, s.key(i)) }

// jobAs is job for a caller that holds the key already: the entry's own
// copy is not looked at again.
func (s *Snapshot) jobAs(i int32, key string) Job {
	e := s.entries.At(int(i))
	j := Job{Key: key, State: states[e.state], Hash: e.hash, Uncertain: e.uncertain, Covers: e.covers}
	if j.State == Rejected || j.State == Failed { // only they have a reason: no lookup for the millions done
		j.Reason = s.reasons[i]
	}
	return j
}

// key returns the key of the job at position i.
func (s *Snapshot) key(i int32) string { return s.keys.Get(s.entries.At(int(i)).key) }

// Job returns what the snapshot knows of key; State is "" for a job never sent.
func (s *Snapshot) Job(key string) Job {
	if i, ok := s.ids().Get(key, s.key); ok {
		return s.job(i)
	}
	return Job{Key: key}
}

// nearby is how many entries a Cursor tries before the index: past a
// ticket's replies to the next ticket, in a journal that holds them one
// after the other (a look-up in the index costs a cache miss, a few dozen
// comparisons in a row do not).
const nearby = 64

// Cursor looks jobs up for a caller that asks in about the order the
// journal met them — a plan's jobs, one lane or one ticket at a time: it
// tries the few entries after the last one it found of the same group
// (tickets, replies…) before the index, whose random accesses cost most of
// a resume's look-ups. A run's journal meets tickets and replies in two
// streams (the events lane runs ahead); a caller asking a ticket, then its
// replies, then the next ticket follows each stream. A new cursor starts
// at its group's first job. A cursor is for one goroutine; a journal's
// cursors are safe beside its writers.
type Cursor struct {
	snap *Snapshot
	mu   sync.Locker // the journal's, shared, for a live one
	at   []groupPos  // per group of keys, after the entry last found
}

type groupPos struct {
	group string
	pos   int32
}

// Lookup returns a cursor over the snapshot.
func (s *Snapshot) Lookup() *Cursor { return &Cursor{snap: s} }

// Job is Snapshot.Job, faster when keys come in about the journal's order;
// the Job's Key is key.
func (c *Cursor) Job(key string) Job {
	if c.mu != nil {
		c.mu.Lock()
		defer c.mu.Unlock()
	}
	if i, ok := c.find(key); ok {
		return c.snap.jobAs(i, key)
	}
	return Job{Key: key}
}

// find returns the position of key's entry.
func (c *Cursor) find(key string) (int32, bool) {
	s := c.snap
	at := c.groupOf(key)
	if at == nil {
		g := Group(key)
		if at = findGroup(c.at, g); at == nil { // else a key without a slash, its own group
			start := groupPos{group: strings.Clone(g)} // key may be a buffer's
			if first := findGroup(s.firstOf, g); first != nil {
				start.pos = first.pos // a pass over the plan from its start
			}
			c.at = append(c.at, start)
			at = &c.at[len(c.at)-1]
		}
	}
	last := len(key) - 1
	for i := at.pos; i < at.pos+nearby && int(i) < s.entries.Len(); i++ {
		// Keys of one group often differ in their last bytes only.
		if k := s.key(i); len(k) == len(key) && k[last] == key[last] && k == key {
			at.pos = i + 1
			return i, true
		}
	}
	i, ok := s.ids().Get(key, s.key)
	if ok {
		at.pos = i + 1
	}
	return i, ok
}

// groupOf returns the cursor's position in key's group, or nil if it has
// none yet: a comparison of prefixes, not a search for the key's slash.
func (c *Cursor) groupOf(key string) *groupPos {
	for k := range c.at {
		if g := c.at[k].group; len(key) > len(g) && key[len(g)] == '/' && key[:len(g)] == g {
			return &c.at[k]
		}
	}
	return nil
}

// findGroup returns the position of group g in ps, or nil.
func findGroup(ps []groupPos, g string) *groupPos {
	for k := range ps {
		if ps[k].group == g {
			return &ps[k]
		}
	}
	return nil
}

// All yields every job the journal knows, in the order it first met them
// (from a compacted journal: one group of keys after another).
func (s *Snapshot) All() iter.Seq[Job] {
	return func(yield func(Job) bool) {
		for i := range s.entries.Len() {
			if !yield(s.job(int32(i))) {
				return
			}
		}
	}
}

// Exceptions yields, in All's order, the jobs that are not plainly done:
// those in any other state, and done ones that had an uncertain attempt.
// A finished migration's millions of done jobs are passed over without
// being made into Jobs.
func (s *Snapshot) Exceptions() iter.Seq[Job] {
	done := stateCode(Done)
	return func(yield func(Job) bool) {
		for i := range s.entries.Len() {
			if e := s.entries.At(i); (e.state != done || e.uncertain) && !yield(s.job(int32(i))) {
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
	i, ok := s.ids().GetBytes(key, s.key)
	if !ok {
		k := s.keys.AddRefBytes(key)
		i = int32(s.entries.Len())
		s.index.Put(s.keys.Get(k), i)
		s.entries.Add(entry{key: k})
		s.noteGroup(s.keys.Get(k), i)
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

// noteGroup records where the first job of key's group is, the entry i
// being added.
func (s *Snapshot) noteGroup(key string, i int32) {
	g := Group(key)
	if len(s.firstOf) > 0 && s.firstOf[len(s.firstOf)-1].group == g {
		return // the common case: the group of the entry before
	}
	if findGroup(s.firstOf, g) == nil {
		s.firstOf = append(s.firstOf, groupPos{group: g, pos: i})
	}
}

// restore adds a compacted journal's record of a job, which must be the
// first the journal says of it: false when it is not (found here when the
// index is built already, else by ids).
func (s *Snapshot) restore(r *record) bool {
	k := s.keys.AddRefBytes(r.key)
	i := int32(s.entries.Len())
	if s.index != nil && !s.index.PutNew(s.keys.Get(k), i, s.key) {
		return false
	}
	s.entries.Add(entry{key: k, hash: r.hash, state: stateCode(r.state), uncertain: r.uncertain, covers: r.covers})
	s.noteGroup(s.keys.Get(k), i)
	if r.reason != "" && (r.state == Rejected || r.state == Failed) {
		s.reasons[i] = r.reason
	}
	return true
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
	if i, ok := s.ids().Get(key, s.key); ok {
		s.entries.At(int(i)).covers = true
	}
}

// Group returns the part of a job key before its "/": the kind of job.
func Group(key string) string {
	if i := strings.IndexByte(key, '/'); i >= 0 {
		return key[:i]
	}
	return key
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

// Count tallies the jobs of group. A snapshot nothing changes any more
// (Read's, a closed journal's) tallies every group in its first Count.
func (s *Snapshot) Count(group string) Counts {
	var c Counts
	if s.frozen {
		s.tallyOnce.Do(func() { s.tally = s.countAll("") })
		c = s.tally[group]
	} else {
		c = s.countAll(group)[group]
	}
	c.Total = s.Jobs()[group]
	c.Pending = max(0, c.Total-c.Done-c.Rejected)
	return c
}

// countAll tallies the jobs of group, or of every group when group is "",
// in one pass; Total and Pending are left to Count.
func (s *Snapshot) countAll(group string) map[string]Counts {
	tally := map[string]*Counts{}
	for i := range s.entries.Len() {
		e := s.entries.At(i)
		g := Group(s.keys.Get(e.key))
		if group != "" && g != group {
			continue
		}
		c := tally[g]
		if c == nil {
			c = &Counts{}
			tally[g] = c
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
	out := make(map[string]Counts, len(tally))
	for g, c := range tally {
		out[g] = *c
	}
	return out
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
