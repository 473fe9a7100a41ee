package planner

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"os"
	"slices"
	"time"

	"github.com/assembly-import/assembly-import/internal/arena"
	"github.com/assembly-import/assembly-import/readers"
)

// The spill file holds each payload in a compact binary form, written and
// read only by this process (the file is unlinked at creation): strings as
// a uvarint length and their bytes, numbers as varints, lists as a count and
// their items, in the order of the struct's fields. It is a third of the
// time of encoding/json on a million replies, and smaller.

// spillEncoder appends payload fields to a buffer.
type spillEncoder struct{ b []byte }

func (e *spillEncoder) str(ss ...string) {
	for _, s := range ss {
		e.b = binary.AppendUvarint(e.b, uint64(len(s)))
		e.b = append(e.b, s...)
	}
}

func (e *spillEncoder) num(v int64) { e.b = binary.AppendVarint(e.b, v) }

func (e *spillEncoder) list(ss []string) {
	e.num(int64(len(ss)))
	e.str(ss...)
}

func (e *spillEncoder) time(t time.Time) {
	e.num(t.Unix())
	e.num(int64(t.Nanosecond()))
}

func (e *spillEncoder) user(u readers.User) { e.str(u.Email, u.Name, u.SourceID, u.AssemblyID) }

func (e *spillEncoder) files(fs []File) {
	e.num(int64(len(fs)))
	for _, f := range fs {
		e.str(f.Ref, f.Root, f.Rel, f.Name, f.ContentType)
		e.num(f.Size)
		e.str(f.Text)
	}
}

func (e *spillEncoder) event(ev *Event) {
	e.str(ev.Origin, ev.SSID, ev.Title, ev.Body)
	e.time(ev.Created)
	e.user(ev.Requester)
	e.str(ev.Company)
	e.num(int64(len(ev.Properties)))
	for _, k := range slices.Sorted(maps.Keys(ev.Properties)) {
		e.str(k, ev.Properties[k])
	}
	e.files(ev.Files)
	e.list(ev.ImageURLs)
}

func (e *spillEncoder) reply(r *Reply) {
	e.str(r.Origin, r.SSID, r.TicketSSID, r.Body)
	e.time(r.Created)
	e.user(r.Author)
	e.files(r.Files)
	e.list(r.ImageURLs)
	e.list(r.Downloads)
}

// recipe writes what a folded ticket's event holds (Plan.putRecipe): the
// ticket's id, whether it has a files message, and where the payloads of
// its event and of the jobs it covers lie. A job's key is where the
// plan's keys hold it: the spill file lives no longer than the plan.
func (e *spillEncoder) recipe(id string, withFiles bool, event Job, covers []Job) {
	e.str(id)
	e.num(int64(len(covers)))
	if withFiles {
		e.num(1)
	} else {
		e.num(0)
	}
	for _, j := range append([]Job{event}, covers...) {
		e.num(int64(j.key))
		e.num(int64(j.Kind))
		e.num(j.at)
		e.num(int64(j.n))
	}
}

// errSpillCorrupt says a payload read back is not what was written.
var errSpillCorrupt = errors.New("the plan's spill file is corrupt")

// spillDecoder reads payload fields back; the first malformed field sets
// err and makes every later read return zero values.
type spillDecoder struct {
	b   []byte
	err error
}

func (d *spillDecoder) num() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

// count reads a list's length, which cannot exceed the bytes left.
func (d *spillDecoder) count() int {
	n := d.num()
	if n < 0 || n > int64(len(d.b)) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *spillDecoder) str() string {
	n, k := binary.Uvarint(d.b)
	if k <= 0 || n > uint64(len(d.b)-k) {
		d.fail()
		return ""
	}
	s := string(d.b[k : k+int(n)])
	d.b = d.b[k+int(n):]
	return s
}

func (d *spillDecoder) fail() {
	if d.err == nil {
		d.err = errSpillCorrupt
	}
	d.b = nil
}

func (d *spillDecoder) list() []string {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str()
	}
	return out
}

func (d *spillDecoder) time() time.Time {
	sec := d.num()
	return time.Unix(sec, d.num()).UTC()
}

func (d *spillDecoder) user() readers.User {
	return readers.User{Email: d.str(), Name: d.str(), SourceID: d.str(), AssemblyID: d.str()}
}

func (d *spillDecoder) files() []File {
	n := d.count()
	if n == 0 {
		return nil
	}
	out := make([]File, n)
	for i := range out {
		out[i] = File{Ref: d.str(), Root: d.str(), Rel: d.str(), Name: d.str(), ContentType: d.str(), Size: d.num(), Text: d.str()}
	}
	return out
}

func (d *spillDecoder) event() Event {
	ev := Event{Origin: d.str(), SSID: d.str(), Title: d.str(), Body: d.str(), Created: d.time(), Requester: d.user(), Company: d.str()}
	if n := d.count(); n > 0 {
		ev.Properties = make(map[string]string, n)
		for range n {
			k := d.str()
			ev.Properties[k] = d.str()
		}
	}
	ev.Files = d.files()
	ev.ImageURLs = d.list()
	d.end()
	return ev
}

func (d *spillDecoder) reply() Reply {
	r := Reply{Origin: d.str(), SSID: d.str(), TicketSSID: d.str(), Body: d.str(), Created: d.time(), Author: d.user()}
	r.Files = d.files()
	r.ImageURLs = d.list()
	r.Downloads = d.list()
	d.end()
	return r
}

// end checks nothing is left over.
func (d *spillDecoder) end() {
	if len(d.b) > 0 {
		d.fail()
	}
}

func (d *spillDecoder) recipe() *folding {
	f := &folding{id: d.str()}
	n := d.count()
	f.withFiles = d.num() == 1
	jobs := make([]Job, n+1)
	for i := range jobs {
		jobs[i] = Job{key: arena.Ref(d.num()), Kind: Kind(d.num()), at: d.num(), n: int32(d.num())}
	}
	d.end()
	f.t, f.covers = &Ticket{Job: jobs[0]}, jobs[1:]
	return f
}

// spillBlock is how much of the spill file is written at a time.
const spillBlock = 1 << 20

// spillWriter appends payloads to the spill file and remembers where each
// went. Payloads are encoded straight into 1 MB blocks, which a goroutine
// of its own writes: the kernel's copy into the page cache (half a second
// for a million replies) overlaps planning instead of holding it up. Three
// blocks take turns: one filling, one waiting, one being written.
type spillWriter struct {
	off    int64        // where the block being filled starts in the file
	enc    spillEncoder // its buffer is the block being filled
	hash   contentHasher
	full   chan []byte   // blocks to write, in order
	free   chan []byte   // written blocks, to fill again
	failed chan struct{} // closed when a write failed: werr says why
	ended  chan struct{} // closed when the writing goroutine has ended
	werr   error         // set by the writing goroutine before it closes failed
}

func newSpillWriter(f *os.File) *spillWriter {
	s := &spillWriter{
		enc:    spillEncoder{b: make([]byte, 0, spillBlock)},
		full:   make(chan []byte, 1),
		free:   make(chan []byte, 3),
		failed: make(chan struct{}),
		ended:  make(chan struct{}),
	}
	s.free <- make([]byte, 0, spillBlock)
	s.free <- make([]byte, 0, spillBlock)
	go s.writeBlocks(f)
	return s
}

// writeBlocks writes the blocks sent on full until it is closed. After a
// failed write it writes nothing more but still hands the blocks back.
func (s *spillWriter) writeBlocks(f *os.File) {
	defer close(s.ended)
	for b := range s.full {
		if s.werr == nil {
			if _, err := f.Write(b); err != nil {
				s.werr = err
				close(s.failed)
			}
		}
		s.free <- b[:0]
	}
}

// putEvent writes a ticket's payload.
func (s *spillWriter) putEvent(ev *Event) (at int64, n int32, hash uint64, err error) {
	start := len(s.enc.b)
	s.enc.event(ev)
	return s.placed(start, s.hash.event(ev))
}

// putReply writes a reply's payload.
func (s *spillWriter) putReply(r *Reply) (at int64, n int32, hash uint64, err error) {
	start := len(s.enc.b)
	s.enc.reply(r)
	return s.placed(start, s.hash.reply(r))
}

// placed accounts for the payload encoded into the block from start, and
// hands the block over to be written once it is full.
func (s *spillWriter) placed(start int, hash uint64) (at int64, n int32, _ uint64, err error) {
	size := len(s.enc.b) - start
	if size > math.MaxInt32 {
		s.enc.b = s.enc.b[:start]
		return 0, 0, 0, fmt.Errorf("a payload of %d bytes is too large for the plan", size)
	}
	at = s.off + int64(start)
	if len(s.enc.b) >= spillBlock {
		select {
		case <-s.failed:
			return 0, 0, 0, fmt.Errorf("write plan spill file: %w", s.werr)
		case s.full <- s.enc.b:
		}
		s.off += int64(len(s.enc.b))
		s.enc.b = <-s.free
	}
	return at, int32(size), hash, nil
}

// close writes what is left, ends the writing goroutine and returns the
// first write error. Call it once, however planning ended.
func (s *spillWriter) close() error {
	if len(s.enc.b) > 0 {
		s.full <- s.enc.b
		s.off += int64(len(s.enc.b))
		s.enc.b = nil
	}
	close(s.full)
	<-s.ended
	if s.werr != nil {
		return fmt.Errorf("write plan spill file: %w", s.werr)
	}
	return nil
}
