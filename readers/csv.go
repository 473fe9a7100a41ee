package readers

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The files a CSV export directory holds.
const (
	TicketsFile = "tickets.csv"
	RepliesFile = "replies.csv"
)

// CSVOptions configures a CSV source.
type CSVOptions struct {
	// Path is the export: a folder holding tickets.csv and replies.csv
	// (layout tickets-and-replies) or, in the one-table layouts, the file.
	Path string
	// Location is the time zone of timestamps written without one; nil is
	// UTC. A mapping's timezone takes precedence.
	Location *time.Location
	// AttachmentsRoot is the folder attachment paths are relative to; empty
	// means the export's folder.
	AttachmentsRoot string
	// Mapping adapts foreign headers, formats and layouts; nil reads
	// canonical columns.
	Mapping *Mapping
}

// CSV streams a CSV export one row in memory at a time, in its layout:
// every ticket of tickets.csv, then every reply of replies.csv; or the rows
// of one file of messages, or of tickets with their comments. It is not
// safe for concurrent use.
type CSV struct {
	tables []table
	recs   records
	conv   *converter
}

// Notes says what reading found of the whole export; call it after the
// last record.
func (c *CSV) Notes() []Note { return c.conv.notes() }

// Files returns the files the export's layout reads: tickets.csv and
// replies.csv in the folder, or the one file.
func (opts CSVOptions) Files() []string {
	if opts.Mapping.layout() != LayoutTicketsAndReplies {
		return []string{opts.Path}
	}
	return []string{filepath.Join(opts.Path, TicketsFile), filepath.Join(opts.Path, RepliesFile)}
}

// files checks the export is a folder or a file as its layout needs, and
// returns its files.
func (opts CSVOptions) files() ([]string, error) {
	layout := opts.Mapping.layout()
	info, err := os.Stat(opts.Path)
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("%s: %w", opts.Path, err)}
	}
	switch {
	case layout == LayoutTicketsAndReplies && !info.IsDir():
		return nil, &InputError{Err: fmt.Errorf("%s is one file; the layout it is read in (%s) needs a folder with %s and %s. "+
			"For one file, say its layout in the mapping (layout: messages, or layout: tickets-with-comments). The layouts are %s",
			opts.Path, layout, TicketsFile, RepliesFile, layoutsHelp)}
	case layout != LayoutTicketsAndReplies && info.IsDir():
		return nil, &InputError{Err: fmt.Errorf("%s is a folder; layout %s reads one file: give its path", opts.Path, layout)}
	}
	files := opts.Files()
	for _, f := range files {
		if _, err := os.Stat(f); errors.Is(err, fs.ErrNotExist) {
			return nil, &InputError{Err: fmt.Errorf("%s has no %s: a folder export holds %s and %s (it has: %s). "+
				"An export in another shape may still be read with a mapping; the layouts are %s",
				opts.Path, filepath.Base(f), TicketsFile, RepliesFile, listFolder(opts.Path), layoutsHelp)}
		}
	}
	return files, nil
}

// listFolder names up to ten files of a folder, for messages.
func listFolder(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		return "nothing"
	}
	var names []string
	for i, e := range entries {
		if i == 10 {
			names = append(names, fmt.Sprintf("and %d more", len(entries)-10))
			break
		}
		names = append(names, e.Name())
	}
	return strings.Join(names, ", ")
}

// OpenCSV opens an export's files and checks their headers, so a missing
// file or column is reported before anything is read.
func OpenCSV(opts CSVOptions) (*CSV, error) {
	files, err := opts.files()
	if err != nil {
		return nil, err
	}
	root := opts.AttachmentsRoot
	if root == "" {
		root = opts.Path
		if len(files) == 1 {
			root = filepath.Dir(opts.Path)
		}
	}
	conv, err := newConverter(opts.Mapping, opts.Location, root)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	c := &CSV{conv: conv}
	for _, path := range files {
		t, err := openCSVTable(path, opts.Mapping)
		if err != nil {
			c.Close()
			return nil, err
		}
		c.tables = append(c.tables, t)
	}
	headers := make([]string, len(c.tables))
	for i, t := range c.tables {
		headers[i] = t.(*csvTable).name + " line 1"
	}
	if c.recs, _, err = layoutRecords(conv, opts.Mapping, c.tables, headers); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Next returns the next record, and io.EOF after the last one. A row that
// cannot be parsed (a wrong number of fields, a stray quote) is returned
// as a record whose Problems say why, so it is reported, never skipped;
// errors reading the files end the stream.
func (c *CSV) Next(ctx context.Context) (Record, error) { return c.recs.next(ctx) }

// Close closes the files.
func (c *CSV) Close() error {
	var errs []error
	for _, t := range c.tables {
		errs = append(errs, t.close())
	}
	return errors.Join(errs...)
}

// InputError is a problem with the input as a whole — a missing file or
// column — that the user must fix; it is printed plainly, without a trace.
type InputError struct{ Err error }

func (e *InputError) Error() string { return e.Err.Error() }
func (e *InputError) Unwrap() error { return e.Err }
