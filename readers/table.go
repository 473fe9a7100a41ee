package readers

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gocarina/gocsv"
)

// table is one table of an export, read a row at a time: a CSV file or a
// workbook's sheet. Every layout reads its tables the same way: the cells
// of a row, matched to fields by the header (header.row).
type table interface {
	// header returns the header row's cells.
	header() []string
	// next returns the next row: its number (the line a CSV row starts on,
	// or the sheet's row), its cells, or a problem when the format cannot
	// read the row (then cells is nil). It returns io.EOF after the last.
	next() (n int, cells []string, problem *FieldProblem, err error)
	// rewind goes back to the first row after the header.
	rewind() error
	// origin names the cell of column col in row n: "tickets.csv:17"
	// (a CSV file names the line only), "tickets!C17".
	origin(n, col int) string
	// value turns the cell at column col of row n, read as field, from what
	// is stored into text: a workbook's date serial into a timestamp, a
	// number typed into an id into an integer.
	value(n, col int, field, cell string) string
	close() error
}

// csvTable is a CSV file read with gocsv's row decoder, over the reader
// that decodes its encoding and knows its delimiter (newCSVReader).
type csvTable struct {
	name  string // the file's base name, for origins
	path  string
	m     *Mapping
	f     *os.File
	cr    *csv.Reader
	dec   gocsv.SimpleDecoder
	cells []string // the header
}

// openCSVTable opens a CSV file and reads its header line.
func openCSVTable(path string, m *Mapping) (*csvTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("%s: %w", path, err)}
	}
	t := &csvTable{name: filepath.Base(path), path: path, m: m, f: f}
	if err := t.start(); err != nil {
		f.Close()
		return nil, err
	}
	return t, nil
}

// start reads the file from its beginning: the header line, then rows.
func (t *csvTable) start() error {
	t.cr = newCSVReader(t.f, t.name, t.m)
	t.dec = gocsv.NewSimpleDecoderFromCSVReader(t.cr)
	cells, err := t.dec.GetCSVRow()
	switch ie := (*InputError)(nil); {
	case errors.Is(err, io.EOF):
		return &InputError{Err: fmt.Errorf("%s: the file is empty: it needs a header line", t.name)}
	case errors.As(err, &ie):
		return ie // it names the file and line
	case err != nil:
		return &InputError{Err: fmt.Errorf("%s line 1: %w", t.name, err)}
	}
	t.cells = cells
	// Each row's text is copied into the records made from it before the
	// next is read, so the reader may reuse the row's slice.
	t.cr.ReuseRecord = true
	return nil
}

func (t *csvTable) header() []string { return t.cells }

func (t *csvTable) next() (int, []string, *FieldProblem, error) {
	cells, err := t.dec.GetCSVRow()
	if errors.Is(err, io.EOF) {
		return 0, nil, nil, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		msg := pe.Err.Error()
		switch {
		case pe.Line > pe.StartLine:
			msg = fmt.Sprintf("a quoted field starts on line %d and runs to line %d (%d lines) without its closing quote, so none of those lines "+
				"could be read as rows: a quote is missing or stray on line %d (%v, line %d column %d)",
				pe.StartLine, pe.Line, pe.Line-pe.StartLine+1, pe.StartLine, pe.Err, pe.Line, pe.Column)
		case errors.Is(pe.Err, csv.ErrFieldCount):
			msg = fmt.Sprintf("the row does not have the header's %d fields", len(t.cells))
		}
		return pe.StartLine, nil, &FieldProblem{Message: "unreadable CSV row: " + msg}, nil
	}
	if err != nil {
		if ie := (*InputError)(nil); errors.As(err, &ie) {
			return 0, nil, nil, ie // it names the file and line
		}
		return 0, nil, nil, fmt.Errorf("%s: %w", t.name, err)
	}
	line, _ := t.cr.FieldPos(0)
	if p := t.swallowed(line, cells); p != nil {
		return line, nil, p, nil
	}
	return line, cells, nil, nil
}

// swallowed finds a quoted field that took in rows of the file: a quote
// missing at its start line makes the reader run on to the next quote,
// and if the cells then come out right, the rows between would vanish into
// one message. A line of a multi-line cell holding as many fields as the
// header (split at the delimiter) is taken for such a row: the row is
// unreadable, never a message that hides others.
func (t *csvTable) swallowed(line int, cells []string) *FieldProblem {
	from := 0
	if n := len(cells); n > 0 {
		if last, _ := t.cr.FieldPos(n - 1); last == line {
			// Every cell before the last ends on the row's first line: a line
			// break in one would have moved the next cell's start down.
			from = n - 1
		}
	}
	for i := from; i < len(cells); i++ {
		c := cells[i]
		if !strings.Contains(c, "\n") {
			continue
		}
		lines := strings.Split(c, "\n")
		for k, l := range lines[1:] {
			if strings.Count(l, string(t.cr.Comma))+1 < len(t.cells) || len(t.cells) < 2 {
				continue
			}
			start, _ := t.cr.FieldPos(i)
			return &FieldProblem{Message: fmt.Sprintf("unreadable CSV row: the quoted field in column %d starts on line %d and runs over %d lines, "+
				"which hold what looks like rows of this file (line %d: %q): a quote is missing or stray on line %d",
				i+1, start, len(lines), start+k+1, truncateCell(strings.TrimSpace(l)), start)}
		}
	}
	return nil
}

func (t *csvTable) rewind() error {
	if _, err := t.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("%s: %w", t.name, err)
	}
	return t.start()
}

func (t *csvTable) origin(n, _ int) string                { return t.name + ":" + strconv.Itoa(n) }
func (t *csvTable) value(_, _ int, _, cell string) string { return cell }
func (t *csvTable) close() error                          { return t.f.Close() }

// row reads the cells of row n of t into a row for the converter. A value
// in a column without a header is a problem of its row: it would be lost.
func (h *header) row(t table, n int, cells []string, idField string) (row, []FieldProblem) {
	r := row{origin: t.origin(n, h.index[idField])}
	var problems []FieldProblem
	for i, c := range cells {
		if strings.TrimSpace(c) == "" {
			continue
		}
		switch {
		case i >= len(h.found) || h.found[i] == "":
			problems = append(problems, FieldProblem{Message: fmt.Sprintf(
				"column %d (%s) holds %q but has no header; name the column or clear the cell", i+1, t.origin(n, i), truncateCell(c))})
		case h.keep[i]:
			if r.extra == nil {
				r.extra = map[string]string{}
			}
			r.extra[h.extra[i]] = c
		}
	}
	r.get = func(field string) string { return h.get(t, n, cells, field) }
	r.column = func(field string) string { return h.found[h.index[field]] }
	if len(h.repeats) > 0 {
		r.repeated = func(field string) ([]string, bool) {
			cols, ok := h.repeats[field]
			if !ok {
				return nil, false
			}
			var out []string
			for _, i := range cols {
				if v := cellAt(t, n, cells, field, i); strings.TrimSpace(v) != "" {
					out = append(out, v)
				}
			}
			return out, true
		}
	}
	return r, problems
}

// get returns the cell of field in row n of t, "" when the header has no
// column for it.
func (h *header) get(t table, n int, cells []string, field string) string {
	i, ok := h.index[field]
	if !ok {
		return ""
	}
	v := cellAt(t, n, cells, field, i)
	if w, ok := h.values[field]; ok {
		v = w.apply(v)
	}
	return v
}

// cellAt returns cell i of row n of t, read as field; "" past the row's end.
func cellAt(t table, n int, cells []string, field string, i int) string {
	if i >= len(cells) {
		return ""
	}
	return t.value(n, i, field, cells[i])
}

func truncateCell(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
