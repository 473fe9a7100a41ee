package checkpoint

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/assembly-import/assembly-import/internal/arena"
	"github.com/assembly-import/assembly-import/internal/filelock"
	"github.com/assembly-import/assembly-import/internal/tmpfile"
)

// A compacted journal holds its snapshot: the header, the milestones and
// the latest run as JSON lines, then one record per job in the order the
// journal met them within each group of keys, in a line of tab-separated
// fields that is not JSON
// (it never starts with "{"):
//
//	d	13	5	9f2c…	01J…
//
// the job's state (a letter, then "u" when an attempt's outcome was lost
// and "c" when it holds other jobs), how many bytes its key shares with
// the previous record's, the rest of the key, the content hash sent
// (hexadecimal), the server's id for a done job, and the reason a job was
// rejected or failed; empty trailing fields are left out. A field that
// holds a tab or a line break, or starts with a quote, is Go-quoted. A run that resumes appends JSON lines after the records, as to
// any journal.
//
// A finished migration's journal of two lines of JSON per job (about 220
// bytes) is about 50 bytes per job compacted, and replays in a fraction of
// the time.

// stateLetters are the record letters of states, by entry code (states).
var stateLetters = []byte{'n', 's', 'd', 'r', 'f', 'y', 'w'}

// Compact rewrites the journal as its snapshot, in a new file renamed over
// the old one: a crash leaves the one or the other, whole. The journal
// stays open and locked; later records are appended to the compacted file.
// The server's ids of done jobs, which the snapshot does not hold in
// memory, are read back from the file. A journal without a JSON job line
// (compacted, and nothing sent since) is left as it is. On an error
// nothing changed.
func (j *Journal) Compact() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed || j.err != nil {
		return errors.Join(errors.New("compact a closed or failed checkpoint"), j.err)
	}
	if j.snap.jobLines == 0 {
		return nil
	}
	ids, err := j.doneIDs()
	if err != nil {
		return err
	}
	dir, base := filepath.Split(j.path)
	f, err := tmpfile.Renamable(dir, "."+base+".compact-")
	if err != nil {
		return fmt.Errorf("compact checkpoint %s: %w", j.path, err)
	}
	fail := func(err error) error {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("compact checkpoint %s: %w", j.path, err)
	}
	if err := j.snap.writeCompact(f, ids); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := filelock.TryLock(f); err != nil {
		return fail(err)
	}
	// The old file stays locked until the new one holds its name: a run
	// waiting for the lock then finds the name moved (lockPath checks).
	// Windows may refuse to rename over a file open anywhere (Wine does,
	// even when every handle shares deletion): the journal is then left
	// as it is, whole, rather than unlocked first for a moment in which
	// another run could take the file the rename then replaces.
	if err := os.Rename(f.Name(), j.path); err != nil {
		return fail(err)
	}
	j.f.Close()
	syncDir(dir)
	j.f = f
	j.snap.jobLines = 0
	return nil
}

// syncDir makes a rename in dir durable where the system can (not on
// Windows, whose renames are durable once done). A failure is not an
// error: after a crash the journal is the old file or the new, each whole.
func syncDir(dir string) {
	if dir == "" {
		dir = "."
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}

// doneIDs reads the journal file for the server's id of each done job: the
// last one a line gave it. j.mu is held.
func (j *Journal) doneIDs() (*compactIDs, error) {
	if err := j.f.Sync(); err != nil {
		return nil, fmt.Errorf("sync checkpoint %s: %w", j.path, err)
	}
	ids := &compactIDs{refs: make([]arena.Ref, j.snap.entries.Len())}
	known := j.snap.Lookup() // the file's lines come in about its entries' order
	br := bufio.NewReaderSize(io.NewSectionReader(j.f, 0, 1<<62), 1<<16)
	var r record
	for {
		b, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			var rest []byte
			rest, err = br.ReadBytes('\n')
			b = append(bytes.Clone(b), rest...)
		}
		if len(b) > 0 {
			var key, id []byte
			if jl, ok := parseJobLine(b); ok && jl.state == Done {
				key, id = jl.key, jl.id
			} else if parseRecord(b, &r) && r.state == Done {
				key, id = r.key, r.id
			}
			if len(id) > 0 {
				if i, ok := known.find(unsafe.String(unsafe.SliceData(key), len(key))); ok {
					ids.refs[i] = ids.store.AddRefBytes(id)
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return ids, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read checkpoint %s: %w", j.path, err)
		}
	}
}

// compactIDs are the server's ids of done jobs, by entry.
type compactIDs struct {
	store arena.Strings
	refs  []arena.Ref
}

func (c *compactIDs) get(i int) string {
	if i >= len(c.refs) {
		return ""
	}
	return c.store.Get(c.refs[i])
}

// writeCompact writes the snapshot as a compacted journal.
func (s *Snapshot) writeCompact(w io.Writer, ids *compactIDs) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	h := s.Header
	h.Version = Version
	now := time.Now().UTC()
	lines := []line{{Time: now, Header: &h}}
	for _, name := range slices.SortedFunc(maps.Keys(s.Milestones), func(a, b string) int { return s.Milestones[a].Compare(s.Milestones[b]) }) {
		lines = append(lines, line{Time: s.Milestones[name], Milestone: name, Except: s.MilestoneExcept[name]})
	}
	if s.Allowance > 0 {
		lines = append(lines, line{Time: now, Allowance: milliseconds(s.Allowance)})
	}
	run := s.Run
	lines = append(lines, line{Time: now, Run: &run})
	for _, l := range lines {
		if err := writeJSONLine(bw, l); err != nil {
			return err
		}
	}
	// One group after another (tickets, then replies…), each in the order
	// the journal met them: a resume looks each group up in that order,
	// and a cursor then finds every job right after the last.
	var prev string
	var rec []byte
	for _, first := range s.firstOf { // the groups, in the order the journal met them
		for i := int(first.pos); i < s.entries.Len(); i++ {
			e := s.entries.At(i)
			key := s.keys.Get(e.key)
			if Group(key) != first.group {
				continue
			}
			rec = appendRecord(rec[:0], e, key, prev, ids.get(i), s.reasons[int32(i)])
			if _, err := bw.Write(rec); err != nil {
				return err
			}
			prev = key
		}
	}
	return bw.Flush()
}

// appendRecord appends the record line of entry e, whose key is key, after
// the record of prev.
func appendRecord(b []byte, e *entry, key, prev, id, reason string) []byte {
	b = append(b, stateLetters[e.state])
	if e.uncertain {
		b = append(b, 'u')
	}
	if e.covers {
		b = append(b, 'c')
	}
	shared := 0
	for shared < len(key) && shared < len(prev) && key[shared] == prev[shared] {
		shared++
	}
	for shared > 0 && shared < len(key) && !utf8.RuneStart(key[shared]) {
		shared-- // the file stays UTF-8: a rune is never cut
	}
	b = append(b, '\t')
	b = strconv.AppendInt(b, int64(shared), 10)
	b = append(b, '\t')
	b = appendField(b, key[shared:])
	fields := []string{"", id, ""}
	if e.hash != 0 {
		fields[0] = strconv.FormatUint(e.hash, 16)
	}
	if reason != "" {
		fields[2] = reason
	}
	last := len(fields)
	for last > 0 && fields[last-1] == "" {
		last--
	}
	for _, f := range fields[:last] {
		b = append(b, '\t')
		b = appendField(b, f)
	}
	return append(b, '\n')
}

// appendField appends s, Go-quoted when it could be taken for more than
// one field or line, or for a quoted one.
func appendField(b []byte, s string) []byte {
	if len(s) > 0 && s[0] == '"' || bytes.ContainsAny([]byte(s), "\t\r\n") {
		return strconv.AppendQuote(b, s)
	}
	return append(b, s...)
}

// record is a compacted journal's job record as parseRecord reads it.
type record struct {
	key, id   []byte
	state     State
	uncertain bool
	covers    bool
	hash      uint64
	reason    string
}

// parseRecord reads a job record into r, whose key holds the previous
// record's (it shares a prefix with it), and reports whether b is one; r
// is unchanged when it is not.
func parseRecord(b []byte, r *record) bool {
	b = trimEOL(b)
	if len(b) == 0 || b[0] == '{' {
		return false
	}
	// One pass over the line's bytes: the fields are short, and a search
	// per field costs more in calls than it saves.
	var fields [6][]byte
	n, from := 0, 0
	for i, c := range b {
		if c != '\t' {
			continue
		}
		if n == len(fields)-1 {
			return false // a seventh field
		}
		fields[n], n, from = b[from:i], n+1, i+1
	}
	fields[n], n = b[from:], n+1
	if n < 3 || len(fields[0]) == 0 {
		return false
	}
	code := bytes.IndexByte(stateLetters, fields[0][0])
	if code < 0 {
		return false
	}
	var next record
	next.state = states[code]
	for _, c := range fields[0][1:] {
		switch c {
		case 'u':
			next.uncertain = true
		case 'c':
			next.covers = true
		default:
			return false
		}
	}
	shared, ok := parseDecimal(fields[1])
	if !ok || shared > len(r.key) {
		return false
	}
	rest, ok := unquoteField(fields[2])
	if !ok || shared+len(rest) == 0 {
		return false
	}
	if len(fields[3]) > 0 {
		if next.hash, ok = parseHex(fields[3]); !ok {
			return false
		}
	}
	if next.id, ok = unquoteField(fields[4]); !ok {
		return false
	}
	if len(fields[5]) > 0 {
		reason, ok := unquoteField(fields[5])
		if !ok {
			return false
		}
		next.reason = string(reason)
	}
	next.key = append(r.key[:shared], rest...)
	*r = next
	return true
}

// parseDecimal reads a small non-negative decimal number.
func parseDecimal(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// unquoteField reads a field appendField wrote.
func unquoteField(f []byte) ([]byte, bool) {
	if len(f) == 0 || f[0] != '"' {
		return f, true
	}
	s, err := strconv.Unquote(string(f))
	return []byte(s), err == nil
}
