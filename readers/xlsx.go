package readers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/assembly-import/assembly-import/internal/owned"
)

// XLSXOptions configures an XLSX source.
type XLSXOptions struct {
	// Path is the workbook.
	Path string
	// TicketsSheet and RepliesSheet name the sheets, matched without regard
	// to case ["tickets", "replies"].
	TicketsSheet, RepliesSheet string
	// Location is the time zone of timestamps written without one (Excel
	// dates have none); nil is UTC. A mapping's timezone takes precedence.
	Location *time.Location
	// AttachmentsRoot is the folder attachment paths are relative to; empty
	// means the workbook's folder.
	AttachmentsRoot string
	// Mapping adapts foreign headers and formats; nil reads canonical columns.
	Mapping *Mapping
}

// XLSX streams a workbook with excelize's row iterator: every ticket of the
// tickets sheet, then every reply of the replies sheet, one row in memory at
// a time. Origins name the cell of the row's id ("tickets!A17"); Locate
// names the cell of any field. It is not safe for concurrent use.
type XLSX struct {
	tmp      *owned.Dir // excelize's temporary files
	file     *excelize.File
	conv     *converter
	date1904 bool
	sheets   []*sheet // tickets, replies
}

// sheet is one sheet being read.
type sheet struct {
	name    string // as the workbook spells it
	kind    string // "tickets" or "replies"
	rows    *excelize.Rows
	n       int // the current row's number
	h       *header
	letters []string // column letters of the header's columns
	idField string
	done    bool
}

// headerSearch is how many rows below the first are searched for a header
// that is in the wrong place, to say where it is.
const headerSearch = 20

// idFields hold identifiers: a number typed into them must not come out as
// "123.0" or "1.2345E+05".
var idFields = map[string]bool{"ticket_id": true, "reply_id": true, "requester_id": true, "author_id": true, "company_id": true}

// xlsxTempPrefix names the folders that hold a workbook's unpacked parts
// while it is read; those of a process that was killed are removed by the
// next one to open a workbook.
const xlsxTempPrefix = "assembly-import-xlsx-"

// OpenXLSX opens a workbook and checks its sheets and headers, so a missing
// sheet or column is reported before anything is read. The whole workbook
// is first read through its compression (checkWorkbook): a damaged part is
// an error, not a sheet that seems to end early. ctx stops that check.
func OpenXLSX(ctx context.Context, opts XLSXOptions) (*XLSX, error) {
	root := opts.AttachmentsRoot
	if root == "" {
		root = filepath.Dir(opts.Path)
	}
	conv, err := newConverter(opts.Mapping, opts.Location, root)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	if err := checkWorkbook(ctx, opts.Path); err != nil {
		if ctx.Err() != nil {
			return nil, err
		}
		return nil, &InputError{Err: err}
	}
	owned.Reclaim(xlsxTempPrefix, nil)
	tmp, err := owned.MkdirTemp(xlsxTempPrefix)
	if err != nil {
		return nil, err
	}
	f, err := excelize.OpenFile(opts.Path, excelize.Options{UnzipSizeLimit: xlsxUnpackLimit, UnzipXMLSizeLimit: xlsxMemoryLimit, TmpDir: tmp.Path})
	if err != nil {
		tmp.Release()
		return nil, &InputError{Err: fmt.Errorf("%s: %w", opts.Path, err)}
	}
	x := &XLSX{file: f, conv: conv, tmp: tmp}
	props, err := f.GetWorkbookProps()
	if err == nil && props.Date1904 != nil {
		x.date1904 = *props.Date1904
	}
	for _, s := range []struct{ kind, want, id string }{
		{"tickets", opts.TicketsSheet, "ticket_id"},
		{"replies", opts.RepliesSheet, "reply_id"},
	} {
		if s.want == "" {
			s.want = s.kind
		}
		sh, err := x.openSheet(filepath.Base(opts.Path), s.kind, s.want, opts.Mapping)
		if err != nil {
			x.Close()
			return nil, err
		}
		sh.idField = s.id
		x.sheets = append(x.sheets, sh)
	}
	return x, nil
}

func (x *XLSX) openSheet(book, kind, want string, m *Mapping) (*sheet, error) {
	var name string
	for _, s := range x.file.GetSheetList() {
		if strings.EqualFold(strings.TrimSpace(s), want) {
			name = s
		}
	}
	if name == "" {
		return nil, &InputError{Err: fmt.Errorf("%s has no sheet %q (its sheets: %s)", book, want, strings.Join(x.file.GetSheetList(), ", "))}
	}
	rows, err := x.file.Rows(name)
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("%s sheet %s: %w", book, name, err)}
	}
	sh := &sheet{name: name, kind: kind, rows: rows}
	cells, err := sh.next()
	if errors.Is(err, io.EOF) {
		rows.Close()
		return nil, &InputError{Err: fmt.Errorf("sheet %s is empty: it needs a header row", name)}
	}
	if err != nil {
		rows.Close()
		return nil, err
	}
	sh.h, err = resolveHeader(fmt.Sprintf("sheet %s row 1", name), kind, cells, m)
	if err == nil && sh.n != 1 {
		err = fmt.Errorf("sheet %s: row %d looks like the header, but the header must be on row 1; delete the rows above it", name, sh.n)
	}
	if err != nil {
		if sh.n == 1 {
			err = sh.findMisplacedHeader(err, m)
		}
		rows.Close()
		return nil, &InputError{Err: err}
	}
	for i := range sh.h.found {
		letter, _ := excelize.ColumnNumberToName(i + 1)
		sh.letters = append(sh.letters, letter)
	}
	return sh, nil
}

// findMisplacedHeader looks below row 1 for the header row: a title or a
// blank line above the header is a common export shape.
func (sh *sheet) findMisplacedHeader(rowOneErr error, m *Mapping) error {
	for range headerSearch {
		cells, err := sh.next()
		if err != nil {
			break
		}
		if _, err := resolveHeader("", sh.kind, cells, m); err == nil {
			return fmt.Errorf("sheet %s: row %d looks like the header, but the header must be on row 1; delete the rows above it", sh.name, sh.n)
		}
	}
	return rowOneErr
}

// next returns the cells of the next row that is not blank, as stored
// (dates as serial numbers, numbers unformatted).
func (sh *sheet) next() ([]string, error) {
	for sh.rows.Next() {
		sh.n++
		cells, err := sh.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, fmt.Errorf("sheet %s row %d: %w", sh.name, sh.n, err)
		}
		for _, c := range cells {
			if strings.TrimSpace(c) != "" {
				return cells, nil
			}
		}
	}
	if err := sh.rows.Error(); err != nil {
		return nil, fmt.Errorf("sheet %s: %w", sh.name, err)
	}
	return nil, io.EOF
}

// Next returns the next record: tickets first, then replies, and io.EOF
// after the last one. Blank rows are passed over; a value in a column
// without a header is reported as a problem of its row.
func (x *XLSX) Next(ctx context.Context) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	for _, sh := range x.sheets {
		if sh.done {
			continue
		}
		cells, err := sh.next()
		if errors.Is(err, io.EOF) {
			sh.done = true
			continue
		}
		if err != nil {
			return Record{}, err
		}
		r, problems := x.row(sh, cells)
		if sh.kind == "tickets" {
			t := x.conv.ticket(r)
			t.Problems = append(t.Problems, problems...)
			return Record{Ticket: t}, nil
		}
		rp := x.conv.reply(r)
		rp.Problems = append(rp.Problems, problems...)
		return Record{Reply: rp}, nil
	}
	return Record{}, io.EOF
}

// row reads a sheet row's cells into a row for the converter.
func (x *XLSX) row(sh *sheet, cells []string) (row, []FieldProblem) {
	r := row{origin: sh.cell(sh.h.index[sh.idField])}
	var problems []FieldProblem
	for i, c := range cells {
		if strings.TrimSpace(c) == "" {
			continue
		}
		switch {
		case i >= len(sh.h.found) || sh.h.found[i] == "":
			letter, _ := excelize.ColumnNumberToName(i + 1)
			problems = append(problems, FieldProblem{Message: fmt.Sprintf(
				"cell %s%d holds %q but its column has no header; name the column or clear the cell", letter, sh.n, truncateCell(c))})
		case sh.h.keep[i]:
			if r.extra == nil {
				r.extra = map[string]string{}
			}
			r.extra[sh.h.found[i]] = c
		}
	}
	r.get = func(field string) string {
		i, ok := sh.h.index[field]
		if !ok || i >= len(cells) {
			return ""
		}
		v := cells[i]
		switch {
		case field == "created_at":
			return x.excelDate(v)
		case idFields[field]:
			return integral(v)
		}
		return v
	}
	return r, problems
}

// cell names the cell of column i in the current row.
func (sh *sheet) cell(i int) string {
	return fmt.Sprintf("%s!%s%d", sh.name, sh.letters[i], sh.n)
}

func truncateCell(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// excelDateLimit separates Excel serial dates (days since 1900: about 73,000
// in the year 2100) from Unix timestamps (seconds: above 86,400 after 2 Jan 1970).
const excelDateLimit = 100_000

// excelDate turns a date cell's serial number into a timestamp in the
// converter's zone (Excel dates are wall-clock times); other text is kept.
func (x *XLSX) excelDate(v string) string {
	serial, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || serial <= 0 || serial >= excelDateLimit {
		return v
	}
	t, err := excelize.ExcelDateToTime(serial, x.date1904)
	if err != nil {
		return v
	}
	t = t.Round(time.Second) // serials carry float noise below a millisecond
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, x.conv.loc).Format(time.RFC3339)
}

// integral writes a number typed into an id cell as the integer it is:
// "123.0" and "1.2345E+05" are 123 and 123450. Text is kept.
func integral(v string) string {
	if !strings.ContainsAny(v, ".eE") {
		return v
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f != float64(int64(f)) || f > 1<<53 || f < -(1<<53) {
		return v
	}
	return strconv.FormatInt(int64(f), 10)
}

// Locate names the cell of field in the row an origin names: "tickets!A17"
// and "created_at" make "tickets!C17".
func (x *XLSX) Locate(origin, field string) string {
	bang := strings.LastIndexByte(origin, '!')
	if bang < 0 {
		return origin
	}
	name, ref := origin[:bang], origin[bang+1:]
	digits := strings.IndexAny(ref, "0123456789")
	for _, sh := range x.sheets {
		if i, ok := sh.h.index[field]; ok && sh.name == name && digits > 0 {
			return name + "!" + sh.letters[i] + ref[digits:]
		}
	}
	return origin
}

// Close closes the sheets' iterators and the workbook (removing its
// temporary files).
func (x *XLSX) Close() error {
	var errs []error
	for _, sh := range x.sheets {
		errs = append(errs, sh.rows.Close())
	}
	errs = append(errs, x.file.Close())
	if x.tmp != nil {
		errs = append(errs, x.tmp.Release())
	}
	return errors.Join(errs...)
}
