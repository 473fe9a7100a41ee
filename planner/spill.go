package planner

import (
	"encoding/binary"
	"errors"
	"maps"
	"slices"
	"time"

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
// its event and of the jobs it covers lie.
func (e *spillEncoder) recipe(id string, withFiles bool, event Job, covers []Job) {
	e.str(id)
	e.num(int64(len(covers)))
	if withFiles {
		e.num(1)
	} else {
		e.num(0)
	}
	for _, j := range append([]Job{event}, covers...) {
		e.str(j.Key)
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
		jobs[i] = Job{Key: d.str(), Kind: Kind(d.num()), at: d.num(), n: int32(d.num())}
	}
	d.end()
	f.t, f.covers = &Ticket{Job: jobs[0]}, jobs[1:]
	return f
}
