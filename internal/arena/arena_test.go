package arena

import (
	"fmt"
	"math/rand/v2"
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

func TestListGather(t *testing.T) {
	const n = 2*chunkLen + 7
	var l List[int32]
	from := make([]int32, n)
	for i := range n {
		l.Add(int32(i) * 10)
		from[i] = int32(i)
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(n, func(i, j int) { from[i], from[j] = from[j], from[i] })
	want := make([]int32, n)
	for k, i := range from {
		want[k] = *l.At(int(i))
	}
	l.Gather(from)
	for k := range n {
		if *l.At(k) != want[k] || from[k] != int32(k) {
			t.Fatalf("element %d is %d, want %d (from %d)", k, *l.At(k), want[k], from[k])
		}
	}
}

func TestIDs(t *testing.T) {
	s := NewIDs(0)
	// Two ids whose 32 hash bits are the same, which only the key
	// function tells apart: found among random ids (a few hundred
	// thousand make a pair all but certain).
	var ids []string
	seen := map[uint32]int{}
	for n := 0; len(ids) == 0; n++ {
		if n == 1<<22 {
			t.Fatal("no two ids share their hash bits")
		}
		id := fmt.Sprint("id-", n)
		h := s.hash(id)
		if first, ok := seen[h]; ok {
			ids = []string{fmt.Sprint("id-", first), id}
		}
		seen[h] = n
	}
	for n := range 3 * idsMin { // past a few growths
		ids = append(ids, fmt.Sprint("other-", n))
	}
	key := func(i int32) string { return ids[i] }
	if _, ok := s.Get(ids[1], key); ok {
		t.Fatal("found an id before it was put")
	}
	for i, id := range ids {
		if i%2 == 0 {
			s.Put(id, int32(i))
		} else if !s.PutNew(id, int32(i), key) {
			t.Fatalf("PutNew(%q) found it already", id)
		}
	}
	if s.PutNew(ids[1], 99, key) || s.PutNew(ids[0], 99, key) {
		t.Error("PutNew put an id that was there")
	}
	for i, id := range ids {
		if got, ok := s.Get(id, key); !ok || got != int32(i) {
			t.Errorf("Get(%q) = %d, %v", id, got, ok)
		}
		if got, ok := s.GetBytes([]byte(id), key); !ok || got != int32(i) {
			t.Errorf("GetBytes(%q) = %d, %v", id, got, ok)
		}
	}
	if _, ok := s.Get("absent", key); ok {
		t.Error("found an id never put")
	}
	if s.n != len(ids) || len(s.slots) < len(ids)*4/3 {
		t.Errorf("%d slots for %d ids (%d taken)", len(s.slots), len(ids), s.n)
	}
}

// Room made for n ids up front takes them without growing.
func TestIDsRoom(t *testing.T) {
	s := NewIDs(100_000)
	size := len(s.slots)
	for i := range 100_000 {
		s.Put(fmt.Sprint(i), int32(i))
	}
	if len(s.slots) != size {
		t.Errorf("grew from %d to %d slots", size, len(s.slots))
	}
}

// BenchmarkIDs puts a million ids one after the other, as planning does,
// then looks each up, as a resume does: bytes/op is the set's memory.
func BenchmarkIDs(b *testing.B) {
	const n = 1 << 20
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprint("reply/", i*7919)
	}
	key := func(i int32) string { return ids[i] }
	for b.Loop() {
		s := NewIDs(0)
		for i, id := range ids {
			s.PutNew(id, int32(i), key)
		}
		for _, id := range ids {
			if _, ok := s.Get(id, key); !ok {
				b.Fatal(id)
			}
		}
	}
}

// A set holds each string once, a copy of it, and finds it by its text.
func TestSet(t *testing.T) {
	s := NewSet()
	buf := []byte("ann@example.com")
	if !s.Add(string(buf)) || s.Add("ann@example.com") {
		t.Fatal("Add did not tell a new string from one the set holds")
	}
	copy(buf, "bob") // the set holds a copy, not the caller's bytes
	if !s.Has("ann@example.com") || s.Has(string(buf)) || s.Has("") {
		t.Error("Has found the wrong strings")
	}
	for n := range 3 * idsMin { // past a few growths
		if !s.Add(fmt.Sprint("person", n, "@example.com")) {
			t.Fatalf("person %d was there already", n)
		}
	}
	if !s.Add("") || s.Add("") || !s.Has("") {
		t.Error("the empty string is not a string like the others")
	}
	if got, want := s.Len(), 3*idsMin+2; got != want {
		t.Errorf("Len = %d, want %d", got, want)
	}
	for n := range 3 * idsMin {
		if !s.Has(fmt.Sprint("person", n, "@example.com")) {
			t.Fatalf("person %d is not found", n)
		}
	}
}
