package readers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// JSONOptions configures OpenJSON.
type JSONOptions struct {
	// Path is the export: a file of ticket objects (JSON Lines, or a JSON
	// array), or a folder holding one (tickets.json, tickets.jsonl,
	// tickets.ndjson).
	Path string
	// Location is the zone of timestamps written without one; nil: UTC,
	// said once (Notes). A mapping's timezone takes precedence.
	Location *time.Location
	// AttachmentsRoot is the folder attachment paths are relative to;
	// empty means the export's folder.
	AttachmentsRoot string
	// Mapping addresses fields by path ("via.channel") and names the
	// array of each ticket's messages (messages:); nil recognises a known
	// export (Recognise) or refuses.
	Mapping *Mapping
}

// jsonTicketFiles are the names a folder's ticket file may have.
var jsonTicketFiles = []string{"tickets.json", "tickets.jsonl", "tickets.ndjson"}

// JSON streams a JSON export one ticket object in memory at a time: a
// ticket, then its messages (the mapping's messages: array). The first
// message is the ticket's own text unless tickets.body is mapped. It is
// not safe for concurrent use.
type JSON struct {
	name  string // the file's base name, for origins
	f     *os.File
	dec   *json.Decoder
	lines bool // JSON Lines: origins name lines; an array: objects
	n     int  // objects read
	line  int  // the line the last object started on (JSON Lines)
	br    *countingReader
	m     *Mapping
	conv  *converter
	words map[string]words // per field with word lists
	queue []Record
	ids   messageIDs
}

// countingReader counts the newlines read, for the line an object starts
// on in JSON Lines.
type countingReader struct {
	r     *bufio.Reader
	lines []int64 // offsets of the newlines read, when count is set
	off   int64
	count bool // JSON Lines: an array's origins name objects, not lines
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	for i := 0; c.count && i < n; {
		k := bytes.IndexByte(p[i:n], '\n')
		if k < 0 {
			break
		}
		c.lines = append(c.lines, c.off+int64(i+k))
		i += k + 1
	}
	c.off += int64(n)
	return n, err
}

// lineAt returns the line of offset off, forgetting the newlines before it.
func (c *countingReader) lineAt(off int64, base *int) int {
	k := 0
	for k < len(c.lines) && c.lines[k] < off {
		k++
	}
	*base += k
	c.lines = c.lines[k:]
	return *base + 1
}

// OpenJSON opens a JSON export. Without a mapping, a known export's shape
// is recognised (Recognise); anything else is refused, naming what a
// mapping needs.
func OpenJSON(opts JSONOptions) (*JSON, error) {
	path, err := jsonTicketFile(opts.Path)
	if err != nil {
		return nil, err
	}
	m := opts.Mapping
	if m == nil {
		if m, err = recogniseJSON(path); err != nil {
			return nil, err
		}
	}
	if m.Messages == "" {
		return nil, &InputError{Err: fmt.Errorf("%s: a JSON export's mapping names the array of each ticket's messages (messages: comments)", filepath.Base(path))}
	}
	root := opts.AttachmentsRoot
	if root == "" {
		root = filepath.Dir(path)
	}
	conv, err := newConverter(m, opts.Location, root)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("%s: %w", opts.Path, err)}
	}
	j := &JSON{name: filepath.Base(path), f: f, m: m, conv: conv, words: map[string]words{}}
	for field, c := range m.Tickets {
		if len(c.Values) > 0 {
			j.words["ticket."+field] = c.words(field)
		}
	}
	for field, c := range m.Replies {
		if len(c.Values) > 0 {
			j.words["reply."+field] = c.words(field)
		}
	}
	br := bufio.NewReaderSize(f, 1<<16)
	first, err := firstByte(br)
	if err != nil {
		f.Close()
		return nil, &InputError{Err: fmt.Errorf("%s: %w", j.name, err)}
	}
	j.br = &countingReader{r: br}
	j.dec = json.NewDecoder(j.br)
	j.dec.UseNumber()
	switch first {
	case '[':
		if _, err := j.dec.Token(); err != nil {
			f.Close()
			return nil, &InputError{Err: fmt.Errorf("%s: %w", j.name, err)}
		}
	case '{':
		j.lines, j.br.count = true, true
	default:
		f.Close()
		return nil, &InputError{Err: fmt.Errorf("%s: not a JSON export: it starts with %q, and a JSON export is an array of ticket objects or one object per line", j.name, first)}
	}
	return j, nil
}

// jsonTicketFile returns the file of ticket objects path names.
func jsonTicketFile(path string) (string, error) {
	st, err := os.Stat(path)
	if err != nil {
		return "", &InputError{Err: fmt.Errorf("--json %s: %w", path, err)}
	}
	if !st.IsDir() {
		return path, nil
	}
	for _, name := range jsonTicketFiles {
		if _, err := os.Stat(filepath.Join(path, name)); err == nil {
			return filepath.Join(path, name), nil
		}
	}
	return "", &InputError{Err: fmt.Errorf("%s: no ticket file (%s) in the folder; name the file itself", path, strings.Join(jsonTicketFiles, ", "))}
}

// Notes says what reading found of the whole export; call it after the
// last record.
func (j *JSON) Notes() []Note { return j.conv.notes() }

// Close closes the file.
func (j *JSON) Close() error { return j.f.Close() }

// Next returns the next record: a ticket, then its messages; io.EOF after
// the last.
func (j *JSON) Next(ctx context.Context) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	if len(j.queue) > 0 {
		rec := j.queue[0]
		j.queue = j.queue[1:]
		return rec, nil
	}
	if !j.dec.More() {
		return Record{}, io.EOF
	}
	start := j.dec.InputOffset()
	j.n++
	var obj map[string]any
	if err := j.dec.Decode(&obj); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) || errors.Is(err, io.ErrUnexpectedEOF) {
			// The decoder cannot find the next object after a syntax error:
			// what follows is not read, and the error says where it stopped.
			return Record{}, &InputError{Err: fmt.Errorf("%s: ticket object %d (from byte %d): %w; nothing after it can be read", j.name, j.n, start, err)}
		}
		return Record{}, &InputError{Err: fmt.Errorf("%s: ticket object %d (from byte %d): %w", j.name, j.n, start, err)}
	}
	origin := fmt.Sprintf("%s object=%d", j.name, j.n)
	if j.lines {
		origin = fmt.Sprintf("%s:%d", j.name, j.br.lineAt(start+1, &j.line))
	}
	return j.records(obj, origin), nil
}

// records makes a ticket object's records: the ticket, queued messages.
func (j *JSON) records(obj map[string]any, origin string) Record {
	tget := j.getter(obj, "ticket", j.m.Tickets)
	key := strings.TrimSpace(tget("ticket_id"))
	raw, _ := lookup(obj, j.m.Messages).([]any)
	var msgs []map[string]any
	var problems []FieldProblem
	for _, v := range raw {
		if o, ok := v.(map[string]any); ok {
			msgs = append(msgs, o)
		}
	}
	if lookup(obj, j.m.Messages) != nil && raw == nil {
		problems = append(problems, FieldProblem{Field: "body", Message: fmt.Sprintf("%q is not an array of messages", j.m.Messages)})
	}
	// The ticket's first message: its earliest (the first of the earliest),
	// unless the ticket's body is a field of its own.
	first := -1
	if _, own := j.m.Tickets["body"]; !own && len(msgs) > 0 {
		first = 0
		var best time.Time
		first = -1
		for i, msg := range msgs {
			if j.skipped(msg) != "" {
				continue // not a message
			}
			at, _ := j.conv.time(j.getter(msg, "reply", j.m.Replies)("created_at"), "created_at", nil)
			if first < 0 || !at.IsZero() && (best.IsZero() || at.Before(best)) {
				first, best = i, at
			}
		}
	}
	get := tget
	if first >= 0 {
		mget := j.getter(msgs[first], "reply", j.m.Replies)
		get = func(field string) string {
			if _, mapped := j.m.Tickets[field]; mapped {
				return tget(field)
			}
			switch field {
			case "created_at", "body":
				return mget(field)
			case "requester_email", "requester_name", "requester_id":
				return mget("author_" + strings.TrimPrefix(field, "requester_"))
			}
			return ""
		}
	}
	r := row{origin: origin, get: get, column: func(field string) string { return j.m.Tickets[field].Name }, extra: j.extra(obj)}
	t := j.conv.ticket(r)
	t.Problems = append(problems, t.Problems...)
	if _, mapped := j.m.Tickets["tags"]; mapped {
		t.Tags = jsonList(lookup(obj, j.m.Tickets["tags"].Name))
	}
	if first >= 0 {
		t.Attachments, t.Problems = j.attachments(msgs[first], t.Problems)
	}
	for i, msg := range msgs {
		if i == first {
			continue
		}
		mget := j.getter(msg, "reply", j.m.Replies)
		id := strings.TrimSpace(mget("reply_id"))
		// "tickets.jsonl:17 message=90002", "tickets.json object=3/message=90002"
		sep := " message="
		if !j.lines {
			sep = "/message="
		}
		morigin := origin + sep + strconv.Itoa(i+1)
		if id != "" {
			morigin = origin + sep + strings.ReplaceAll(id, " ", "_")
		}
		if why := j.skipped(msg); why != "" {
			j.queue = append(j.queue, Record{Skip: &Skipped{Origin: morigin, Why: why}})
			continue
		}
		mr := row{origin: morigin, get: mget, column: func(field string) string { return j.m.Replies[field].Name }}
		rp := j.conv.reply(mr)
		rp.TicketKey = key
		rp.Attachments, rp.Problems = j.attachments(msg, rp.Problems)
		if rp.Key == "" {
			var twin *FieldProblem
			if rp.Key, twin = j.ids.name(key, mr); twin != nil {
				rp.Problems = append(rp.Problems, *twin)
			}
		}
		j.queue = append(j.queue, Record{Reply: rp})
	}
	return Record{Ticket: t}
}

// skipped says why skip_rows leaves out a message (its field's word), or
// "" when it does not.
func (j *JSON) skipped(msg map[string]any) string {
	for _, p := range slices.Sorted(maps.Keys(j.m.SkipRows)) {
		v := strings.TrimSpace(jsonText(lookup(msg, p)))
		if slices.ContainsFunc(j.m.SkipRows[p], func(w string) bool { return normalizeColumn(w) == normalizeColumn(v) }) {
			return fmt.Sprintf("%s %q", p, v)
		}
	}
	return ""
}

// getter returns what reads the fields of obj by the mapping's paths (a
// field not mapped is looked up by its own name), words translated.
func (j *JSON) getter(obj map[string]any, kind string, cols map[string]Column) func(string) string {
	return func(field string) string {
		p := field
		if c, ok := cols[field]; ok {
			p = c.Name
		}
		if field == "attachments" {
			return "" // an array of objects: attachments reads it
		}
		v := jsonText(lookup(obj, p))
		if w, ok := j.words[kind+"."+field]; ok {
			v = w.apply(v)
		}
		return v
	}
}

// attachments reads a message's attachments: an array of objects
// (attachment_fields names their url, name and path), or of links and
// paths.
func (j *JSON) attachments(msg map[string]any, problems []FieldProblem) ([]Attachment, []FieldProblem) {
	p := "attachments"
	if c, ok := j.m.Replies["attachments"]; ok {
		p = c.Name
	}
	var out []Attachment
	items, _ := lookup(msg, p).([]any)
	for i, item := range items {
		switch v := item.(type) {
		case string:
			out = append(out, SplitAttachments(v, "\x00", j.conv.root)...)
		case map[string]any:
			af := j.m.AttachmentFields
			if af == nil {
				af = &AttachmentFields{URL: "url", Name: "name"}
			}
			ref := jsonText(lookup(v, af.URL))
			if ref == "" && af.Path != "" {
				ref = jsonText(lookup(v, af.Path))
			}
			if ref == "" {
				problems = append(problems, FieldProblem{Field: "attachments", Message: fmt.Sprintf("attachment %d names no file (%s)", i+1, af.URL)})
				continue
			}
			as := SplitAttachments(ref, "\x00", j.conv.root)
			if name := jsonText(lookup(v, af.Name)); name != "" {
				as[0].Name = name
			}
			out = append(out, as...)
		}
	}
	return out, problems
}

// extra returns the ticket's kept fields (keep_columns, as paths); a list
// of {id, value} objects (custom fields) becomes one property per id.
func (j *JSON) extra(obj map[string]any) map[string]string {
	out := map[string]string{}
	for _, p := range j.m.KeepColumns {
		v := lookup(obj, p)
		if list, ok := v.([]any); ok && len(list) > 0 {
			if _, isObj := list[0].(map[string]any); isObj {
				for _, item := range list {
					o, _ := item.(map[string]any)
					if id, val := jsonText(o["id"]), jsonText(o["value"]); id != "" && val != "" {
						out[p+"."+id] = val
					}
				}
				continue
			}
		}
		if s := jsonText(v); s != "" {
			out[p] = s
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// lookup follows a dotted path ("via.channel") into obj.
func lookup(obj map[string]any, path string) any {
	var v any = obj
	for part := range strings.SplitSeq(path, ".") {
		o, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = o[part]
	}
	return v
}

// jsonText writes a JSON value as a cell: strings as they are, numbers
// as written, true/false, lists of values joined by ", ", null as "".
func jsonText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	case []any:
		return strings.Join(jsonList(v), ", ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// jsonList returns a list's values as text, the empty ones left out.
func jsonList(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, item := range list {
		if s := strings.TrimSpace(jsonText(item)); s != "" {
			out = append(out, s)
		}
	}
	return slices.Clip(out)
}
