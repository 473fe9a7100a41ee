// Package arena holds data structures for keeping millions of small
// records in little memory: strings interned into large chunks, lists that
// grow without copying, and tables and sets that find them.
package arena

import (
	"encoding/binary"
	"hash/maphash"
	"math/bits"
	"unsafe"
)

// Strings interns strings into large append-only chunks: one allocation per
// megabyte instead of one per string, and no string keeps a reader's whole
// row alive. A string it returns shares its chunk's memory, which is never
// written again once the string is in it, so the string stays valid for as
// long as it is referenced (the garbage collector keeps its chunk).
type Strings struct {
	chunks [][]byte
}

const stringsChunk = 1 << 20

// Ref is a string in a Strings arena, held in eight bytes with no pointer:
// records that hold Refs instead of strings are not scanned by the garbage
// collector, which matters when there are a million of them. It is the
// chunk's number (from 1) and the offset where the string's length is
// written, followed by its bytes. The zero Ref is "".
type Ref uint64

// AddRef stores the concatenation of parts ("reply/" and an id make one
// string, never built elsewhere first) and returns where it is.
func (a *Strings) AddRef(parts ...string) Ref {
	n := 0
	for _, s := range parts {
		n += len(s)
	}
	if n == 0 {
		return 0
	}
	need := n + binary.MaxVarintLen64
	if len(a.chunks) == 0 || need > cap(a.chunks[len(a.chunks)-1])-len(a.chunks[len(a.chunks)-1]) {
		a.chunks = append(a.chunks, make([]byte, 0, max(stringsChunk, need)))
	}
	chunk := &a.chunks[len(a.chunks)-1]
	start := len(*chunk)
	*chunk = binary.AppendUvarint(*chunk, uint64(n))
	for _, s := range parts {
		*chunk = append(*chunk, s...) // within capacity: the chunk does not move
	}
	return Ref(uint64(len(a.chunks))<<32 | uint64(start))
}

// Get returns the string r refers to, sharing the arena's memory.
func (a *Strings) Get(r Ref) string {
	if r == 0 {
		return ""
	}
	chunk := a.chunks[r>>32-1][uint32(r):]
	if n := chunk[0]; n < 0x80 { // a length in one byte: the common case, without Uvarint's loop
		return unsafe.String(&chunk[1], int(n))
	}
	n, k := binary.Uvarint(chunk)
	return unsafe.String(&chunk[k], int(n))
}

// Add stores the concatenation of parts and returns it, living in the arena.
func (a *Strings) Add(parts ...string) string { return a.Get(a.AddRef(parts...)) }

// List is an append-only list stored in fixed-size chunks: growing it
// never copies what it holds, so a million records never exist twice, as
// they briefly do when a slice doubles.
type List[T any] struct {
	chunks  [][]T
	n       int
	dropped int // chunks Drop has let go, from the first
}

const chunkLen = 1 << 14

// Add appends v.
func (c *List[T]) Add(v T) {
	if c.n%chunkLen == 0 {
		c.chunks = append(c.chunks, make([]T, 0, chunkLen))
	}
	last := &c.chunks[len(c.chunks)-1]
	*last = append(*last, v)
	c.n++
}

// At returns the i-th element, which stays where it is.
func (c *List[T]) At(i int) *T { return &c.chunks[i/chunkLen][i%chunkLen] }

// Drop lets the collector have the chunks that hold only elements below
// n, which the caller will not look at again: At panics for them. Len is
// unchanged.
func (c *List[T]) Drop(n int) {
	for ; c.dropped < min(n/chunkLen, len(c.chunks)); c.dropped++ {
		c.chunks[c.dropped] = nil
	}
}

// Gather moves the elements so that the k-th holds what the from[k]-th
// did, in place: it follows each cycle of the permutation, one element in
// hand, and marks what it has placed by making from[k] k. from must be a
// permutation of the list's indexes; it is the identity afterwards.
func (c *List[T]) Gather(from []int32) {
	for i := range from {
		if from[i] == int32(i) {
			continue
		}
		held := *c.At(i)
		j := int32(i)
		for {
			src := from[j]
			from[j] = j
			if src == int32(i) {
				*c.At(int(j)) = held
				break
			}
			*c.At(int(j)) = *c.At(int(src))
			j = src
		}
	}
}

// Len returns how many elements the list holds.
func (c *List[T]) Len() int { return c.n }

// AddRefBytes stores a copy of b and returns where it is.
func (a *Strings) AddRefBytes(b []byte) Ref {
	return a.AddRef(unsafe.String(unsafe.SliceData(b), len(b))) // AddRef copies before b can change
}

// IDs maps ids to the index of the record that holds them, in eight bytes
// a slot (11 to 21 an id as the table fills and doubles) where Go's map
// of 64-bit hashes takes about 33, and a map of strings 40 to 56. It keeps
// no id: a slot holds 32 bits of the id's hash and the index, and the
// caller's key function, which returns the id of an index, settles every
// match of those bits, so two ids that share them are told apart. Its
// zero value is not ready: use NewIDs.
//
// The table is open-addressed with linear probing: a look-up reads one or
// two cache lines, where a map reads its control bytes and then its slots.
// An id's home is the top bits of its 32, so the bits below them tell
// apart most ids that land near each other before the key function is
// called: a false match costs one call in a few hundred look-ups.
type IDs struct {
	slots []uint64 // hash bits << 32 | index+1; 0 is empty
	n     int      // slots taken
	shift uint     // 32 - log2(len(slots)): a hash's home is hash >> shift
	seed  maphash.Seed
}

// idsMin is the fewest slots a set has.
const idsMin = 1 << 10

// NewIDs returns an empty set with room for about n ids.
func NewIDs(n int) *IDs {
	s := &IDs{seed: maphash.MakeSeed()}
	size := idsMin
	for size/4*3 < n {
		size *= 2
	}
	s.make(size)
	return s
}

// make gives s size empty slots, a power of two.
func (s *IDs) make(size int) {
	s.slots = make([]uint64, size)
	s.shift = uint(32 - bits.TrailingZeros(uint(size)))
}

func (s *IDs) hash(id string) uint32 { return uint32(maphash.String(s.seed, id) >> 32) }

// find returns the index put for id, or the slot where it goes.
func (s *IDs) find(h uint32, id string, key func(int32) string) (i int32, slot int, ok bool) {
	mask := len(s.slots) - 1
	for slot = int(h >> s.shift); ; slot = (slot + 1) & mask {
		v := s.slots[slot]
		if v == 0 {
			return 0, slot, false
		}
		if uint32(v>>32) == h {
			if i := int32(uint32(v)) - 1; key(i) == id {
				return i, slot, true
			}
		}
	}
}

// insert takes slot for index i of an id whose hash bits are h, and grows
// the table once it is three quarters full.
func (s *IDs) insert(h uint32, i int32, slot int) {
	s.slots[slot] = uint64(h)<<32 | uint64(uint32(i)+1)
	s.n++
	if s.n <= len(s.slots)/4*3 {
		return
	}
	old := s.slots
	s.make(2 * len(old))
	mask := len(s.slots) - 1
	for _, v := range old {
		if v == 0 {
			continue
		}
		at := int(uint32(v>>32) >> s.shift)
		for s.slots[at] != 0 {
			at = (at + 1) & mask
		}
		s.slots[at] = v
	}
}

// Get returns the index put for id.
func (s *IDs) Get(id string, key func(int32) string) (int32, bool) {
	i, _, ok := s.find(s.hash(id), id, key)
	return i, ok
}

// GetBytes is Get for an id in a buffer, which it does not keep.
func (s *IDs) GetBytes(id []byte, key func(int32) string) (int32, bool) {
	return s.Get(unsafe.String(unsafe.SliceData(id), len(id)), key)
}

// PutNew records index i for id and reports true, or reports false when
// id is there already (put at an index whose key is id): one look-up
// where Get and Put take two.
func (s *IDs) PutNew(id string, i int32, key func(int32) string) bool {
	h := s.hash(id)
	_, slot, found := s.find(h, id, key)
	if !found {
		s.insert(h, i, slot)
	}
	return !found
}

// Put records index i for id, which Get did not find. It does not call
// a key function: i need not be a record yet.
func (s *IDs) Put(id string, i int32) {
	h := s.hash(id)
	mask := len(s.slots) - 1
	slot := int(h >> s.shift)
	for s.slots[slot] != 0 {
		slot = (slot + 1) & mask
	}
	s.insert(h, i, slot)
}

// Set is a set of strings that holds no pointer for the collector to
// follow: the strings are interned in chunks and found through an IDs
// table, in 40 to 50 bytes a string of 20 where a map of strings took 65
// (a heap profile of planning) and every collection looked at each of
// them. Its zero value is not ready: use NewSet.
type Set struct {
	strs  Strings
	refs  List[Ref] // the i-th string added
	index *IDs
}

// NewSet returns an empty set.
func NewSet() *Set { return &Set{index: NewIDs(0)} }

// Add puts a copy of v in the set and reports whether it was not there.
func (s *Set) Add(v string) bool {
	if !s.index.PutNew(v, int32(s.refs.Len()), s.at) {
		return false
	}
	s.refs.Add(s.strs.AddRef(v))
	return true
}

// Has reports whether v is in the set.
func (s *Set) Has(v string) bool {
	_, ok := s.index.Get(v, s.at)
	return ok
}

// Len returns how many strings the set holds.
func (s *Set) Len() int { return s.refs.Len() }

// at returns the i-th string added.
func (s *Set) at(i int32) string { return s.strs.Get(*s.refs.At(int(i))) }
