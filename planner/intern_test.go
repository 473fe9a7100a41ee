package planner

import (
	"hash/maphash"
	"testing"
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

func TestIDSet(t *testing.T) {
	ids := []string{"a", "b", "c"}
	key := func(i int32) string { return ids[i] }
	s := newIDSet()
	for i, id := range ids[:2] {
		s.put(id, int32(i), key)
	}
	// Force a collision: c under b's hash.
	s.byHash[maphash.String(s.seed, "c")] = 1
	delete(s.byHash, maphash.String(s.seed, "b"))
	s.byHash[maphash.String(s.seed, "b")] = 1
	if _, ok := s.get("c", key); ok {
		t.Fatal("found c before it was put")
	}
	s.put("c", 2, key)
	for i, id := range ids {
		if got, ok := s.get(id, key); !ok || got != int32(i) {
			t.Errorf("get(%q) = %d, %v", id, got, ok)
		}
	}
	if _, ok := s.get("d", key); ok {
		t.Error("found d")
	}
}
