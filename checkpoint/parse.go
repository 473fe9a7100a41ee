package checkpoint

import (
	"encoding/binary"
	"encoding/hex"
	"strconv"
)

// jobLine is a job line as parseJobLine reads it: byte slices into the
// line, so that replaying allocates only what it keeps.
type jobLine struct {
	key, id, reason []byte
	state           State
	hash            uint64
}

// parseJobLine reads a job line — a flat JSON object of strings, the way
// append writes them — without encoding/json, which took most of a resume's
// start-up. ok is false for anything else (headers, run lines, a line
// written by hand), which replay then reads with encoding/json.
func parseJobLine(b []byte) (l jobLine, ok bool) {
	b = trimEOL(b)
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return l, false
	}
	b = b[1 : len(b)-1]
	for len(b) > 0 {
		key, rest, ok := jsonString(b)
		if !ok || len(rest) == 0 || rest[0] != ':' {
			return l, false
		}
		val, rest, ok := jsonString(rest[1:])
		if !ok {
			return l, false
		}
		switch string(key) {
		case "t": // when it was written: not needed to replay
		case "k":
			l.key = val
		case "s":
			if l.state, ok = stateOf(val); !ok {
				return l, false
			}
		case "id":
			l.id = val
		case "reason":
			l.reason = val
		case "h":
			if l.hash, ok = parseHex(val); !ok {
				return l, false
			}
		default:
			return l, false
		}
		if len(rest) > 0 && rest[0] != ',' {
			return l, false
		}
		b = rest[min(1, len(rest)):]
	}
	return l, len(l.key) > 0 && l.state != ""
}

// parseHex reads a hexadecimal uint64 (of 1 to 16 digits, as
// strconv.ParseUint reads it) without allocating. encoding/hex decodes by
// table: a loop choosing between digits and letters mispredicted half its
// branches on hashes, and took an eighth of a status of 5M jobs.
func parseHex(b []byte) (uint64, bool) {
	if len(b) == 0 || len(b) > 16 {
		return 0, false
	}
	digits := [16]byte{'0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0'}
	copy(digits[16-len(b):], b)
	var n [8]byte
	if _, err := hex.Decode(n[:], digits[:]); err != nil {
		return 0, false
	}
	return binary.BigEndian.Uint64(n[:]), true
}

// trimEOL returns b without the line break it ends in.
func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// stateOf returns the State named by b without allocating.
func stateOf(b []byte) (State, bool) {
	for _, s := range []State{Sending, Done, Retry, Rejected, Failed, uncertain} {
		if string(b) == string(s) {
			return s, true
		}
	}
	return "", false
}

// jsonString reads the JSON string at the start of b and returns its value
// and what follows it.
func jsonString(b []byte) (val, rest []byte, ok bool) {
	if len(b) == 0 || b[0] != '"' {
		return nil, nil, false
	}
	escaped := false
	for i := 1; i < len(b); i++ {
		switch b[i] {
		case '\\':
			escaped = true
			i++ // the next byte is escaped, whatever it is
		case '"':
			if !escaped {
				return b[1:i], b[i+1:], true
			}
			// JSON escapes, as encoding/json writes them, are Go escapes.
			s, err := strconv.Unquote(string(b[:i+1]))
			if err != nil {
				return nil, nil, false
			}
			return []byte(s), b[i+1:], true
		}
	}
	return nil, nil, false
}
