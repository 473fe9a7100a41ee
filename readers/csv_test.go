package readers_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assembly-import/assembly-import/internal/wine"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
	"github.com/assembly-import/assembly-import/readers/readertest"
)

// writeExport writes tickets.csv and replies.csv into a new folder.
func writeExport(t *testing.T, tickets, replies string) string {
	t.Helper()
	dir := wine.TempDir(t)
	for name, data := range map[string]string{readers.TicketsFile: tickets, readers.RepliesFile: replies} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// readAll reads every record of a source, failing the test on an error.
func readAll(t *testing.T, src interface {
	Next(context.Context) (readers.Record, error)
}) []readers.Record {
	t.Helper()
	var out []readers.Record
	for {
		rec, err := src.Next(context.Background())
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rec)
	}
}

const (
	ticketsHeader = "ticket_id,title,created_at,requester_email,requester_name,requester_id,company_id,status,tags,body\n"
	repliesHeader = "reply_id,ticket_id,created_at,author_email,author_name,author_id,internal,body,attachments\n"
)

func TestCSVConformance(t *testing.T) {
	dir := writeExport(t,
		ticketsHeader+"1,Hello,2024-01-01T10:00:00Z,a@x.io,A,,,open,,Hi\n2,Other,2024-01-02 10:00:00,b@x.io,B,,,,,Yo\n",
		repliesHeader+"r1,1,2024-01-01T11:00:00Z,c@x.io,C,,,Reply,\n")
	open := func(t *testing.T) planner.Source {
		src, err := readers.OpenCSV(readers.CSVOptions{Path: dir})
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	readertest.Run(t, open, append(readertest.Keys(true, "1", "2"), readertest.Keys(false, "r1")...))
}

func TestCSVRealWorld(t *testing.T) {
	// A BOM, CRLF line ends, headers in another order with stray spaces and
	// capitals, a quoted multi-line body, non-ASCII text, an extra column.
	tickets := "\ufeff Title ,TICKET_ID,created_at,requester_email,body,Priority\r\n" +
		"\"Umlaute: ÄÖÜ\",T1,2024-03-01 09:30:00,anna@example.de,\"Zeile eins\r\nZeile zwei, mit Komma\r\n\"\"zitiert\"\"\",high\r\n" +
		"ログイン,T2,1709285400,yuki@example.jp,本文,\r\n"
	replies := repliesHeader +
		"r1,T1,2024-03-01T10:00:00+01:00,p@example.com,P,,true,\"multi\nline\nreply\",a.png; https://x.example/b.jpg\n" +
		"r2,T2,2024-03-02T10:00:00Z,p@example.com,P,,no,ok,\n"
	dir := writeExport(t, tickets, replies)
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	src, err := readers.OpenCSV(readers.CSVOptions{Path: dir, Location: berlin})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	recs := readAll(t, src)
	if len(recs) != 4 {
		t.Fatalf("got %d records, want 4", len(recs))
	}
	t1, t2, r1, r2 := recs[0].Ticket, recs[1].Ticket, recs[2].Reply, recs[3].Reply
	if t1.Key != "T1" || t1.Title != "Umlaute: ÄÖÜ" || t1.Origin != "tickets.csv:2" {
		t.Errorf("ticket 1 = %q %q %q", t1.Key, t1.Title, t1.Origin)
	}
	if want := "Zeile eins\nZeile zwei, mit Komma\n\"zitiert\""; t1.Body != want {
		t.Errorf("multi-line body = %q, want %q", t1.Body, want)
	}
	if want := time.Date(2024, 3, 1, 8, 30, 0, 0, time.UTC); !t1.Created.Equal(want) {
		t.Errorf("zone-less timestamp in Europe/Berlin = %v, want %v", t1.Created, want)
	}
	if t1.Extra["Priority"] != "high" || len(t1.Extra) != 1 {
		t.Errorf("extra columns = %v, want Priority=high", t1.Extra)
	}
	if t2.Origin != "tickets.csv:5" { // after a body spanning three lines
		t.Errorf("origin after a multi-line row = %q, want tickets.csv:5", t2.Origin)
	}
	if !t2.Created.Equal(time.Unix(1709285400, 0)) || t2.Title != "ログイン" {
		t.Errorf("ticket 2 = %q %v", t2.Title, t2.Created)
	}
	if !r1.Internal || r1.Body != "multi\nline\nreply" || r1.Origin != "replies.csv:2" {
		t.Errorf("reply 1 = internal %v, body %q, origin %q", r1.Internal, r1.Body, r1.Origin)
	}
	if len(r1.Attachments) != 2 || r1.Attachments[0].Path != "a.png" || r1.Attachments[0].Root != dir ||
		r1.Attachments[1].URL != "https://x.example/b.jpg" || r1.Attachments[1].Name != "b.jpg" {
		t.Errorf("attachments = %+v", r1.Attachments)
	}
	if r2.Origin != "replies.csv:5" || r2.Internal {
		t.Errorf("reply 2 origin %q internal %v", r2.Origin, r2.Internal)
	}
}

func TestCSVBadRowsAreReportedWithTheirLine(t *testing.T) {
	tickets := ticketsHeader +
		"1,ok,2024-01-01T00:00:00Z,a@x.io,,,,,,body\n" +
		"2,short row\n" +
		"3,bad time,yesterday,a@x.io,,,,,,body\n" +
		"4,ok again,2024-01-01T00:00:00Z,a@x.io,,,,,,body\n"
	replies := repliesHeader + "r1,1,2024-01-01T00:00:00Z,a@x.io,,,maybe,x,\n"
	src, err := readers.OpenCSV(readers.CSVOptions{Path: writeExport(t, tickets, replies)})
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	recs := readAll(t, src)
	if len(recs) != 5 {
		t.Fatalf("got %d records, want 5 (bad rows are records with problems, never skipped)", len(recs))
	}
	tests := []struct {
		rec          readers.Record
		origin       string
		field, words string
	}{
		{recs[1], "tickets.csv:3", "", "header's 10 fields"},
		{recs[2], "tickets.csv:4", "created_at", `"yesterday" is not a timestamp`},
		{recs[4], "replies.csv:2", "internal", `"maybe" is not a yes/no value`},
	}
	for _, tt := range tests {
		var ps []readers.FieldProblem
		if tt.rec.Ticket != nil {
			ps = tt.rec.Ticket.Problems
		} else {
			ps = tt.rec.Reply.Problems
		}
		if tt.rec.Origin() != tt.origin || len(ps) != 1 || ps[0].Field != tt.field || !strings.Contains(ps[0].Message, tt.words) {
			t.Errorf("%s: problems %+v, want field %q saying %q", tt.rec.Origin(), ps, tt.field, tt.words)
		}
	}
	if recs[3].Ticket.Key != "4" || len(recs[3].Ticket.Problems) != 0 {
		t.Errorf("the row after bad ones = %+v, want ticket 4 without problems", recs[3].Ticket)
	}
}

// A stray quote makes the reader run on to the next quote: the rows in
// between are never messages of their own. Whether the run ends in a
// parse error or in cells that come out right, the row is unreadable,
// naming where the quote is and how many lines it took; multi-line bodies
// that hold no such rows are read as they are.
func TestCSVRunawayQuote(t *testing.T) {
	row := func(id, body string) string { return id + ",1,2024-01-01T00:00:00Z,a@x.io,,,,\"" + body + "\",\n" }
	tests := []struct {
		name, replies string
		want          []string // per record: its key, or the problem's words
	}{
		{"to the end of the file", repliesHeader + row("r1", "fine") + "r2,1,2024-01-01T00:00:00Z,a@x.io,,,,\"He said hi,\n" +
			"r3,1,2024-01-01T00:00:00Z,a@x.io,,,,next,\nr4,1,2024-01-01T00:00:00Z,a@x.io,,,,more,\n",
			[]string{"r1", "starts on line 3 and runs to line 5 (3 lines) without its closing quote"}},
		{"to a later quote, cells right", repliesHeader + row("r1", "fine") + "r2,1,2024-01-01T00:00:00Z,a@x.io,,,,\"He said hi\n" +
			"r3,1,2024-01-01T00:00:00Z,a@x.io,,,,next,\nr4,1,2024-01-01T00:00:00Z,a@x.io,,,,more\",\n" + row("r5", "last"),
			[]string{"r1", "the quoted field in column 8 starts on line 3 and runs over 3 lines, which hold what looks like rows", "r5"}},
		{"a body over lines", repliesHeader + row("r1", "Hello,\n\nline two, with a comma\n-- \nAnn") + row("r2", "ok"),
			[]string{"r1", "r2"}},
		{"in the last column, to a later quote", strings.TrimSuffix(repliesHeader, ",attachments\n") + "\n" +
			"r1,1,2024-01-01T00:00:00Z,a@x.io,,,,fine\nr2,1,2024-01-01T00:00:00Z,a@x.io,,,,\"He said hi\n" +
			"r3,1,2024-01-01T00:00:00Z,a@x.io,,,,next\nr4,1,2024-01-01T00:00:00Z,a@x.io,,,,more\"\nr5,1,2024-01-01T00:00:00Z,a@x.io,,,,last\n",
			[]string{"r1", "the quoted field in column 8 starts on line 3 and runs over 3 lines, which hold what looks like rows", "r5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := readers.OpenCSV(readers.CSVOptions{Path: writeExport(t, ticketsHeader+"1,Hello,2024-01-01T10:00:00Z,a@x.io,,,,open,,Hi\n", tt.replies)})
			if err != nil {
				t.Fatal(err)
			}
			defer src.Close()
			var got []string
			for _, r := range readAll(t, src)[1:] {
				if len(r.Reply.Problems) > 0 {
					p := r.Reply.Problems[0]
					if !p.Unreadable {
						t.Errorf("%s: problem %+v is not marked unreadable", r.Origin(), p)
					}
					got = append(got, p.Message)
				} else {
					got = append(got, r.Reply.Key)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("records %q, want %q", got, tt.want)
			}
			for i := range got {
				if !strings.Contains(got[i], tt.want[i]) {
					t.Errorf("record %d = %q, want %q", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestCSVHeaderErrors(t *testing.T) {
	tests := []struct {
		name, tickets, replies, want string
	}{
		{"missing column", "ticket_id,created_at,requester_email,body\n", repliesHeader,
			"tickets.csv line 1: missing column title (the header has: ticket_id, created_at, requester_email, body)"},
		{"no identity", ticketsHeader, "reply_id,ticket_id,created_at,author_name,body\n",
			"replies.csv line 1: missing column author_email or author_id"},
		{"duplicate column", "ticket_id,title,Title,created_at,requester_email,body\n", repliesHeader,
			`tickets.csv line 1: column "title" appears 2 times in the header, and title takes one value`},
		{"empty file", "", repliesHeader, "tickets.csv: the file is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readers.OpenCSV(readers.CSVOptions{Path: writeExport(t, tt.tickets, tt.replies)})
			var ie *readers.InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("OpenCSV() = %v, want an InputError containing %q", err, tt.want)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		_, err := readers.OpenCSV(readers.CSVOptions{Path: wine.TempDir(t)})
		if err == nil || !strings.Contains(err.Error(), "tickets.csv") {
			t.Fatalf("OpenCSV(empty dir) = %v, want an error naming tickets.csv", err)
		}
	})
}

func TestParseTime(t *testing.T) {
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	tests := []struct {
		in   string
		loc  *time.Location
		want time.Time
		note string // a word of the daylight-saving note
		bad  string // a word of the error
	}{
		{in: "2024-06-10T18:34:00Z", want: utc(2024, 6, 10, 18, 34, 0, 0)},
		{in: "2024-06-10T20:34:00.5+02:00", want: utc(2024, 6, 10, 18, 34, 0, 5e8)},
		{in: "2024-06-10T20:34:00.123456+0200", want: utc(2024, 6, 10, 18, 34, 0, 123456000)},
		{in: "2024-06-10 18:34:00", want: utc(2024, 6, 10, 18, 34, 0, 0)},
		{in: "2024-06-10 18:34:00.25", want: utc(2024, 6, 10, 18, 34, 0, 25e7)},
		{in: "2024-06-10 14:34:00", loc: ny, want: utc(2024, 6, 10, 18, 34, 0, 0)},
		{in: "2024-03-07 14:22:10 +0100", loc: ny, want: utc(2024, 3, 7, 13, 22, 10, 0)}, // Zendesk
		{in: "2024-03-07 14:22:10 UTC", loc: ny, want: utc(2024, 3, 7, 14, 22, 10, 0)},   // Zammad
		{in: "2024-03-07 14:22:10.5+01", want: utc(2024, 3, 7, 13, 22, 10, 5e8)},         // PostgreSQL text
		{in: "Thu, 07 Mar 2024 14:22:10 +0100", want: utc(2024, 3, 7, 13, 22, 10, 0)},
		{in: "Thu, 07 Mar 2024 14:22:10 GMT", loc: ny, want: utc(2024, 3, 7, 14, 22, 10, 0)},
		{in: " 1718044440 ", want: utc(2024, 6, 10, 18, 34, 0, 0)},
		{in: "2024-03-31 02:30:00", loc: berlin, want: utc(2024, 3, 31, 1, 30, 0, 0), note: "does not exist in Europe/Berlin"},
		{in: "2024-10-27 02:30:00", loc: berlin, want: utc(2024, 10, 27, 0, 30, 0, 0), note: "happened twice in Europe/Berlin"},
		{in: "2024-10-27 03:30:00", loc: berlin, want: utc(2024, 10, 27, 2, 30, 0, 0)},
		{in: "2024-03-07 14:22:10 CET", bad: "not a timestamp"}, // an abbreviation Go would read as UTC
		{in: "03/07/2024 14:22", bad: `time_format, written as Go writes 2006-01-02 15:04:05: "02/01/2006 15:04" for day/month/year`},
		{in: "1718044440000", bad: "milliseconds"},
		{in: "", bad: "empty"},
	}
	for _, tt := range tests {
		loc := tt.loc
		if loc == nil {
			loc = time.UTC
		}
		got, note, err := readers.ParseTime(tt.in, loc)
		switch {
		case tt.bad != "":
			if err == nil || !strings.Contains(err.Error(), tt.bad) {
				t.Errorf("ParseTime(%q) = %v, %v; want an error saying %q", tt.in, got, err, tt.bad)
			}
		case err != nil || !got.Equal(tt.want):
			t.Errorf("ParseTime(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		case (tt.note == "") != (note == "") || !strings.Contains(note, tt.note):
			t.Errorf("ParseTime(%q) note %q, want one saying %q", tt.in, note, tt.note)
		}
	}
}

func TestParseTimeLayouts(t *testing.T) {
	layouts := []string{"02/Jan/06 3:04 PM", "02/01/2006 15:04"}
	for in, want := range map[string]time.Time{
		"04/Mar/24 5:10 PM":    time.Date(2024, 3, 4, 17, 10, 0, 0, time.UTC),
		"03/07/2024 14:22":     time.Date(2024, 7, 3, 14, 22, 0, 0, time.UTC),
		"2024-07-03T14:22:00Z": time.Date(2024, 7, 3, 14, 22, 0, 0, time.UTC), // an XLSX date cell
	} {
		if got, _, err := readers.ParseTimeLayouts(in, layouts, time.UTC); err != nil || !got.Equal(want) {
			t.Errorf("ParseTimeLayouts(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, _, err := readers.ParseTimeLayouts("2024/07/03", layouts, time.UTC); err == nil || !strings.Contains(err.Error(), "time_format") {
		t.Errorf("an unmatched time: %v", err)
	}
}

func TestTimeFormatList(t *testing.T) {
	dir := wine.TempDir(t)
	for name, text := range map[string]string{
		"one.yaml":  "time_format: \"02/01/2006 15:04\"\n",
		"list.yaml": "time_format: [\"02/01/2006 15:04\", \"2006-01-02\"]\n",
		"one.json":  `{"time_format": "02/01/2006 15:04"}`,
		"list.json": `{"time_format": ["02/01/2006 15:04", "2006-01-02"]}`,
	} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(text), 0o644)
		m, err := readers.LoadMapping(path)
		want := 1
		if strings.HasPrefix(name, "list") {
			want = 2
		}
		if err != nil || len(m.TimeFormat) != want || m.TimeFormat[0] != "02/01/2006 15:04" {
			t.Errorf("%s: %+v, %v", name, m, err)
		}
	}
}

func TestUserMap(t *testing.T) {
	path := filepath.Join(wine.TempDir(t), "users.csv")
	os.WriteFile(path, []byte("\ufeffemail,source_id,name,assembly_id\nAgent@Example.com,,,u-1\n,c-9,,u-2\n,,Visitor  8812,u-3\n"), 0o644)
	m, err := readers.ReadUserMap(path)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   readers.User
		want string
	}{
		{readers.User{Email: "agent@example.COM"}, "u-1"},
		{readers.User{Email: "x@example.com", SourceID: "c-9"}, "u-2"},
		{readers.User{Email: "x@example.com"}, ""},
		{readers.User{Email: "agent@example.com", AssemblyID: "given"}, "given"},
		{readers.User{Name: "visitor 8812"}, "u-3"},
		{readers.User{Email: "x@example.com", Name: "Visitor 8812"}, ""}, // a customer with the name of a mapped person, and an email of their own
		{readers.User{SourceID: "c-10", Name: "Visitor 8812"}, ""},
		{readers.User{Name: "Visitor 8813"}, ""},
	}
	for _, tt := range tests {
		u := tt.in
		m.Apply(&u)
		if u.AssemblyID != tt.want {
			t.Errorf("Apply(%+v) id = %q, want %q", tt.in, u.AssemblyID, tt.want)
		}
	}
	if !m.Apply(&readers.User{Name: "Visitor 8812"}) || m.Apply(&readers.User{Email: "agent@example.com"}) {
		t.Error("Apply says a match by name is by name, and one by email is not")
	}
	os.WriteFile(path, []byte("email,id\na@b.c,1\n"), 0o644)
	if _, err := readers.ReadUserMap(path); err == nil || !strings.Contains(err.Error(), "users.csv line 1: need the columns assembly_id") {
		t.Errorf("ReadUserMap(wrong header) = %v", err)
	}
	os.WriteFile(path, []byte("name,assembly_id\nAnn Lee,u-1\nann lee,u-2\n"), 0o644)
	if _, err := readers.ReadUserMap(path); err == nil || !strings.Contains(err.Error(), `users.csv line 3: the name "ann lee" is also on line 2 with another assembly_id`) {
		t.Errorf("ReadUserMap(one name, two ids) = %v", err)
	}
	os.WriteFile(path, []byte("email,assembly_id\na@b.c,\n"), 0o644)
	if _, err := readers.ReadUserMap(path); err == nil || !strings.Contains(err.Error(), "users.csv line 2") {
		t.Errorf("ReadUserMap(row without id) = %v", err)
	}
}
