package sandbox

import (
	"strings"
	"time"
)

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// ulid makes a ULID-shaped id: 48 bits of milliseconds, 80 of sequence.
func ulid(t time.Time, seq uint64) string {
	var b [26]byte
	ms := uint64(t.UnixMilli())
	for i := 9; i >= 0; i-- {
		b[i] = crockford[ms&31]
		ms >>= 5
	}
	for i := 25; i >= 10; i-- {
		b[i] = crockford[seq&31]
		seq >>= 5
	}
	return string(b[:])
}

func isULID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for _, c := range strings.ToUpper(s) {
		if !strings.ContainsRune(crockford, c) {
			return false
		}
	}
	return true
}
