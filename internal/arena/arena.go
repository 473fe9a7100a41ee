// Package arena holds data structures for keeping millions of small
// records in little memory: strings interned into large chunks, and lists
// that grow without copying.
package arena

import (
	"encoding/binary"
	"hash/maphash"
	"strings"
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

// Len returns how many elements the list holds.
func (c *List[T]) Len() int { return c.n }

// AddRefBytes stores a copy of b and returns where it is.
func (a *Strings) AddRefBytes(b []byte) Ref {
	return a.AddRef(unsafe.String(unsafe.SliceData(b), len(b))) // AddRef copies before b can change
}

// IDs maps ids to the index of the record that holds them, in about 20
// bytes an id where a map of strings takes 40 to 56: it keys by a 64-bit
// hash, and the caller's key function, which returns the id of an index,
// resolves the rare collision. Its zero value is not ready: use NewIDs.
type IDs struct {
	byHash  map[uint64]int32
	collide map[string]int32 // ids whose hash another id has
	seed    maphash.Seed
}

// NewIDs returns an empty set with room for about n ids.
func NewIDs(n int) *IDs {
	return &IDs{byHash: make(map[uint64]int32, n), seed: maphash.MakeSeed()}
}

// Get returns the index put for id.
func (s *IDs) Get(id string, key func(int32) string) (int32, bool) {
	if i, ok := s.byHash[maphash.String(s.seed, id)]; ok && key(i) == id {
		return i, true
	}
	i, ok := s.collide[id]
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
	h := maphash.String(s.seed, id)
	if j, taken := s.byHash[h]; taken {
		if key(j) == id {
			return false
		}
		if _, ok := s.collide[id]; ok {
			return false
		}
		if s.collide == nil {
			s.collide = make(map[string]int32)
		}
		s.collide[strings.Clone(id)] = i
		return true
	}
	s.byHash[h] = i
	return true
}

// Put records index i for id, which Get did not find. The set keeps id
// only in the rare collision, as a copy.
func (s *IDs) Put(id string, i int32) {
	h := maphash.String(s.seed, id)
	if _, taken := s.byHash[h]; taken {
		if s.collide == nil {
			s.collide = make(map[string]int32)
		}
		s.collide[strings.Clone(id)] = i
		return
	}
	s.byHash[h] = i
}
