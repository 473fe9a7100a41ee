package planner

import (
	"encoding/binary"
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
	last     uint32 // the prefix added last, + 1: records come file by file
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
	if o.last > 0 && o.prefixes[o.last-1] == prefix {
		return origin{prefix: o.last - 1, n: uint32(n)}
	}
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
	o.last = i + 1
	return origin{prefix: i, n: uint32(n)}
}

func (o *origins) get(x origin) string {
	if x.n == 0 {
		return o.prefixes[x.prefix]
	}
	return o.prefixes[x.prefix] + strconv.FormatUint(uint64(x.n), 10)
}

// originLog holds the origins of a kind of record in the order they were
// read, in about a byte and a half each instead of eight: origins mostly
// count up (the rows of a file, the ids of a table), so each block of
// originBlockLen keeps its first origin whole and the rest as varint
// differences from the one before. Only a problem looks an origin up,
// which decodes at most a block; the records' metadata, held millions of
// times over while planning, does not carry one.
type originLog struct {
	blocks []originBlock
	chunks [][]byte // never grown in place: a block's bytes stay in one chunk
	n      int32
	last   origin
}

type originBlock struct {
	first origin
	chunk uint32 // index in chunks
	off   uint32 // where the block's differences start in its chunk
}

const (
	originBlockLen = 32
	originChunk    = 1 << 16
	// maxOriginEntry is the most bytes one origin takes: a prefix change
	// is two varints of up to five bytes.
	maxOriginEntry = 2 * binary.MaxVarintLen32
)

// add appends the next record's origin.
func (l *originLog) add(o origin) {
	switch {
	case l.n%originBlockLen == 0:
		c := len(l.chunks) - 1
		if c < 0 || cap(l.chunks[c])-len(l.chunks[c]) < originBlockLen*maxOriginEntry {
			l.chunks = append(l.chunks, make([]byte, 0, originChunk))
			c++
		}
		l.blocks = append(l.blocks, originBlock{first: o, chunk: uint32(c), off: uint32(len(l.chunks[c]))})
	case o.prefix != l.last.prefix:
		// odd: a new prefix, then the number whole
		c := &l.chunks[len(l.chunks)-1]
		*c = binary.AppendUvarint(*c, uint64(o.prefix)<<1|1)
		*c = binary.AppendUvarint(*c, uint64(o.n))
	default:
		// even: the difference, zig-zagged so that a step back is small too
		d := int64(o.n) - int64(l.last.n)
		c := &l.chunks[len(l.chunks)-1]
		*c = binary.AppendUvarint(*c, uint64(d<<1^d>>63)<<1)
	}
	l.n, l.last = l.n+1, o
}

// get returns the origin of the i-th record added.
func (l *originLog) get(i int32) origin {
	b := l.blocks[i/originBlockLen]
	o, data := b.first, l.chunks[b.chunk][b.off:]
	for range i % originBlockLen {
		v, k := binary.Uvarint(data)
		data = data[k:]
		if v&1 != 0 {
			n, k := binary.Uvarint(data)
			data = data[k:]
			o = origin{prefix: uint32(v >> 1), n: uint32(n)}
			continue
		}
		z := v >> 1
		d := int64(z>>1) ^ -int64(z&1)
		o.n = uint32(int64(o.n) + d)
	}
	return o
}
