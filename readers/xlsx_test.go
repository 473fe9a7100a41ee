package readers_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/assembly-import/assembly-import/internal/testutil"
	"github.com/assembly-import/assembly-import/internal/wine"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
	"github.com/assembly-import/assembly-import/readers/readertest"
)

// date is a cell holding an Excel date: a serial number with a date format.
type date time.Time

// workbook writes sheets of rows (cells: string, number, date, nil) to a
// new workbook, in the 1904 date system when asked.
func workbook(t testing.TB, date1904 bool, sheets map[string][][]any) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if date1904 {
		yes := true
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &yes}); err != nil {
			t.Fatal(err)
		}
	}
	style, err := f.NewStyle(&excelize.Style{NumFmt: 22}) // m/d/yy h:mm
	if err != nil {
		t.Fatal(err)
	}
	epoch := time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	if date1904 {
		epoch = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	first := true
	for name, rows := range sheets {
		if first {
			f.SetSheetName("Sheet1", name)
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			t.Fatal(err)
		}
		for r, row := range rows {
			for c, v := range row {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				switch v := v.(type) {
				case nil:
				case date:
					serial := time.Time(v).Sub(epoch).Hours() / 24
					f.SetCellFloat(name, cell, serial, -1, 64)
					f.SetCellStyle(name, cell, cell, style)
				default:
					f.SetCellValue(name, cell, v)
				}
			}
		}
	}
	path := filepath.Join(wine.TempDir(t), "helpdesk.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

var (
	xTicketsHeader = []any{"ticket_id", "title", "created_at", "requester_email", "body"}
	xRepliesHeader = []any{"reply_id", "ticket_id", "created_at", "author_email", "body"}
	opened         = time.Date(2024, 3, 1, 9, 30, 0, 0, time.UTC)
)

func openXLSX(t *testing.T, path string) *readers.XLSX { return openMappedXLSX(t, path, nil) }

// openMappedXLSX opens a workbook read through a mapping; the test closes it.
func openMappedXLSX(t *testing.T, path string, m *readers.Mapping) *readers.XLSX {
	t.Helper()
	x, err := readers.OpenXLSX(t.Context(), readers.XLSXOptions{Path: path, Mapping: m})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { x.Close() })
	return x
}

func TestXLSXConformance(t *testing.T) {
	path := workbook(t, false, map[string][][]any{
		"tickets": {xTicketsHeader, {1, "Hello", date(opened), "a@x.io", "Hi"}, {2, "Other", "2024-03-02 10:00:00", "b@x.io", "Yo"}},
		"replies": {xRepliesHeader, {"r1", 1, date(opened.Add(time.Hour)), "c@x.io", "Reply"}},
	})
	readertest.Run(t, func(t *testing.T) planner.Source { return openXLSX(t, path) },
		append(readertest.Keys(true, "1", "2"), readertest.Keys(false, "r1")...))
}

func TestXLSXRealWorld(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		path := workbook(t, date1904, map[string][][]any{
			"Tickets": { // sheet names match without regard to case
				{" Ticket_ID ", "Title", "created_at ", "requester_email", "body", "Priority", nil},
				{123450, "Numeric id", date(opened), "a@x.io", "Line one\nLine two", "high"},
				{nil, nil, nil, nil, nil, nil},
				{"T-2", "Text date", "2024-03-02 10:00:00", "b@x.io", "Body", nil},
				{nil}, {nil}, // empty trailing rows
			},
			"REPLIES": {xRepliesHeader, {7, 123450, date(opened.Add(90 * time.Minute)), "c@x.io", "Reply"}},
		})
		x := openXLSX(t, path)
		recs := readAll(t, x)
		if len(recs) != 3 {
			t.Fatalf("1904=%v: %d records, want 3", date1904, len(recs))
		}
		t1, t2, r := recs[0].Ticket, recs[1].Ticket, recs[2].Reply
		if t1.Key != "123450" || !t1.Created.Equal(opened) || t1.Body != "Line one\nLine two" || t1.Extra["Priority"] != "high" || t1.Origin != "Tickets!A2" {
			t.Errorf("1904=%v: ticket 1 = %q %v %q %v %q", date1904, t1.Key, t1.Created, t1.Body, t1.Extra, t1.Origin)
		}
		if t2.Key != "T-2" || !t2.Created.Equal(time.Date(2024, 3, 2, 10, 0, 0, 0, time.UTC)) || t2.Origin != "Tickets!A4" {
			t.Errorf("1904=%v: ticket 2 = %q %v %q", date1904, t2.Key, t2.Created, t2.Origin)
		}
		if r.Key != "7" || r.TicketKey != "123450" || !r.Created.Equal(opened.Add(90*time.Minute)) || r.Origin != "REPLIES!A2" {
			t.Errorf("1904=%v: reply = %q %q %v %q", date1904, r.Key, r.TicketKey, r.Created, r.Origin)
		}
	}
}

func TestXLSXProblemsNameTheirCell(t *testing.T) {
	path := workbook(t, false, map[string][][]any{
		"tickets": {
			xTicketsHeader,
			{"1", "ok", date(opened), "a@x.io", "Hi"},
			{"2", "bad date", "31/02/2024", "a@x.io", "Hi"},
			{"3", nil, date(opened), "a@x.io", "Hi", nil, "a stray note"},
		},
		"replies": {xRepliesHeader, {"r1", "9", date(opened), "c@x.io", "orphan"}},
	})
	plan := testutil.Plan(t, openXLSX(t, path), planner.Options{})
	want := []string{
		"tickets!C3: error: ticket 2 created_at:",
		"tickets!A4: error: ticket 3: column 7 (tickets!G4) holds \"a stray note\" but has no header",
		"tickets!B4: error: ticket 3 title: the title is empty",
		"replies!B2: error: reply r1 ticket_id: there is no ticket 9",
	}
	got := testutil.Problems(plan)
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || strings.HasPrefix(g, w)
		}
		if !found {
			t.Errorf("no problem %q among:\n%s", w, strings.Join(got, "\n"))
		}
	}
}

func TestXLSXStructureErrors(t *testing.T) {
	replies := [][]any{xRepliesHeader}
	tests := []struct {
		name   string
		sheets map[string][][]any
		want   string
	}{
		{"missing sheet", map[string][][]any{"tickets": {xTicketsHeader}},
			`helpdesk.xlsx has no sheet "replies" (its sheets: tickets)`},
		{"missing column", map[string][][]any{"tickets": {{"ticket_id", "title", "requester_email", "body"}}, "replies": replies},
			"sheet tickets row 1: missing column created_at (the header has: ticket_id, title, requester_email, body)"},
		{"header below a title", map[string][][]any{"tickets": {{"Export of 2024-11-01"}, xTicketsHeader}, "replies": replies},
			"sheet tickets: row 2 looks like the header, but the header must be on row 1"},
		{"header below blank rows", map[string][][]any{"tickets": {{nil}, {nil}, xTicketsHeader}, "replies": replies},
			"sheet tickets: row 3 looks like the header"},
		{"empty sheet", map[string][][]any{"tickets": {}, "replies": replies}, "sheet tickets is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readers.OpenXLSX(t.Context(), readers.XLSXOptions{Path: workbook(t, false, tt.sheets)})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("OpenXLSX() = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestSameDataSamePlan reads one helpdesk as CSV and as XLSX: the plans
// must be the same, fingerprint included.
func TestSameDataSamePlan(t *testing.T) {
	dir := writeExport(t,
		"ticket_id,title,created_at,requester_email,body,Priority\n"+
			"1001,Hello,2024-03-01T09:30:00Z,a@x.io,\"Hi,\nthere\",high\n"+
			"1002,Other,2024-03-02 10:00:00,b@x.io,Yo,\n",
		"reply_id,ticket_id,created_at,author_email,body\n"+
			"5,1001,2024-03-01T10:30:00Z,c@x.io,Reply\n")
	path := workbook(t, false, map[string][][]any{
		"tickets": {{"ticket_id", "title", "created_at", "requester_email", "body", "Priority"},
			{1001, "Hello", date(opened), "a@x.io", "Hi,\nthere", "high"},
			{1002, "Other", date(time.Date(2024, 3, 2, 10, 0, 0, 0, time.UTC)), "b@x.io", "Yo"}},
		"replies": {xRepliesHeader, {5, 1001, date(opened.Add(time.Hour)), "c@x.io", "Reply"}},
	})
	src, err := readers.OpenCSV(readers.CSVOptions{Path: dir, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	x, err := readers.OpenXLSX(t.Context(), readers.XLSXOptions{Path: path, Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	a := testutil.Plan(t, src, planner.Options{})
	b := testutil.Plan(t, x, planner.Options{})
	if a.Fingerprint != b.Fingerprint || len(a.Problems)+len(b.Problems) != 0 {
		t.Errorf("CSV and XLSX plans differ: %s vs %s; problems %v %v", a.Fingerprint, b.Fingerprint, a.Problems, b.Problems)
	}
}

// An id typed as text stays as typed, however much it looks like a number
// ("1e3", "3.0", "007"); an id stored as a number with a fraction, as pandas
// writes float ids ("3.0"), is the integer.
func TestXLSXTextIDsStayAsTyped(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "tickets")
	f.NewSheet("replies")
	f.SetSheetRow("tickets", "A1", &[]any{"ticket_id", "title", "created_at", "requester_email", "body"})
	f.SetSheetRow("replies", "A1", &[]any{"reply_id", "ticket_id", "created_at", "author_email", "body"})
	for i, id := range []string{"1e3", "3.0", "007", "number"} {
		row := i + 2
		cell := func(col string) string { return fmt.Sprintf("%s%d", col, row) }
		if id == "number" {
			f.SetCellFloat("tickets", cell("A"), 3, 1, 64) // stored as "3.0", a number
		} else {
			f.SetCellStr("tickets", cell("A"), id)
		}
		f.SetCellStr("tickets", cell("B"), "T")
		f.SetCellStr("tickets", cell("C"), "2024-03-01 10:00:00")
		f.SetCellStr("tickets", cell("D"), "a@x.io")
		f.SetCellStr("tickets", cell("E"), "Hi")
	}
	path := filepath.Join(wine.TempDir(t), "ids.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	x := openXLSX(t, path)
	var got []string
	for {
		rec, err := x.Next(t.Context())
		if err != nil {
			break
		}
		got = append(got, rec.Ticket.Key)
	}
	if want := []string{"1e3", "3.0", "007", "3"}; !slices.Equal(got, want) {
		t.Errorf("ids = %q, want %q", got, want)
	}
}
