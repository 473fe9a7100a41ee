package readers

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// Shape is an export the tool knows by its headers or keys.
type Shape struct {
	Name    string // "jira-csv"
	Product string // what produces it, for people
	// Profile is the built-in mapping it plans with ("" when it needs
	// none: the tool's own columns, or a database preset).
	Profile string
	// Preset is the Postgres preset of a helpdesk's database dump.
	Preset string
	// Lacks says what the export does not carry; Unusable, when set, why
	// it cannot be migrated and what to export instead.
	Lacks    []string
	Unusable string
}

// Table is one table of an export: a CSV file or a sheet, its header and
// its first rows.
type Table struct {
	Name     string // "tickets.csv", "sheet tickets"
	Header   []string
	Rows     [][]string // up to sampleRows
	Encoding string     // the encoding the header needed ("" for UTF-8)
}

// Finding is what Inspect found in an export.
type Finding struct {
	Path   string
	Source string // the flag that reads it: --csv, --xlsx, --json, --pg-dump
	Tables []Table
	// Keys are a JSON export's first ticket's keys.
	Keys  []string
	Shape *Shape // nil when not recognised
	// Guess is the layout and columns inspect proposes for an export it
	// does not recognise (or a profile's, for one it does).
	Guess *Guess
	// People is the path of a people directory found beside the export
	// ("" for none).
	People string
	// mappingDir is where the starting mapping goes: paths in it are
	// relative to it.
	mappingDir string
}

// sampleRows is how many rows of each table Inspect reads to guess formats.
const sampleRows = 200

// shapes are the exports Inspect recognises, by the columns (normalized)
// or keys that mark each.
var shapes = []struct {
	Shape
	csv  []string // all of these columns
	none []string // none of these
}{
	{Shape: Shape{Name: "jira-csv", Product: "Jira (Service Management) CSV export, all fields", Profile: "jira",
		Lacks: []string{"people's emails: Jira Cloud names them by account id (give the Atlassian user export with --people)"}},
		csv: []string{"summary", "issue key", "comment"}},
	{Shape: Shape{Name: "chat-messages", Product: "a chat tool's conversation export, a row per conversation part (Intercom-style)", Profile: "chat-messages",
		Lacks: []string{"a subject (the conversation id is the title)", "visitors' emails (give --default-author)"}},
		csv: []string{"conversation id", "part type", "body"}},
	{Shape: Shape{Name: "zendesk-csv", Product: "Zendesk's CSV export",
		Lacks:    []string{"the conversation: no description and no comments"},
		Unusable: "Zendesk's CSV export has no conversation (no description, no comments): use its JSON export (Admin Center › Account › Tools › Reports › Export: JSON) with --json; the users file beside it names the people"},
		csv: []string{"id", "subject", "requester", "via", "requester wait time in minutes"}, none: []string{"description", "comment", "body"}},
	{Shape: Shape{Name: "helpscout-csv", Product: "Help Scout's conversation CSV (from a report or search)",
		Lacks:    []string{"the threads: the CSV lists conversations, not their messages"},
		Unusable: "Help Scout's CSV lists conversations without their threads: fetch the conversations with their threads through Help Scout's Mailbox API (embed=threads) as JSON and read them with --json and the mapping in docs/json.md"},
		csv: []string{"mailbox", "customer email", "subject"}, none: []string{"body", "text", "message", "thread", "description"}},
}

// Inspect reads the start of an export — a folder, a CSV, XLSX or JSON
// file, or a Postgres dump — and says what it is: the shape it recognises,
// or the layout and columns that fit best.
// mappingDir is the folder the starting mapping will be written to ("" for
// the current one): the paths it names are relative to it.
func Inspect(ctx context.Context, path, mappingDir string) (*Finding, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	f := &Finding{Path: path, mappingDir: mappingDir}
	if st.IsDir() {
		err = f.folder(ctx)
	} else {
		err = f.file(ctx, path)
	}
	if err != nil {
		return nil, err
	}
	f.recognise()
	if f.Shape == nil || f.Shape.Profile != "" {
		f.Guess = guess(f)
	}
	return f, nil
}

// folder inspects an export folder: the tool's tickets.csv and replies.csv,
// a JSON export's ticket file, or a folder holding one file of a known kind.
func (f *Finding) folder(ctx context.Context) error {
	if _, err := os.Stat(filepath.Join(f.Path, TicketsFile)); err == nil {
		f.Source = "--csv"
		for _, name := range []string{TicketsFile, RepliesFile} {
			t, err := csvSample(filepath.Join(f.Path, name))
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return err
			}
			f.Tables = append(f.Tables, *t)
		}
		f.People = peopleBeside(f.Path)
		return nil
	}
	if file, err := jsonTicketFile(f.Path); err == nil {
		return f.file(ctx, file)
	}
	entries, err := os.ReadDir(f.Path)
	if err != nil {
		return &InputError{Err: err}
	}
	var candidates []string
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".csv", ".xlsx", ".json", ".jsonl", ".ndjson", ".sql", ".dump":
			if !isPeopleFile(filepath.Join(f.Path, e.Name())) {
				candidates = append(candidates, e.Name())
			}
		}
	}
	if len(candidates) != 1 {
		return &InputError{Err: fmt.Errorf("%s: no %s, and %d files that may be an export (%s): inspect one of them", f.Path, TicketsFile, len(candidates), listFolder(f.Path))}
	}
	return f.file(ctx, filepath.Join(f.Path, candidates[0]))
}

// file inspects one file, by its extension, then its first bytes.
func (f *Finding) file(ctx context.Context, path string) error {
	f.Path = path
	f.People = peopleBeside(filepath.Dir(path))
	switch strings.ToLower(filepath.Ext(path)) {
	case ".xlsx", ".xlsm":
		f.Source = "--xlsx"
		tables, err := xlsxSample(ctx, path)
		f.Tables = tables
		return err
	case ".json", ".jsonl", ".ndjson":
		f.Source = "--json"
		keys, err := jsonKeys(path)
		f.Keys = keys
		return err
	case ".sql", ".dump", ".backup":
		f.Source = "--pg-dump"
		return nil
	}
	head, err := readHead(path, 8)
	if err != nil {
		return err
	}
	switch {
	case bytes.HasPrefix(head, []byte("PGDMP")):
		f.Source = "--pg-dump"
		return nil
	case bytes.HasPrefix(head, []byte("PK")):
		f.Source = "--xlsx"
		tables, err := xlsxSample(ctx, path)
		f.Tables = tables
		return err
	case len(bytes.TrimLeft(head, " \t\r\n")) > 0 && strings.ContainsRune("[{", rune(bytes.TrimLeft(head, " \t\r\n")[0])):
		f.Source = "--json"
		keys, err := jsonKeys(path)
		f.Keys = keys
		return err
	}
	f.Source = "--csv"
	t, err := csvSample(path)
	if err != nil {
		return err
	}
	f.Tables = []Table{*t}
	return nil
}

// readHead returns the first n bytes of a file (fewer when it is shorter).
func readHead(path string, n int) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	defer fh.Close()
	buf := make([]byte, n)
	k, err := io.ReadFull(fh, buf)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return nil, &InputError{Err: fmt.Errorf("%s: %w", path, err)}
	}
	return buf[:k], nil
}

// csvSample reads a CSV file's header and first rows, as the CSV reader
// would (byte-order mark, delimiter); a header that is not UTF-8 is read
// again as Windows-1252, what Excel saves on Windows.
func csvSample(path string) (*Table, error) {
	head, err := readHead(path, 64<<10)
	if err != nil {
		return nil, err
	}
	var m *Mapping
	enc := ""
	// The whole lines of the head, which may end inside a character.
	if i := bytes.LastIndexByte(head, '\n'); i > 0 {
		head = head[:i]
	}
	if !utf8.Valid(head) && !bytes.HasPrefix(head, []byte{0xff, 0xfe}) && !bytes.HasPrefix(head, []byte{0xfe, 0xff}) {
		enc = "windows-1252"
		m = &Mapping{Encoding: enc}
	}
	t, err := openCSVTable(path, m)
	if err != nil {
		return nil, err
	}
	defer t.close()
	out := &Table{Name: filepath.Base(path), Header: slices.Clone(t.header()), Encoding: enc}
	for len(out.Rows) < sampleRows {
		_, cells, _, err := t.next()
		if err != nil {
			break // the sample ends at the file's end, or at a row plan will name
		}
		out.Rows = append(out.Rows, slices.Clone(cells))
	}
	return out, nil
}

// xlsxSample reads each sheet's header and first rows.
func xlsxSample(ctx context.Context, path string) ([]Table, error) {
	x, err := openWorkbook(ctx, path)
	if err != nil {
		return nil, err
	}
	defer x.Close()
	var tables []Table
	for _, name := range x.file.GetSheetList() {
		sh, err := x.openSheet(filepath.Base(path), name)
		if err != nil {
			continue // an empty sheet, or one whose header is not on row 1: not a table of the export
		}
		t := Table{Name: "sheet " + name, Header: sh.cells}
		for len(t.Rows) < sampleRows {
			_, cells, _, err := sh.next()
			if err != nil {
				break
			}
			t.Rows = append(t.Rows, cells) // as stored: a date is a serial number, read as a date by the workbook reader
		}
		sh.rows.Close()
		tables = append(tables, t)
	}
	if len(tables) == 0 {
		return nil, &InputError{Err: fmt.Errorf("%s: no sheet has a header on row 1", path)}
	}
	return tables, nil
}

// jsonKeys returns the keys of a JSON export's first ticket object.
func jsonKeys(path string) ([]string, error) {
	obj, err := firstJSONObject(path)
	if err != nil {
		return nil, err
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys, nil
}

// firstJSONObject decodes the first ticket object of a JSON export: its
// first line, or its array's first element.
func firstJSONObject(path string) (map[string]any, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	defer fh.Close()
	br := bufio.NewReader(fh)
	first, err := firstByte(br)
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("%s: %w", filepath.Base(path), err)}
	}
	dec := json.NewDecoder(br)
	if first == '[' {
		dec.Token()
	}
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return nil, &InputError{Err: fmt.Errorf("%s: the first ticket object: %w", filepath.Base(path), err)}
	}
	return obj, nil
}

// dumpTable finds the tables a Postgres dump creates: both a plain SQL
// dump and pg_dump's custom format write each CREATE TABLE as text.
var dumpTable = regexp.MustCompile(`CREATE TABLE (?:public\.)?"?([a-z_]+)"?`)

// dumpPreset names the preset of the helpdesk whose dump path is, by the
// tables its first 64 MB create, and lists them.
func dumpPreset(path string) (string, []string, error) {
	head, err := readHead(path, 64<<20)
	if err != nil {
		return "", nil, err
	}
	has := map[string]bool{}
	var tables []string
	for _, m := range dumpTable.FindAllSubmatch(head, -1) {
		if name := string(m[1]); !has[name] {
			has[name] = true
			tables = append(tables, name)
		}
	}
	switch {
	case has["ticket_articles"]:
		return "zammad", tables, nil
	case has["conversations"] && has["threads"] && has["mailboxes"] || has["conversations"] && has["threads"] && has["customers"]:
		return "freescout", tables, nil
	case has["conversations"] && has["messages"] && has["contacts"]:
		return "chatwoot", tables, nil
	}
	return "", tables, nil
}

// recognise sets the shape the finding's headers or keys mark.
func (f *Finding) recognise() {
	switch f.Source {
	case "--json":
		if keys := columnSet(f.Keys); allIn([]string{"comments", "requester_id", "subject"}, keys) {
			f.Shape = &Shape{Name: "zendesk-json", Product: "Zendesk's JSON export (one ticket per line, comments nested)", Profile: "zendesk"}
		}
		return
	case "--pg-dump":
		preset, _, err := dumpPreset(f.Path)
		if err == nil && preset != "" {
			f.Shape = &Shape{Name: preset + "-dump", Product: "a " + preset + " database dump (pg_dump)", Preset: preset}
		}
		return
	}
	if f.native() {
		f.Shape = &Shape{Name: "assembly-import", Product: "the tool's own columns (tickets and replies)"}
		return
	}
	for _, t := range f.Tables {
		have := columnSet(t.Header)
		for _, s := range shapes {
			if allIn(s.csv, have) && !anyIn(s.none, have) {
				shape := s.Shape
				f.Shape = &shape
				return
			}
		}
	}
}

// native says the export has the tool's own columns: a tickets table and a
// replies table with their required fields.
func (f *Finding) native() bool {
	if len(f.Tables) < 2 {
		return false
	}
	found := 0
	for _, t := range f.Tables {
		have := columnSet(t.Header)
		switch {
		case allIn([]string{"ticket_id", "title", "created_at", "body"}, have) && !have["reply_id"]:
			found |= 1
		case allIn([]string{"reply_id", "ticket_id", "created_at", "body"}, have):
			found |= 2
		}
	}
	return found == 3
}

// columnSet is a header's columns (or an object's keys), normalized.
func columnSet(header []string) map[string]bool {
	set := make(map[string]bool, len(header))
	for _, h := range header {
		set[normalizeColumn(h)] = true
	}
	return set
}

func allIn(want []string, have map[string]bool) bool {
	for _, w := range want {
		if !have[w] {
			return false
		}
	}
	return true
}

func anyIn(want []string, have map[string]bool) bool {
	for _, w := range want {
		if have[w] {
			return true
		}
	}
	return false
}

// Recognise returns the built-in mapping of a known export at path (CSV,
// XLSX or JSON), nil when the export needs none, is not recognised or
// cannot be inspected (the reader then says why), or an error when it is
// an export that cannot be migrated (and what to export instead).
func Recognise(ctx context.Context, path string) (*Mapping, *Shape, error) {
	// A folder of the tool's own tickets.csv and replies.csv needs no
	// mapping, or has columns no profile reads; and a file that is not a
	// regular one (a named pipe) can be read only once, by the reader.
	if _, err := os.Stat(filepath.Join(path, TicketsFile)); err == nil {
		return nil, nil, nil
	}
	if st, err := os.Stat(path); err != nil || !st.IsDir() && !st.Mode().IsRegular() {
		return nil, nil, nil
	}
	f, err := Inspect(ctx, path, "")
	if err != nil {
		return nil, nil, nil // the reader says what is wrong with it
	}
	switch {
	case f.Shape == nil:
		return nil, nil, nil
	case f.Shape.Unusable != "":
		return nil, f.Shape, &InputError{Err: fmt.Errorf("%s is %s: %s", path, f.Shape.Product, f.Shape.Unusable)}
	case f.Shape.Profile == "":
		return nil, f.Shape, nil
	}
	m, err := Profile(f.Shape.Profile)
	return m, f.Shape, err
}

// peopleRef is the people directory's path as the starting mapping names
// it: relative to the mapping's folder when it is inside it, else absolute.
func (f *Finding) peopleRef() string {
	abs, err1 := filepath.Abs(f.People)
	dir, err2 := filepath.Abs(cmp.Or(f.mappingDir, "."))
	if err1 != nil || err2 != nil {
		return f.People
	}
	if rel, err := filepath.Rel(dir, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return abs
}

// isPeopleFile says whether a file is a people directory: its header (or
// first object) has an email and an id or name, and nothing of a message.
func isPeopleFile(path string) bool {
	var keys []string
	switch strings.ToLower(filepath.Ext(path)) {
	case ".csv":
		t, err := openCSVTable(path, nil)
		if err != nil {
			return false
		}
		keys = t.header()
		t.close()
	case ".json", ".jsonl", ".ndjson":
		obj, err := firstJSONObject(path)
		if err != nil {
			return false
		}
		if users, ok := obj["users"].([]any); ok && len(users) > 0 {
			obj, _ = users[0].(map[string]any)
		}
		for k := range obj {
			keys = append(keys, k)
		}
	default:
		return false
	}
	have := columnSet(keys)
	return pick(keys, peopleID) >= 0 && pick(keys, peopleEmail) >= 0 &&
		!anyIn([]string{"body", "subject", "comments", "summary", "ticket_id", "description", "requester_id"}, have)
}

// peopleBeside returns the path of the people directory in dir, "" when
// there is none or more than one.
func peopleBeside(dir string) string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var found []string
	for _, e := range entries {
		if !e.IsDir() && isPeopleFile(filepath.Join(dir, e.Name())) {
			found = append(found, e.Name())
		}
	}
	if len(found) != 1 {
		return ""
	}
	return filepath.Join(dir, found[0])
}
