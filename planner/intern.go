package planner

import (
	"hash/maphash"
	"strconv"
	"strings"
)

// origin is a record's origin in eight bytes: origins are a few prefixes
// ("replies.csv:", "Replies!A", "messages id=") followed by a number.
type origin struct {
	prefix uint32 // index in origins.prefixes; the whole origin when n is 0
	n      uint32
}

// origins stores the prefixes origins share.
type origins struct {
	prefixes []string
	index    map[string]uint32
}

func (o *origins) add(s string) origin {
	digits := len(s)
	for digits > 0 && s[digits-1] >= '0' && s[digits-1] <= '9' {
		digits--
	}
	n, err := strconv.ParseUint(s[digits:], 10, 32)
	if err != nil || n == 0 || s[digits:] != strconv.FormatUint(n, 10) {
		digits, n = len(s), 0 // no plain number at the end: keep it whole
	}
	prefix := s[:digits]
	i, ok := o.index[prefix]
	if !ok {
		if o.index == nil {
			o.index = make(map[string]uint32)
		}
		i = uint32(len(o.prefixes))
		prefix = strings.Clone(prefix)
		o.prefixes = append(o.prefixes, prefix)
		o.index[prefix] = i
	}
	return origin{prefix: i, n: uint32(n)}
}

func (o *origins) get(x origin) string {
	if x.n == 0 {
		return o.prefixes[x.prefix]
	}
	return o.prefixes[x.prefix] + strconv.FormatUint(uint64(x.n), 10)
}

// idSet maps ids to the index of the record that has them in about 20
// bytes an id, where a map of strings takes 56: it keys by a 64-bit hash,
// and the caller's key function resolves the rare collision.
type idSet struct {
	byHash  map[uint64]int32
	collide map[string]int32 // ids whose hash another id has
	seed    maphash.Seed
}

func newIDSet() idSet { return idSet{byHash: make(map[uint64]int32), seed: maphash.MakeSeed()} }

// get returns the index put for id; key returns the id of an index.
func (s *idSet) get(id string, key func(int32) string) (int32, bool) {
	if i, ok := s.byHash[maphash.String(s.seed, id)]; ok && key(i) == id {
		return i, true
	}
	i, ok := s.collide[id]
	return i, ok
}

// put records index i for id, which get did not find.
func (s *idSet) put(id string, i int32, key func(int32) string) {
	h := maphash.String(s.seed, id)
	if _, taken := s.byHash[h]; taken {
		if s.collide == nil {
			s.collide = make(map[string]int32)
		}
		s.collide[id] = i
		return
	}
	s.byHash[h] = i
}
