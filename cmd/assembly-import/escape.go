package main

import (
	"fmt"
	"io"
	"unicode/utf8"
)

// controlEscaper writes text with its control characters escaped ("\x1b"),
// newlines and tabs aside: ids, file names and server answers printed from
// an export or a server must not reach a terminal as escape sequences
// (moving the cursor, rewriting a line, an OSC title or hyperlink). Bytes
// that are not UTF-8 are escaped too, for terminals that read 8-bit C1
// controls.
type controlEscaper struct{ w io.Writer }

func (c controlEscaper) Write(p []byte) (int, error) {
	if _, err := c.w.Write(escapeControls(p)); err != nil {
		return 0, err
	}
	return len(p), nil
}

// escapeControls returns b with its control characters escaped, or b
// itself when it holds none.
func escapeControls(b []byte) []byte {
	clean := true
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if isControl(r, n) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return b
	}
	out := make([]byte, 0, len(b)+16)
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			out = fmt.Appendf(out, `\x%02x`, b[i])
		case isControl(r, n):
			if r < 0x80 {
				out = fmt.Appendf(out, `\x%02x`, r)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		default:
			out = append(out, b[i:i+n]...)
		}
		i += n
	}
	return out
}

// isControl says the rune r, n bytes long, is one to escape: a C0 control
// other than newline and tab, DEL, a C1 control, or a byte that is not
// UTF-8.
func isControl(r rune, n int) bool {
	return r < 0x20 && r != '\n' && r != '\t' || r == 0x7f || r >= 0x80 && r <= 0x9f || r == utf8.RuneError && n == 1
}
