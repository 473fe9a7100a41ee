package readers

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/xuri/excelize/v2"
)

// cellTypes reads a sheet's XML beside excelize's row iterator, in step
// with it, for what the iterator does not say: whether a cell was typed as
// text. An id cell reading "3.0" or "1e3" is the number 3 or 1000 when it
// is a number (pandas writes float ids so), and exactly that text when it
// was typed as text. It is opened only when such a cell comes up — rare —
// and costs one more pass over the sheet's XML from that row on, one row
// in memory.
type cellTypes struct {
	zr   *zip.ReadCloser
	part io.ReadCloser
	dec  *xml.Decoder
	row  int          // the row whose cells text describes
	text map[int]bool // the columns (from 0) of row typed as text
}

// openCellTypes opens the XML of the sheet named sheet in the workbook at
// book.
func openCellTypes(book, sheet string) (*cellTypes, error) {
	zr, err := zip.OpenReader(book)
	if err != nil {
		return nil, err
	}
	name, err := sheetPart(&zr.Reader, sheet)
	if err == nil {
		for _, f := range zr.File {
			if f.Name == name {
				part, err := f.Open()
				if err != nil {
					break
				}
				return &cellTypes{zr: zr, part: part, dec: xml.NewDecoder(part), text: map[int]bool{}}, nil
			}
		}
		err = fmt.Errorf("the workbook has no part %s for sheet %s", name, sheet)
	}
	zr.Close()
	return nil, err
}

// sheetPart finds the part that holds a sheet: workbook.xml names the
// sheet's relationship, workbook.xml.rels the relationship's target.
func sheetPart(zr *zip.Reader, sheet string) (string, error) {
	var book struct {
		Sheets []struct {
			Name string     `xml:"name,attr"`
			Attr []xml.Attr `xml:",any,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := decodePart(zr, "xl/workbook.xml", &book); err != nil {
		return "", err
	}
	if err := decodePart(zr, "xl/_rels/workbook.xml.rels", &rels); err != nil {
		return "", err
	}
	for _, s := range book.Sheets {
		if s.Name != sheet {
			continue
		}
		for _, a := range s.Attr {
			if a.Name.Local != "id" {
				continue
			}
			for _, r := range rels.Rels {
				if r.ID == a.Value {
					if strings.HasPrefix(r.Target, "/") {
						return strings.TrimPrefix(r.Target, "/"), nil
					}
					return path.Join("xl", r.Target), nil
				}
			}
		}
	}
	return "", fmt.Errorf("workbook.xml does not say where sheet %s is", sheet)
}

func decodePart(zr *zip.Reader, name string, v any) error {
	f, err := zr.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	return xml.NewDecoder(f).Decode(v)
}

// isText reports whether the cell at column col of row n was typed as
// text. Rows are asked for in increasing order.
func (c *cellTypes) isText(n, col int) (bool, error) {
	for c.row < n {
		if err := c.nextRow(); errors.Is(err, io.EOF) {
			return false, nil
		} else if err != nil {
			return false, err
		}
	}
	return c.row == n && c.text[col], nil
}

// nextRow reads the next row element and the types of its cells.
func (c *cellTypes) nextRow() error {
	for {
		tok, err := c.dec.Token()
		if err != nil {
			return err
		}
		start, ok := tok.(xml.StartElement)
		if !ok || start.Name.Local != "row" {
			continue
		}
		c.row++
		if r := attr(start, "r"); r != "" {
			fmt.Sscan(r, &c.row)
		}
		clear(c.text)
		col := -1
		for {
			tok, err := c.dec.Token()
			if err != nil {
				return err
			}
			switch el := tok.(type) {
			case xml.StartElement:
				col++
				if ref := attr(el, "r"); ref != "" {
					if x, _, err := excelize.CellNameToCoordinates(ref); err == nil {
						col = x - 1
					}
				}
				switch attr(el, "t") {
				case "s", "str", "inlineStr":
					c.text[col] = true
				}
				if err := c.dec.Skip(); err != nil {
					return err
				}
			case xml.EndElement:
				return nil // the row's end
			}
		}
	}
}

func attr(el xml.StartElement, name string) string {
	for _, a := range el.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (c *cellTypes) close() error {
	return errors.Join(c.part.Close(), c.zr.Close())
}
