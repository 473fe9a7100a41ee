package checkpoint

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// replay reads a journal. It returns the snapshot and the length of its
// well-formed part; a corrupt line other than a partial last one is an error
// naming its line.
func replay(f *os.File, path string) (*Snapshot, int64, error) {
	// A job takes two lines of about 90 bytes: room for that many up front
	// spares a million-job replay its growing and copying.
	hint := 0
	if st, err := f.Stat(); err == nil {
		hint = int(min(st.Size()/180, 1<<26))
	}
	snap := newSnapshot(0)
	var r record // the last compacted record
	br := bufio.NewReaderSize(f, 1<<16)
	var good int64
	for n := 1; ; n++ {
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) { // a line longer than the buffer
			var rest []byte
			rest, err = br.ReadBytes('\n')
			b = append(bytes.Clone(b), rest...)
		}
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
		good += int64(len(b))
		if jl, ok := parseJobLine(b); ok {
			if n == 1 {
				return nil, 0, notCheckpoint(path)
			}
			reason := ""
			if len(jl.reason) > 0 && (jl.state == Rejected || jl.state == Failed) {
				reason = string(jl.reason)
			}
			snap.update(jl.key, jl.state, reason, jl.hash)
			snap.jobLines++
			continue
		}
		if n > 1 && parseRecord(b, &r) {
			if !snap.restore(&r) {
				return nil, 0, fmt.Errorf("checkpoint %s line %d: job %q is recorded twice", path, n, r.key)
			}
			continue
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
			if l.Header.Version != Version && l.Header.Version != 2 {
				return nil, 0, fmt.Errorf("checkpoint %s: format version %d, this program reads %d: finish that migration with the assembly-import that started it", path, l.Header.Version, Version)
			}
			snap.Header = *l.Header
			// Room for every job up front, the plan's count or the file's:
			// a million-job replay neither grows nor copies its index.
			jobs := 0
			for _, n := range l.Header.Jobs {
				jobs += n
			}
			snap.indexHint = max(hint, jobs)
		case n == 1:
			return nil, 0, notCheckpoint(path)
		case l.Rebase != nil:
			snap.Header = *l.Rebase
		case l.Run != nil:
			snap.Run = *l.Run
		case l.Milestone != "":
			if _, ok := snap.Milestones[l.Milestone]; !ok {
				snap.Milestones[l.Milestone] = l.Time
				if l.Except > 0 {
					snap.MilestoneExcept[l.Milestone] = l.Except
				}
			}
		case l.Allowance > 0:
			snap.Allowance = max(snap.Allowance, time.Duration(l.Allowance*float64(time.Millisecond)))
		case l.Key != "" && l.State != "":
			hash, _ := strconv.ParseUint(l.Hash, 16, 64)
			snap.update([]byte(l.Key), l.State, l.Reason, hash)
			snap.cover(l.Key, l.Covers)
			snap.jobLines++
		default:
			return nil, 0, fmt.Errorf("checkpoint %s line %d: neither a job nor a header", path, n)
		}
	}
	for i := range snap.entries.Len() {
		if e := snap.entries.At(i); e.state == stateCode(Sending) {
			e.uncertain = true
		}
	}
	return snap, good, nil
}

func notCheckpoint(path string) error {
	return fmt.Errorf("checkpoint %s line 1: not a checkpoint header; is this an assembly-import checkpoint?", path)
}
