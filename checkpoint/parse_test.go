package checkpoint

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

// TestParseJobLine checks the fast path reads what encoding/json writes,
// escapes included, and declines what it does not know.
func TestParseJobLine(t *testing.T) {
	for _, l := range []line{
		{Key: "reply/r-1", State: Sending, Hash: "ff00ff00ff00ff00"},
		{Key: "ticket/Ä \"quoted\" <tag> & \\ back\nslash", State: Rejected, Reason: "HTTP 400: \"title\" is required\t!"},
		{Key: "reply/7", State: Done, ID: "01HZY3V4K8J5T3Q8W6X9RZ2B7C"},
		{Key: "reply/8", State: uncertain},
	} {
		l.Time = time.Date(2026, 11, 25, 1, 2, 3, 456, time.UTC)
		b, _ := json.Marshal(l)
		got, ok := parseJobLine(append(b, '\n'))
		hash, _ := strconv.ParseUint(l.Hash, 16, 64)
		if !ok || string(got.key) != l.Key || got.state != l.State || string(got.id) != l.ID || string(got.reason) != l.Reason || got.hash != hash {
			t.Errorf("parseJobLine(%s) = %+v, %v; want %+v", b, got, ok, l)
		}
	}
	for _, in := range []string{
		`{"t":"x","header":{"version":1}}`,
		`{"t":"x","run":{"events_per_sec":30}}`,
		`{"k":"a","s":"weird"}`,
		`{"k":"a","s":"done"`,
		`{"k":"a" "s":"done"}`,
		`{"k":"a","s":"done","n":3}`,
		`{"k":"a","s":"sending","h":"XYZ"}`,
		`garbage`,
	} {
		if l, ok := parseJobLine([]byte(in)); ok {
			t.Errorf("parseJobLine(%s) = %+v, want it declined", in, l)
		}
	}
}

// TestParseRecord reads what appendRecord writes, its optional trailing
// fields left out or not, and declines a line with a field too many or a
// state it does not know.
func TestParseRecord(t *testing.T) {
	prev := "reply/r-10"
	for _, c := range []struct {
		e               entry
		key, id, reason string
	}{
		{entry{state: stateCode(Done), hash: 0xff00}, "reply/r-11", "01HZY3V4K8J5T3Q8W6X9RZ2B7C", ""},
		{entry{state: stateCode(Rejected), hash: 0xab, uncertain: true}, "reply/r-12", "", "HTTP 400:\t\"title\" is required"},
		{entry{state: stateCode(Sending)}, "ticket/\"T\"\n1", "", ""},
		{entry{state: stateCode(Done), hash: 1, covers: true}, "folded/T-1", "ASM-7", ""},
	} {
		line := appendRecord(nil, &c.e, c.key, prev, c.id, c.reason)
		r := record{key: []byte(prev)}
		if !parseRecord(line, &r) {
			t.Errorf("%q not read", line)
			continue
		}
		got := record{key: r.key, id: r.id, state: r.state, uncertain: r.uncertain, covers: r.covers, hash: r.hash, reason: r.reason}
		want := record{key: []byte(c.key), id: []byte(c.id), state: states[c.e.state], uncertain: c.e.uncertain, covers: c.e.covers, hash: c.e.hash, reason: c.reason}
		if string(got.key) != string(want.key) || string(got.id) != string(want.id) || got.state != want.state || got.uncertain != want.uncertain ||
			got.covers != want.covers || got.hash != want.hash || got.reason != want.reason {
			t.Errorf("%q read as %+v, want %+v", line, got, want)
		}
	}
	for _, line := range []string{
		"d\t0\treply/r-1\tff\tid\treason\textra\n", // a seventh field
		"x\t0\treply/r-1\n",                        // no such state
		"d\t0\n",                                   // no key
		"\t0\treply/r-1\n",                         // no state
		"d\t99\tr-1\n",                             // shares more than the previous key holds
		"{\"k\":\"reply/r-1\"}\n",                  // a JSON line
	} {
		r := record{key: []byte(prev)}
		if parseRecord([]byte(line), &r) {
			t.Errorf("%q read as a record: %+v", line, r)
		}
	}
}
