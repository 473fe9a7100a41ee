package uploader

import (
	"sync/atomic"

	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/planner"
)

// Progress counts a run's settled jobs per lane for whoever displays them.
// Workers update it; a nil *Progress counts nothing. It is safe for
// concurrent use.
type Progress struct {
	Events, Replies LaneProgress
	// Open counts the jobs of the open tickets, across both lanes: done
	// and rejected ones (failed ones are retried by the next run).
	Open LaneProgress
}

func (p *Progress) open() *LaneProgress {
	if p == nil {
		return nil
	}
	return &p.Open
}

// LaneProgress counts one lane's jobs.
type LaneProgress struct {
	total, done, rejected, failed atomic.Int64
	previous                      atomic.Int64 // of those, settled by earlier runs
}

func (p *Progress) lane(k planner.Kind) *LaneProgress {
	if p == nil {
		return nil
	}
	if k == planner.KindTicket {
		return &p.Events
	}
	return &p.Replies
}

func (l *LaneProgress) setTotal(n int) {
	if l != nil {
		l.total.Store(int64(n))
	}
}

func (l *LaneProgress) add(s checkpoint.State) {
	if l == nil {
		return
	}
	switch s {
	case checkpoint.Done:
		l.done.Add(1)
	case checkpoint.Rejected:
		l.rejected.Add(1)
	case checkpoint.Failed:
		l.failed.Add(1)
	}
}

// addPrevious counts a job an earlier run settled.
func (l *LaneProgress) addPrevious(s checkpoint.State) {
	if l != nil {
		l.previous.Add(1)
		l.add(s)
	}
}

// Previous returns how many of the settled jobs earlier runs settled: what
// a resumed run's speed leaves out.
func (l *LaneProgress) Previous() int64 { return l.previous.Load() }

// Counts returns the lane's total and how many jobs are done, rejected and failed.
func (l *LaneProgress) Counts() (total, done, rejected, failed int64) {
	return l.total.Load(), l.done.Load(), l.rejected.Load(), l.failed.Load()
}
