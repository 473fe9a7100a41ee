package arena

import (
	"hash/maphash"
	"strings"
	"testing"
)

func TestStrings(t *testing.T) {
	var a Strings
	var got []string
	for i := range 3 * stringsChunk / 1000 {
		got = append(got, a.Add(strings.Repeat(string(rune('a'+i%26)), 1000)))
	}
	big := a.Add(strings.Repeat("z", 2*stringsChunk))
	for i, s := range got {
		if s != strings.Repeat(string(rune('a'+i%26)), 1000) {
			t.Fatalf("string %d changed", i)
		}
	}
	if joined := a.Add("reply/", "", "R-1"); joined != "reply/R-1" {
		t.Errorf("Add of parts = %q", joined)
	}
	if len(big) != 2*stringsChunk || a.Add("") != "" || a.Add() != "" {
		t.Error("large or empty strings")
	}
}

func TestRefs(t *testing.T) {
	var a Strings
	want := map[Ref]string{}
	for i := range 3 * stringsChunk / 300 { // across chunks, lengths whose uvarint takes one and two bytes
		s := strings.Repeat(string(rune('a'+i%26)), i%300)
		want[a.AddRef("k/", s)] = "k/" + s
	}
	want[a.AddRef(strings.Repeat("z", stringsChunk+1))] = strings.Repeat("z", stringsChunk+1)
	for r, s := range want {
		if got := a.Get(r); got != s {
			t.Fatalf("Get(%x) = %d bytes, want %d", r, len(got), len(s))
		}
	}
	b := []byte("ticket/7")
	r := a.AddRefBytes(b)
	b[7] = '8'
	if got := a.Get(r); got != "ticket/7" {
		t.Errorf("AddRefBytes kept %q, want a copy of the bytes as they were", got)
	}
	if r := a.AddRef("", ""); r != 0 || a.Get(r) != "" {
		t.Errorf("empty string: ref %x", r)
	}
}

func TestList(t *testing.T) {
	var l List[int]
	for i := range 3*chunkLen + 5 {
		l.Add(i)
	}
	p := l.At(7)
	for i := range chunkLen {
		l.Add(i)
	}
	if l.Len() != 4*chunkLen+5 || *p != 7 || *l.At(3*chunkLen + 4) != 3*chunkLen+4 {
		t.Errorf("len %d, at(7) %d", l.Len(), *p)
	}
}

func TestListDrop(t *testing.T) {
	var l List[int]
	for i := range 3 * chunkLen {
		l.Add(i)
	}
	l.Drop(chunkLen - 1) // no whole chunk below it
	l.Drop(2*chunkLen + 1)
	l.Drop(chunkLen) // behind what is dropped: nothing changes
	if l.chunks[0] != nil || l.chunks[1] != nil || l.chunks[2] == nil || *l.At(2 * chunkLen) != 2*chunkLen || l.Len() != 3*chunkLen {
		t.Errorf("after Drop: chunks %v %v %v, len %d", l.chunks[0] == nil, l.chunks[1] == nil, l.chunks[2] == nil, l.Len())
	}
	l.Drop(10 * chunkLen) // past the end
	if l.chunks[2] != nil {
		t.Error("Drop past the end kept the last chunk")
	}
}

func TestIDs(t *testing.T) {
	ids := []string{"a", "b", "c"}
	key := func(i int32) string { return ids[i] }
	s := NewIDs(0)
	for i, id := range ids[:2] {
		s.Put(id, int32(i))
	}
	// Force a collision: c under b's hash.
	s.byHash[maphash.String(s.seed, "c")] = 1
	if _, ok := s.Get("c", key); ok {
		t.Fatal("found c before it was put")
	}
	s.Put("c", 2)
	for i, id := range ids {
		if got, ok := s.Get(id, key); !ok || got != int32(i) {
			t.Errorf("Get(%q) = %d, %v", id, got, ok)
		}
		if got, ok := s.GetBytes([]byte(id), key); !ok || got != int32(i) {
			t.Errorf("GetBytes(%q) = %d, %v", id, got, ok)
		}
	}
	if _, ok := s.Get("d", key); ok {
		t.Error("found d")
	}
}
