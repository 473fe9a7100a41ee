package readers

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// encodings are the character sets a mapping's encoding may name: what
// spreadsheet programs save besides UTF-8.
func encodingNamed(name string) (encoding.Encoding, bool) {
	switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(name), "_", "-")) {
	case "", "utf-8", "utf8":
		return nil, true
	case "windows-1252", "cp1252":
		return charmap.Windows1252, true
	case "iso-8859-1", "latin1", "latin-1":
		return charmap.ISO8859_1, true
	case "iso-8859-15", "latin9", "latin-9":
		return charmap.ISO8859_15, true
	case "utf-16", "utf-16le":
		return unicode.UTF16(unicode.LittleEndian, unicode.UseBOM), true
	case "utf-16be":
		return unicode.UTF16(unicode.BigEndian, unicode.UseBOM), true
	}
	return nil, false
}

// knownEncodings lists the names encodingNamed takes, for errors.
const knownEncodings = "utf-8, windows-1252, iso-8859-1, iso-8859-15, utf-16, utf-16be"

// delimiters are the separators sniffed from a header line, in order of
// preference on a tie.
const delimiters = ",;\t|"

// newCSVReader reads a CSV file as UTF-8 text: past a UTF-8 byte-order
// mark (which spreadsheet programs write, and gocsv would take for part of
// a header); a UTF-16 file with its byte-order mark (Excel's "Unicode
// text") decoded; with the mapping's encoding, decoded from it; otherwise
// checked to be UTF-8 as it is read, so that a Windows-1252 file is an
// error naming its line, not text that arrives as "Mar�a". The delimiter is
// the mapping's, or sniffed from the header line. It reads in 1 MB blocks:
// csv.Reader's own 4 KB would cost a read system call per 4 KB.
func newCSVReader(r io.Reader, name string, m *Mapping) *csv.Reader {
	br := bufio.NewReaderSize(r, 1<<20)
	var enc encoding.Encoding
	if m != nil {
		enc, _ = encodingNamed(m.Encoding) // LoadMapping checked it
	}
	switch bom, _ := br.Peek(3); {
	case bytes.HasPrefix(bom, []byte("\ufeff")):
		br.Discard(3)
		enc = nil // the file says it is UTF-8
	case bytes.HasPrefix(bom, []byte{0xff, 0xfe}):
		enc = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM)
	case bytes.HasPrefix(bom, []byte{0xfe, 0xff}):
		enc = unicode.UTF16(unicode.BigEndian, unicode.ExpectBOM)
	}
	var text *bufio.Reader
	if enc != nil {
		text = bufio.NewReaderSize(enc.NewDecoder().Reader(br), 1<<20)
	} else {
		text = bufio.NewReaderSize(&utf8Checker{r: br, name: name}, 1<<20)
	}
	cr := csv.NewReader(text)
	switch {
	case m != nil && m.Delimiter != "":
		cr.Comma, _ = utf8.DecodeRuneInString(m.Delimiter)
	default:
		cr.Comma = sniffDelimiter(text)
	}
	return cr
}

// sniffDelimiter picks the separator the header line uses most, outside
// quotes: a German or French Excel saves "CSV" with semicolons.
func sniffDelimiter(br *bufio.Reader) rune {
	head, _ := br.Peek(64 << 10)
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		head = head[:i]
	}
	counts := map[byte]int{}
	quoted := false
	for _, c := range head {
		switch {
		case c == '"':
			quoted = !quoted
		case !quoted && strings.IndexByte(delimiters, c) >= 0:
			counts[c]++
		}
	}
	best := byte(',')
	for i := range len(delimiters) {
		if c := delimiters[i]; counts[c] > counts[best] {
			best = c
		}
	}
	return rune(best)
}

// utf8Checker passes text through, failing at the first byte that is not
// UTF-8 with an error naming the file's line and how to read it instead.
type utf8Checker struct {
	r       io.Reader
	name    string
	line    int     // lines passed, before the current block
	pending [4]byte // the start of a character split between two reads
	npend   int
	err     error // the first invalid byte's, returned by every later Read
}

// Read passes on what it reads. Its error is sticky: a bufio.Reader's Peek
// hands an error to its caller once, and the CSV parser must still see it.
func (c *utf8Checker) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	block := p[:n]
	if c.npend > 0 {
		// Complete the split character with the first bytes of this block.
		k := 0
		for c.npend < 4 && k < len(block) && !utf8.FullRune(c.pending[:c.npend]) {
			c.pending[c.npend] = block[k]
			c.npend, k = c.npend+1, k+1
		}
		if utf8.FullRune(c.pending[:c.npend]) || err != nil {
			if r, size := utf8.DecodeRune(c.pending[:c.npend]); r == utf8.RuneError && size <= 1 {
				return n, c.invalid(0)
			}
			c.npend = 0
		} else if k == len(block) {
			return n, err
		}
		block = block[k:]
	}
	// Hold back a character that is not finished in this block.
	tail := 0
	for i := len(block) - 1; i >= 0 && i >= len(block)-3; i-- {
		if utf8.RuneStart(block[i]) {
			if !utf8.FullRune(block[i:]) {
				tail = len(block) - i
			}
			break
		}
	}
	body := block[:len(block)-tail]
	if !utf8.Valid(body) {
		for i := 0; i < len(body); {
			r, size := utf8.DecodeRune(body[i:])
			if r == utf8.RuneError && size <= 1 {
				// Only what comes before the line with the odd byte passes:
				// no row holding it reaches the parser.
				lineStart := bytes.LastIndexByte(body[:i], '\n') + 1
				c.line += bytes.Count(body[:i], []byte{'\n'})
				return n - len(block) + lineStart, c.invalid(body[i])
			}
			i += size
		}
	}
	c.line += bytes.Count(body, []byte{'\n'})
	copy(c.pending[:], block[len(block)-tail:])
	c.npend = tail
	if err == io.EOF && c.npend > 0 {
		return n, c.invalid(c.pending[0])
	}
	return n, err
}

func (c *utf8Checker) invalid(b byte) error {
	c.err = &InputError{Err: fmt.Errorf("%s line %d: byte 0x%02X is not UTF-8 text: the file was saved in another encoding "+
		"(Excel on Windows saves Windows-1252): say which in a mapping file, e.g. encoding: windows-1252 (--mapping; known: %s)",
		c.name, c.line+1, b, knownEncodings)}
	return c.err
}
