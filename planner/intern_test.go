package planner

import (
	"reflect"
	"testing"
	"unsafe"
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

// What planning keeps of each reply, millions of times over, stays as
// small as its layout was made: a field added in the wrong place pads it.
func TestReplyMetaSize(t *testing.T) {
	if n := unsafe.Sizeof(replyMeta{}); n != 48 {
		t.Errorf("replyMeta takes %d bytes, not 48", n)
	}
	m := replyMeta{state: maxTickets + 1 + replyOK}
	if i, ok := m.ticket(); !ok || i != maxTickets-1 || !m.ok() || m.files() || m.noKey() || m.pending() {
		t.Errorf("state %x: ticket %d %v, ok %v, files %v", m.state, i, ok, m.ok(), m.files())
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
