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
)

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
		n, err := copyLimited(ctx, rc, buf, xlsxUnpackLimit-total)
		rc.Close()
		total += n
		switch {
		case errors.Is(err, errTooLarge):
			return fmt.Errorf("%s unpacks to more than %d GB: refused as a damaged or hostile workbook", path, xlsxUnpackLimit>>30)
		case err != nil:
			return fmt.Errorf("%s: part %s is damaged (%w): the workbook cannot be read whole; save it again from the spreadsheet program", path, f.Name, err)
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
