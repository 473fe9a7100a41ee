package readers

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Limits on what a workbook may unpack to: a real export of a million
// rows unpacks to a few gigabytes; a "zip bomb" of shared strings to far
// more. Past them the workbook is refused, before excelize reads it.
const (
	xlsxUnpackLimit = 16 << 30 // the whole workbook
	xlsxMemoryLimit = 16 << 20 // a part unpacked in memory; larger ones go to a temporary file
	// xlsxMaxSharedStrings bounds the shared strings table, which excelize
	// indexes in memory whatever its size (about 50 bytes a string once it
	// spills to a temporary file, several times that below): a few hundred
	// kilobytes of zipped "<si><t/></si>" would otherwise take gigabytes.
	// 12 million strings, about 600 MB, is more than two full sheets of
	// distinct text hold.
	xlsxMaxSharedStrings = 12_000_000
)

// sharedStringsPart is where a workbook keeps its shared strings.
const sharedStringsPart = "xl/sharedStrings.xml"

// checkWorkbook reads every part of the workbook at path through its
// compression and checksum, so that a damaged one is an error naming it:
// excelize's row iterator stops at a damaged stream as if the sheet had
// ended, which would drop the rest of the sheet without a word. It also
// holds the workbook to xlsxUnpackLimit, counting what the parts really
// unpack to (a part's header may lie), and stops when ctx is cancelled.
func checkWorkbook(ctx context.Context, path string) error {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return fmt.Errorf("%s is not a readable workbook (an .xlsx is a zip archive): %w", path, err)
	}
	defer zr.Close()
	var total int64
	buf := make([]byte, 256<<10)
	for _, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if !strings.HasSuffix(f.Name, ".xml") && !strings.HasSuffix(f.Name, ".rels") {
			continue // images and other media: not read
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("%s: part %s: %w", path, f.Name, err)
		}
		var r io.Reader = rc
		var strs *elementCounter
		if strings.EqualFold(f.Name, sharedStringsPart) {
			strs = &elementCounter{r: rc, name: "si"}
			r = strs
		}
		n, err := copyLimited(ctx, r, buf, xlsxUnpackLimit-total)
		rc.Close()
		total += n
		switch {
		case errors.Is(err, errTooLarge):
			return fmt.Errorf("%s unpacks to more than %d GB: refused as a damaged or hostile workbook", path, xlsxUnpackLimit>>30)
		case err != nil:
			return fmt.Errorf("%s: part %s is damaged (%w): the workbook cannot be read whole; save it again from the spreadsheet program", path, f.Name, err)
		case strs != nil && strs.n > xlsxMaxSharedStrings:
			return fmt.Errorf("%s: its shared strings table holds %d strings (%d MB unpacked from %d kB), more than the %d this tool reads "+
				"(indexing them would take about %d MB of memory): refused as a damaged or hostile workbook; if it is a real export, save its sheets as CSV and read those",
				path, strs.n, n>>20, f.CompressedSize64>>10, xlsxMaxSharedStrings, strs.n*50>>20)
		}
	}
	return nil
}

var errTooLarge = errors.New("over the limit")

// copyLimited reads r to its end, at most limit bytes, checking ctx as it
// goes.
func copyLimited(ctx context.Context, r io.Reader, buf []byte, limit int64) (int64, error) {
	var n int64
	for {
		k, err := r.Read(buf)
		n += int64(k)
		if n > limit {
			return n, errTooLarge
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		if n%(64<<20) < int64(k) && ctx.Err() != nil {
			return n, ctx.Err()
		}
	}
}

// elementCounter counts the elements named name ("<si>", "<si ...>",
// "<x:si>") in the XML read through it, across reads.
type elementCounter struct {
	r    io.Reader
	name string
	n    int
	tail []byte // the end of the last read, where an element may start
}

func (c *elementCounter) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	data := append(c.tail, p[:k]...)
	keep := len(c.name) + 2 // "<" or ":", the name, and what ends it
	for i := 0; i+keep <= len(data); i++ {
		if (data[i] == '<' || data[i] == ':') && string(data[i+1:i+1+len(c.name)]) == c.name {
			switch data[i+1+len(c.name)] {
			case '>', ' ', '/', '\t', '\n', '\r':
				c.n++
			}
		}
	}
	c.tail = append(c.tail[:0], data[max(0, len(data)-keep+1):]...)
	return k, err
}
