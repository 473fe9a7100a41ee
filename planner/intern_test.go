package planner

import (
	"reflect"
	"strconv"
	"testing"
	"unsafe"

	"github.com/assembly-import/assembly-import/internal/arena"
)

func TestOrigins(t *testing.T) {
	var o origins
	for _, s := range []string{"replies.csv:17", "Replies!C67", "messages id=88", "tickets.csv:0", "tickets.csv:007", "inline", "x:99999999999"} {
		if got := o.get(o.add(s)); got != s {
			t.Errorf("origin %q came back as %q", s, got)
		}
	}
	if len(o.prefixes) != 7 {
		t.Errorf("prefixes %q", o.prefixes)
	}
	o.add("replies.csv:18")
	if len(o.prefixes) != 7 {
		t.Errorf("a second origin of replies.csv added a prefix: %q", o.prefixes)
	}
}

// An origin log gives back every origin it was given, across blocks and
// chunks, whichever way the numbers move and whatever the prefix.
func TestOriginLog(t *testing.T) {
	var o origins
	var l originLog
	var want []string
	for i := range 5 * originChunk {
		var s string
		switch {
		case i%1000 == 999:
			s = "messages id=" + strconv.Itoa(1<<31+i*7919%100003) // another prefix, a big number
		case i%97 == 0:
			s = "inline" // no number
		case i%13 == 0:
			s = "replies.csv:" + strconv.Itoa(max(1, 3*i-400)) // a step back
		default:
			s = "replies.csv:" + strconv.Itoa(3*i+1)
		}
		want = append(want, s)
		l.add(o.add(s))
	}
	if len(l.chunks) < 2 {
		t.Fatalf("%d chunks: the test does not cross a chunk", len(l.chunks))
	}
	for i, s := range want {
		if got := o.get(l.get(int32(i))); got != s {
			t.Fatalf("origin %d is %q, not %q", i, got, s)
		}
	}
	if per := float64(len(l.chunks)*originChunk) / float64(len(want)); per > 4 {
		t.Errorf("%.1f bytes an origin", per)
	}
}

// What planning keeps of each record, millions of times over, stays as
// small as its layout was made: a field added in the wrong place pads it.
func TestMetaSize(t *testing.T) {
	if n := unsafe.Sizeof(ticketMeta{}); n != 48 {
		t.Errorf("ticketMeta takes %d bytes, not 48", n)
	}
	if n := unsafe.Sizeof(replyMeta{}); n != 40 {
		t.Errorf("replyMeta takes %d bytes, not 40", n)
	}
	m := replyMeta{state: maxTickets + 1 + replyOK}
	if i, ok := m.ticket(); !ok || i != maxTickets-1 || !m.ok() || m.files() || m.noKey() || m.pending() {
		t.Errorf("state %x: ticket %d %v, ok %v, files %v", m.state, i, ok, m.ok(), m.files())
	}
	for _, pos := range []int32{-1, 0, maxTickets - 1} {
		if m.setPlace(pos); m.place() != pos || !m.ok() || m.files() {
			t.Errorf("place %d: state %x gives %d, ok %v, files %v", pos, m.state, m.place(), m.ok(), m.files())
		}
	}
}

// A ticket in the plan: the bools together, not padded one by one. A job
// holds no pointer (its key is in the plan's keys), so that the collector
// does not look at millions of them.
func TestTicketSize(t *testing.T) {
	if n := unsafe.Sizeof(Ticket{}); n != 80 {
		t.Errorf("Ticket takes %d bytes, not 80", n)
	}
	if n := unsafe.Sizeof(Job{}); n != 32 {
		t.Errorf("Job takes %d bytes, not 32", n)
	}
	if hasPointers(reflect.TypeFor[Job]()) || !hasPointers(reflect.TypeFor[Ticket]()) {
		t.Error("Job holds a pointer, or hasPointers misses Ticket's slice")
	}
}

// hasPointers says whether values of t hold a pointer the collector follows.
func hasPointers(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Struct:
		for i := range t.NumField() {
			if hasPointers(t.Field(i).Type) {
				return true
			}
		}
		return false
	case reflect.Array:
		return hasPointers(t.Elem())
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128:
		return false
	}
	return true
}

// TestCoverIndex: each folded event gets back the keys it holds, in
// order, across the index's chunks; any other key gets nil; a key added
// twice is an error.
func TestCoverIndex(t *testing.T) {
	var keys arena.Strings
	c := newCoverIndex(&keys)
	job := func(key string) Job { return Job{key: keys.AddRef(key)} }
	const events = 40000 // more than two of the lists' chunks
	for i := range events {
		id := strconv.Itoa(i)
		var covered []Job
		for r := range i % 7 {
			covered = append(covered, job("reply/"+id+"-"+strconv.Itoa(r)))
		}
		if err := c.add(job("folded/"+id), job("ticket/"+id), covered); err != nil {
			t.Fatal(err)
		}
	}
	for _, i := range []int{0, 1, 6, 16383, 16384, 32769, events - 1} {
		id := strconv.Itoa(i)
		want := []string{"ticket/" + id}
		for r := range i % 7 {
			want = append(want, "reply/"+id+"-"+strconv.Itoa(r))
		}
		if got := c.get("folded/" + id); !reflect.DeepEqual(got, want) {
			t.Errorf("event %d covers %v, want %v", i, got, want)
		}
	}
	for _, key := range []string{"ticket/5", "folded/40000", "folded/", ""} {
		if got := c.get(key); got != nil {
			t.Errorf("get(%q) = %v, want nil", key, got)
		}
	}
	if err := c.add(job("folded/7"), job("ticket/7"), nil); err == nil {
		t.Error("a second folded/7 was taken")
	}
}
