package planner

import (
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
