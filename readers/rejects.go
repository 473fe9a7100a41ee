package readers

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/transform"

	"github.com/assembly-import/assembly-import/internal/outfile"
)

// Row names one row of a source: a file and line ("replies.csv", 17) or a
// sheet and row ("Replies", 67).
type Row struct {
	Unit string
	N    int
}

// RowOf returns the row an origin names: "replies.csv:17", "Replies!C67".
func RowOf(origin string) (Row, bool) {
	if i := strings.LastIndexByte(origin, ':'); i > 0 {
		if n, err := strconv.Atoi(origin[i+1:]); err == nil {
			return Row{origin[:i], n}, true
		}
	}
	if i := strings.LastIndexByte(origin, '!'); i > 0 {
		if d := strings.IndexAny(origin[i+1:], "0123456789"); d >= 0 {
			if n, err := strconv.Atoi(origin[i+1+d:]); err == nil {
				return Row{origin[:i], n}, true
			}
		}
	}
	return Row{}, false
}

// RejectedColumn is the column rejected rows carry their problems in.
const RejectedColumn = "problem"

// WriteCSVRejects writes the rows of a CSV export that have problems into
// dir, in the export's own shape — tickets.csv and replies.csv with the
// same header — plus a problem column, so they can be fixed and planned
// again. It returns how many rows it wrote.
func WriteCSVRejects(opts CSVOptions, dir string, problems map[Row]string) (int, error) {
	files, err := opts.files()
	if err != nil {
		return 0, err
	}
	total := 0
	for _, path := range files {
		name := filepath.Base(path)
		n, err := rejectCSVFile(path, filepath.Join(dir, name), name, opts.Mapping, problems)
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

func rejectCSVFile(src, dst, name string, m *Mapping, problems map[Row]string) (int, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := outfile.Create(dst)
	if err != nil {
		return 0, err
	}
	defer out.Close() // removes it unless committed
	r := newCSVReader(in, name, m)
	// The rows go back in the file's own delimiter and encoding, so that
	// the same mapping reads them.
	var sink io.WriteCloser = nopCloser{out}
	if m != nil {
		if enc, _ := encodingNamed(m.Encoding); enc != nil {
			sink = transform.NewWriter(out, enc.NewEncoder()) // Close flushes it
		}
	}
	w := csv.NewWriter(sink)
	w.Comma = r.Comma
	r.FieldsPerRecord = -1 // rows of the wrong width are among the rejects
	written, width := 0, 0
	for first := true; ; first = false {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := r.FieldPos(0)
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rec, line = make([]string, width), pe.StartLine // unparseable: only the problem says what it was
		} else if err != nil {
			return written, fmt.Errorf("%s: %w", name, err)
		}
		if first {
			width = len(rec)
			w.Write(append(rec, RejectedColumn))
			continue
		}
		if msg, ok := problems[Row{name, line}]; ok {
			w.Write(append(rec, msg))
			written++
		}
	}
	w.Flush()
	if err := errors.Join(w.Error(), sink.Close()); err != nil {
		return written, err
	}
	return written, out.Commit()
}

// nopCloser is a writer whose Close does nothing (the file is closed apart).
type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// WriteXLSXRejects writes the rows of a workbook that have problems into
// dir, as a workbook of the same name with the same sheets and headers,
// plus a problem column. Cells keep their values as stored; dates are
// written as dates again. It returns how many rows it wrote.
func WriteXLSXRejects(ctx context.Context, opts XLSXOptions, dir string, problems map[Row]string) (int, error) {
	x, err := OpenXLSX(ctx, opts)
	if err != nil {
		return 0, err
	}
	defer x.Close()
	out := excelize.NewFile()
	defer out.Close()
	dateStyle, err := out.NewStyle(&excelize.Style{NumFmt: 22})
	if err != nil {
		return 0, err
	}
	written := 0
	for i, sh := range x.sheets {
		if err := sh.rewind(); err != nil {
			return written, err
		}
		if i == 0 {
			out.SetSheetName("Sheet1", sh.name)
		} else if _, err := out.NewSheet(sh.name); err != nil {
			return written, err
		}
		sw, err := out.NewStreamWriter(sh.name)
		if err != nil {
			return written, err
		}
		header := make([]any, 0, len(sh.cells)+1)
		for _, h := range sh.cells {
			header = append(header, h)
		}
		if err := sw.SetRow("A1", append(header, RejectedColumn)); err != nil {
			return written, err
		}
		dates := map[int]bool{} // the columns of timestamps, written as dates again
		for _, h := range x.headers[i] {
			if c, ok := h.index["created_at"]; ok {
				dates[c] = true
			}
		}
		next := 2
		for {
			if err := ctx.Err(); err != nil {
				return written, err
			}
			n, cells, _, err := sh.next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return written, err
			}
			msg, ok := problems[Row{sh.name, n}]
			if !ok {
				continue
			}
			row := make([]any, len(header)+1)
			for c := range header {
				if c >= len(cells) {
					continue
				}
				v := cells[c]
				// A number as stored goes back as a number; text that merely
				// looks like one ("00123") stays text.
				if f, err := strconv.ParseFloat(v, 64); err == nil && strconv.FormatFloat(f, 'f', -1, 64) == v {
					if dates[c] {
						row[c] = excelize.Cell{Value: f, StyleID: dateStyle}
						continue
					}
					row[c] = f
					continue
				}
				row[c] = v
			}
			row[len(header)] = msg
			cell, _ := excelize.CoordinatesToCellName(1, next)
			if err := sw.SetRow(cell, row); err != nil {
				return written, err
			}
			next++
			written++
		}
		if err := sw.Flush(); err != nil {
			return written, err
		}
	}
	f, err := outfile.Create(filepath.Join(dir, filepath.Base(opts.Path)))
	if err != nil {
		return written, err
	}
	defer f.Close() // removes it unless committed
	if err := out.Write(f); err != nil {
		return written, err
	}
	return written, f.Commit()
}
