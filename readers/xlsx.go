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

// XLSX streams a workbook with excelize's row iterator, one row in memory
// at a time, in the export's layout (see CSV). Origins name the cell of
// the row's id ("tickets!A17"); Locate names the cell of any field. It is
// not safe for concurrent use.
type XLSX struct {
	tmp     *owned.Dir // excelize's temporary files
	file    *excelize.File
	sheets  []*sheet
	headers [][]*header // each sheet's
	recs    records
	conv    *converter
}

// Notes says what reading found of the whole workbook; call it after the
// last record.
func (x *XLSX) Notes() []Note { return x.conv.notes() }

// sheet is one sheet being read: a table.
type sheet struct {
	name     string // as the workbook spells it
	book     string // the workbook's path
	file     *excelize.File
	types    *cellTypes // opened when an id cell needs it (value)
	err      error      // reading types failed: the next row returns it
	rows     *excelize.Rows
	n        int // the current row's number
	cells    []string
	date1904 bool
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
	x, err := openWorkbook(ctx, opts.Path)
	if err != nil {
		return nil, err
	}
	x.conv = conv
	f := x.file
	var date1904 bool
	if props, err := f.GetWorkbookProps(); err == nil && props.Date1904 != nil {
		date1904 = *props.Date1904
	}
	book := filepath.Base(opts.Path)
	var names []string
	for _, want := range opts.sheets() {
		sh, err := x.openSheet(book, want)
		if err != nil {
			x.Close()
			return nil, err
		}
		sh.book, sh.date1904 = opts.Path, date1904
		x.sheets = append(x.sheets, sh)
		names = append(names, fmt.Sprintf("sheet %s row 1", sh.name))
	}
	tables := make([]table, len(x.sheets))
	for i, sh := range x.sheets {
		tables[i] = sh
	}
	if x.recs, x.headers, err = layoutRecords(conv, opts.Mapping, tables, names); err != nil {
		err = x.misplacedHeader(err, opts.Mapping)
		x.Close()
		return nil, err
	}
	return x, nil
}

// openWorkbook checks the workbook at path (checkWorkbook) and opens it,
// its large parts unpacked into a temporary folder of its own.
func openWorkbook(ctx context.Context, path string) (*XLSX, error) {
	if err := checkWorkbook(ctx, path); err != nil {
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
	f, err := excelize.OpenFile(path, excelize.Options{UnzipSizeLimit: xlsxUnpackLimit, UnzipXMLSizeLimit: xlsxMemoryLimit, TmpDir: tmp.Path})
	if err != nil {
		tmp.Release()
		return nil, &InputError{Err: fmt.Errorf("%s: %w", path, err)}
	}
	return &XLSX{file: f, tmp: tmp}, nil
}

// sheets returns the sheets the layout reads, by the names wanted: the
// tickets and replies sheets, or the one sheet of a one-table layout (the
// tickets sheet if named, else the workbook's first).
func (opts XLSXOptions) sheets() []string {
	tickets, replies := opts.TicketsSheet, opts.RepliesSheet
	if opts.Mapping.layout() != LayoutTicketsAndReplies {
		return []string{tickets} // "" is the first sheet
	}
	if tickets == "" {
		tickets = "tickets"
	}
	if replies == "" {
		replies = "replies"
	}
	return []string{tickets, replies}
}

// openSheet opens the sheet named want ("" for the first) and reads its
// header: its first row that is not blank.
func (x *XLSX) openSheet(book, want string) (*sheet, error) {
	list := x.file.GetSheetList()
	var name string
	for _, s := range list {
		if strings.EqualFold(strings.TrimSpace(s), want) || want == "" && name == "" {
			name = s
		}
	}
	if name == "" {
		return nil, &InputError{Err: fmt.Errorf("%s has no sheet %q (its sheets: %s)", book, want, strings.Join(list, ", "))}
	}
	sh := &sheet{name: name, file: x.file}
	if err := sh.rewind(); err != nil {
		return nil, err
	}
	if sh.n > 1 {
		sh.rows.Close()
		return nil, &InputError{Err: fmt.Errorf("sheet %s: row %d looks like the header, but the header must be on row 1; delete the rows above it", name, sh.n)}
	}
	return sh, nil
}

// misplacedHeader looks below row 1 of each sheet for a row that would
// have been its header, when row 1 was not: a title or a blank line above
// the header is a common export shape.
func (x *XLSX) misplacedHeader(rowOneErr error, m *Mapping) error {
	for i, sh := range x.sheets {
		kind, required := "tickets", requirement{{"ticket_id"}}
		if i == 1 {
			kind, required = "replies", requirement{{"reply_id"}}
		}
		if _, err := resolveHeader("", kind, sh.cells, m, required); err == nil {
			continue // row 1 is this sheet's header
		}
		for range headerSearch {
			n, cells, _, err := sh.next()
			if err != nil {
				break
			}
			if _, err := resolveHeader("", kind, cells, m, required); err == nil {
				return &InputError{Err: fmt.Errorf("sheet %s: row %d looks like the header, but the header must be on row 1; delete the rows above it", sh.name, n)}
			}
		}
	}
	return rowOneErr
}

func (sh *sheet) header() []string { return sh.cells }

// rewind opens the sheet's row iterator again and reads the header.
func (sh *sheet) rewind() error {
	if sh.rows != nil {
		sh.rows.Close()
	}
	if sh.types != nil {
		sh.types.close()
		sh.types = nil
	}
	rows, err := sh.file.Rows(sh.name)
	if err != nil {
		return &InputError{Err: fmt.Errorf("sheet %s: %w", sh.name, err)}
	}
	sh.rows, sh.n = rows, 0
	_, cells, _, err := sh.next()
	if errors.Is(err, io.EOF) {
		return &InputError{Err: fmt.Errorf("sheet %s is empty: it needs a header row", sh.name)}
	}
	if err != nil {
		return err
	}
	sh.cells = cells
	return nil
}

// next returns the cells of the next row that is not blank, as stored
// (dates as serial numbers, numbers unformatted).
func (sh *sheet) next() (int, []string, *FieldProblem, error) {
	if sh.err != nil {
		return 0, nil, nil, sh.err
	}
	for sh.rows.Next() {
		sh.n++
		cells, err := sh.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return 0, nil, nil, fmt.Errorf("sheet %s row %d: %w", sh.name, sh.n, err)
		}
		for _, c := range cells {
			if strings.TrimSpace(c) != "" {
				return sh.n, cells, nil, nil
			}
		}
	}
	if err := sh.rows.Error(); err != nil {
		return 0, nil, nil, fmt.Errorf("sheet %s: %w", sh.name, err)
	}
	return 0, nil, nil, io.EOF
}

// origin names the cell of column col in row n: "tickets!C17".
func (sh *sheet) origin(n, col int) string {
	letter, _ := excelize.ColumnNumberToName(col + 1)
	return sh.name + "!" + letter + strconv.Itoa(n)
}

// value reads a date serial as a timestamp, and a number in an id as the
// integer it is: "123.0" and "1.2345E+05" are 123 and 123450, unless the
// cell was typed as text, which stays as typed.
func (sh *sheet) value(n, col int, field, v string) string {
	switch {
	case field == "created_at":
		return sh.excelDate(v)
	case !idFields[field] || !strings.ContainsAny(v, ".eE"):
		return v
	}
	if sh.types == nil && sh.err == nil {
		sh.types, sh.err = openCellTypes(sh.book, sh.name)
	}
	if sh.err != nil {
		return v
	}
	text, err := sh.types.isText(n, col)
	if err != nil {
		sh.err = fmt.Errorf("sheet %s: reading which cells are text: %w", sh.name, err)
		return v
	}
	if text {
		return v
	}
	return integral(v)
}

func (sh *sheet) close() error {
	err := sh.rows.Close()
	if sh.types != nil {
		err = errors.Join(err, sh.types.close())
	}
	return err
}

// Next returns the next record in the layout's order, and io.EOF after the
// last one. Blank rows are passed over; a value in a column without a
// header is reported as a problem of its row.
func (x *XLSX) Next(ctx context.Context) (Record, error) { return x.recs.next(ctx) }

// excelDateLimit separates Excel serial dates (days since 1900: about 73,000
// in the year 2100) from Unix timestamps (seconds: above 86,400 after 2 Jan 1970).
const excelDateLimit = 100_000

// excelDate turns a date cell's serial number into the wall-clock time it
// is, without a zone (ExcelLocal), which the converter reads in the
// export's; other text is kept.
func (sh *sheet) excelDate(v string) string {
	serial, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || serial <= 0 || serial >= excelDateLimit {
		return v
	}
	t, err := excelize.ExcelDateToTime(serial, sh.date1904)
	if err != nil {
		return v
	}
	t = t.Round(time.Second) // serials carry float noise below a millisecond
	return t.Format(excelLocal)
}

// integral writes a number as the integer it is: "123.0" and "1.2345E+05"
// are 123 and 123450. Anything else is kept.
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
// and "created_at" make "tickets!C17". An origin in a column that no field
// is read from (a comment's cell) names its cell already.
func (x *XLSX) Locate(origin, field string) string {
	bang := strings.LastIndexByte(origin, '!')
	if bang < 0 {
		return origin
	}
	name, ref := origin[:bang], origin[bang+1:]
	digits := strings.IndexAny(ref, "0123456789")
	if digits <= 0 {
		return origin
	}
	col, err := excelize.ColumnNameToNumber(ref[:digits])
	if err != nil {
		return origin
	}
	for i, sh := range x.sheets {
		if sh.name != name {
			continue
		}
		mapped := false
		for _, h := range x.headers[i] {
			mapped = mapped || col-1 < len(h.field) && h.field[col-1] != ""
		}
		if !mapped {
			return origin
		}
		for _, h := range x.headers[i] {
			if c, ok := h.index[field]; ok {
				letter, _ := excelize.ColumnNumberToName(c + 1)
				return name + "!" + letter + ref[digits:]
			}
		}
	}
	return origin
}

// Close closes the sheets' iterators and the workbook (removing its
// temporary files).
func (x *XLSX) Close() error {
	var errs []error
	for _, sh := range x.sheets {
		errs = append(errs, sh.close())
	}
	errs = append(errs, x.file.Close())
	if x.tmp != nil {
		errs = append(errs, x.tmp.Release())
	}
	return errors.Join(errs...)
}
