package readers_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/assembly-import/assembly-import/internal/wine"
	"github.com/assembly-import/assembly-import/readers"
)

// rewriteWorkbook copies the workbook at path, passing each part's bytes
// through change, storing the replies sheet uncompressed (so that a flipped
// byte there is a bad checksum, not a broken stream).
func rewriteWorkbook(t *testing.T, path string, change func(name string, compressed []byte) []byte) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	zw.Close()
	// Damage the compressed bytes of the part change picks, in place.
	raw := buf.Bytes()
	zr2, _ := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	for _, f := range zr2.File {
		off, err := f.DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		part := raw[off : off+int64(f.CompressedSize64)]
		copy(part, change(f.Name, bytes.Clone(part)))
	}
	out := filepath.Join(wine.TempDir(t), "damaged.xlsx")
	os.WriteFile(out, raw, 0o644)
	return out
}

// A workbook whose replies sheet is damaged half-way is an error naming the
// part, not a sheet that seems to end early (excelize's iterator would stop
// there without an error, dropping the rest of the replies).
func TestXLSXDamagedSheet(t *testing.T) {
	rows := [][]any{xRepliesHeader}
	for i := range 400 {
		rows = append(rows, []any{fmt.Sprint("r", i), 1, date(opened), "c@x.io", strings.Repeat(fmt.Sprint("reply ", i, " "), 20)})
	}
	path := workbook(t, false, map[string][][]any{
		"tickets": {xTicketsHeader, {1, "Hello", date(opened), "a@x.io", "Hi"}},
		"replies": rows,
	})
	damaged := rewriteWorkbook(t, path, func(name string, compressed []byte) []byte {
		if strings.HasPrefix(name, "xl/worksheets/") && len(compressed) > 4096 {
			for i := len(compressed) / 2; i < len(compressed)/2+64; i++ {
				compressed[i] ^= 0x5a
			}
		}
		return compressed
	})
	_, err := readers.OpenXLSX(t.Context(), readers.XLSXOptions{Path: damaged})
	var ie *readers.InputError
	if err == nil || !strings.Contains(err.Error(), "is damaged") || !strings.Contains(err.Error(), "xl/worksheets/") {
		t.Fatalf("OpenXLSX(damaged) = %v, want an error naming the damaged part", err)
	}
	if !errors.As(err, &ie) {
		t.Errorf("%v is not an InputError", err)
	}
	if _, err := readers.OpenXLSX(t.Context(), readers.XLSXOptions{Path: path}); err != nil {
		t.Errorf("the intact workbook: %v", err)
	}
}

// A shared strings table of millions of empty strings zips to under a
// megabyte and would take excelize gigabytes to index: it is refused at
// open, naming its count and what it would cost, in bounded memory.
func TestXLSXSharedStringsBomb(t *testing.T) {
	path := workbook(t, false, map[string][][]any{
		"tickets": {xTicketsHeader, {1, "Hello", date(opened), "a@x.io", "Hi"}},
		"replies": {xRepliesHeader},
	})
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	bomb := filepath.Join(wine.TempDir(t), "bomb.xlsx")
	out, _ := os.Create(bomb)
	zw := zip.NewWriter(out)
	for _, f := range zr.File {
		w, _ := zw.CreateHeader(&zip.FileHeader{Name: f.Name, Method: zip.Deflate})
		if f.Name != "xl/sharedStrings.xml" {
			rc, _ := f.Open()
			io.Copy(w, rc)
			rc.Close()
			continue
		}
		io.WriteString(w, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">`)
		item := bytes.Repeat([]byte("<si><t/></si>"), 100_000)
		for range 121 { // 12.1 million strings
			w.Write(item)
		}
		io.WriteString(w, `</sst>`)
	}
	zw.Close()
	out.Close()
	if fi, _ := os.Stat(bomb); fi.Size() > 2<<20 {
		t.Fatalf("the bomb is %d bytes; want it small", fi.Size())
	}
	_, err = readers.OpenXLSX(t.Context(), readers.XLSXOptions{Path: bomb})
	if err == nil || !strings.Contains(err.Error(), "its shared strings table holds 12100000 strings") {
		t.Fatalf("OpenXLSX(bomb) = %v, want a refusal naming the count", err)
	}
}
