package readers

import (
	"context"
	"embed"
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

	"github.com/jackc/pgx/v5"
)

// Queries are the SQL that reads a helpdesk database: tickets and replies
// return the canonical columns (ticket_id, title, created_at, … as for CSV;
// body_html instead of body for HTML, which is sent as readable text, or a
// body_type column whose text/html rows are);
// attachments, optional, returns one row per file with reply_id (whose
// message it belongs to; empty for a ticket's first message, then
// ticket_id), path or url, and optionally name.
type Queries struct {
	Tickets, Replies, Attachments string
}

// LoadQueries reads a query file: SQL sections each headed by a line
// "-- name: tickets", "-- name: replies" or "-- name: attachments".
func LoadQueries(path string) (Queries, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Queries{}, &InputError{Err: fmt.Errorf("query file: %w", err)}
	}
	return parseQueries(filepath.Base(path), data)
}

// presets holds the query files written for real helpdesks' schemas.
//
//go:embed presets/*.sql
var presets embed.FS

// presetTables are the tables each preset reads: a database without them is
// not that helpdesk's.
var presetTables = map[string][]string{
	"zammad":    {"tickets", "ticket_articles", "ticket_article_senders", "ticket_states", "users", "stores", "store_objects", "store_files", "store_provider_dbs"},
	"chatwoot":  {"conversations", "messages", "contacts", "users", "attachments", "active_storage_attachments", "active_storage_blobs"},
	"freescout": {"conversations", "threads", "customers", "emails", "users", "attachments"},
}

// OpenStatuses returns the statuses of tickets agents are still working on,
// as a preset's queries write them ("" for CSV, XLSX and query files: the
// words helpdesks commonly use, Jira's included). Closed, resolved, solved,
// done and the like are not among them.
func OpenStatuses(preset string) []string {
	switch preset {
	case "zammad": // ticket_states.name
		return []string{"new", "open", "pending reminder", "pending close"}
	case "chatwoot": // conversations.status 0, 2, 3
		return []string{"open", "pending", "snoozed"}
	case "freescout": // conversations.status 1, 2
		return []string{"active", "pending"}
	}
	return []string{"new", "open", "pending", "active", "in progress", "on hold", "waiting", "snoozed", "reopened", "escalated",
		"waiting for support", "waiting for customer", "awaiting reply"}
}

// Preset returns the queries of a helpdesk preset and the tables they read.
func Preset(name string) (Queries, []string, error) {
	tables, ok := presetTables[name]
	if !ok {
		var names []string
		for n := range presetTables {
			names = append(names, n)
		}
		return Queries{}, nil, &InputError{Err: fmt.Errorf("no preset %q (there is: %s; --query-file reads any other helpdesk)", name, strings.Join(names, ", "))}
	}
	data, err := presets.ReadFile("presets/" + name + ".sql")
	if err != nil {
		return Queries{}, nil, err
	}
	q, err := parseQueries(name+".sql", data)
	return q, tables, err
}

func parseQueries(name string, data []byte) (Queries, error) {
	var q Queries
	var current *string
	for n, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "-- name:"); ok {
			switch strings.TrimSpace(rest) {
			case "tickets":
				current = &q.Tickets
			case "replies":
				current = &q.Replies
			case "attachments":
				current = &q.Attachments
			default:
				return Queries{}, &InputError{Err: fmt.Errorf("%s line %d: unknown query %q (want tickets, replies or attachments)", name, n+1, strings.TrimSpace(rest))}
			}
			continue
		}
		if current == nil {
			if strings.TrimSpace(line) != "" && !strings.HasPrefix(strings.TrimSpace(line), "--") {
				return Queries{}, &InputError{Err: fmt.Errorf("%s line %d: SQL before the first \"-- name:\" line", name, n+1)}
			}
			continue
		}
		*current += line + "\n"
	}
	for _, s := range []*string{&q.Tickets, &q.Replies, &q.Attachments} {
		*s = strings.TrimSuffix(strings.TrimSpace(*s), ";")
	}
	if q.Tickets == "" || q.Replies == "" {
		return Queries{}, &InputError{Err: fmt.Errorf("%s: needs a tickets and a replies query", name)}
	}
	return q, nil
}

// PostgresOptions configures a Postgres source.
type PostgresOptions struct {
	// DSN is a URL or key=value connection string; empty uses the PG*
	// environment variables.
	DSN     string
	Queries Queries
	// Location is the zone of timestamps without one (timestamp columns);
	// nil is UTC.
	Location *time.Location
	// AttachmentsRoot is the folder attachment paths are relative to.
	AttachmentsRoot string
	// Helpdesk and Tables, for a preset: the database must have these
	// tables, or it is not that helpdesk's.
	Helpdesk string
	Tables   []string
	// BlobDir receives attachments stored in the database (the attachments
	// query's data column), one file each, for the run to upload; the
	// caller removes it when done.
	BlobDir string
}

// Postgres streams a helpdesk database through its queries, inside one
// read-only REPEATABLE READ transaction, so a live database yields one
// consistent snapshot: every ticket, then every reply, one row in memory at
// a time (the attachments query, which is small, is read first). Origins
// name the query and the row's id: "replies reply_id=88". It is not safe for
// concurrent use.
type Postgres struct {
	conn        *pgx.Conn
	tx          pgx.Tx
	opts        PostgresOptions
	conv        *converter
	rows        pgx.Rows
	kind        string // the query being read: "tickets", then "replies"
	h           *header
	html        bool                     // the query's body is HTML (column body_html)
	bodyType    int                      // the column saying each row's body type, or -1
	attachments map[string]*messageFiles // "tickets 7", "replies 9" -> files, taken as the records are read
}

// messageFiles are the attachments query's rows for one ticket or reply.
type messageFiles struct {
	files    []Attachment
	problems []FieldProblem // rows that say nowhere where the file is
}

// OpenPostgres connects, starts the snapshot and checks the queries'
// columns, so a missing column is reported before anything is read.
func OpenPostgres(ctx context.Context, opts PostgresOptions) (*Postgres, error) {
	cfg, err := pgx.ParseConfig(opts.DSN)
	if err != nil {
		return nil, &InputError{Err: errors.New("the Postgres connection string is not valid (it is not shown: it may hold a password)")}
	}
	where := fmt.Sprintf("host=%s port=%d database=%s user=%s", cfg.Host, cfg.Port, cfg.Database, cfg.User)
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("cannot connect to Postgres (%s): %w", where, withoutPassword(err, cfg.Password))}
	}
	conv, err := newConverter(nil, opts.Location, opts.AttachmentsRoot)
	if err != nil {
		conn.Close(ctx)
		return nil, err
	}
	p := &Postgres{conn: conn, opts: opts, conv: conv, attachments: map[string]*messageFiles{}}
	if p.tx, err = conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}); err != nil {
		p.Close()
		return nil, fmt.Errorf("Postgres (%s): start a read-only snapshot: %w", where, err)
	}
	for _, table := range opts.Tables {
		var found *string
		if err := p.tx.QueryRow(ctx, "SELECT to_regclass($1)::text", table).Scan(&found); err != nil {
			p.Close()
			return nil, fmt.Errorf("Postgres (%s): look for table %s: %w", where, table, err)
		}
		if found == nil {
			p.Close()
			return nil, &InputError{Err: fmt.Errorf("this does not look like a %s database (%s): table %s not found", opts.Helpdesk, where, table)}
		}
	}
	if opts.Queries.Attachments != "" {
		if err := p.readAttachments(ctx); err != nil {
			p.Close()
			return nil, err
		}
	}
	if err := p.start(ctx, "tickets", opts.Queries.Tickets); err != nil {
		p.Close()
		return nil, err
	}
	return p, nil
}

// withoutPassword keeps a password out of an error's text, whatever the
// driver put in it.
func withoutPassword(err error, password string) error {
	if password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), password, "********"))
}

// start runs a query and checks its columns.
func (p *Postgres) start(ctx context.Context, kind, sql string) error {
	rows, err := p.tx.Query(ctx, sql)
	if err != nil {
		return &InputError{Err: fmt.Errorf("%s query: %w", kind, err)}
	}
	var cols []string
	html, bodyType := false, -1
	for i, f := range rows.FieldDescriptions() {
		name := f.Name
		switch name {
		case "body_html": // a body stored as HTML: sent as text
			name, html = "body", true
		case "body_type": // each row says: text/html is sent as text
			bodyType = i
		}
		cols = append(cols, name)
	}
	required := ticketRequired
	if kind == "replies" {
		required = replyRequired
	}
	h, err := resolveHeader(kind+" query", kind, cols, nil, required)
	if err != nil {
		rows.Close()
		return err
	}
	p.rows, p.kind, p.h, p.html, p.bodyType = rows, kind, h, html, bodyType
	return nil
}

// readAttachments reads the attachments query whole: one small row per file.
func (p *Postgres) readAttachments(ctx context.Context) error {
	rows, err := p.tx.Query(ctx, p.opts.Queries.Attachments)
	if err != nil {
		return &InputError{Err: fmt.Errorf("attachments query: %w", err)}
	}
	defer rows.Close()
	col := map[string]int{}
	for i, f := range rows.FieldDescriptions() {
		col[f.Name] = i
	}
	_, hasReply := col["reply_id"]
	_, hasTicket := col["ticket_id"]
	_, hasPath := col["path"]
	_, hasURL := col["url"]
	_, hasData := col["data"]
	if !hasReply && !hasTicket || !hasPath && !hasURL && !hasData {
		return &InputError{Err: fmt.Errorf("attachments query: want the columns reply_id or ticket_id, and path, url or data (it returns: %s)", strings.Join(slices.Sorted(maps.Keys(col)), ", "))}
	}
	if hasData && p.opts.BlobDir == "" {
		return errors.New("attachments query: a data column needs a folder to write the files to (PostgresOptions.BlobDir)")
	}
	blobs := 0
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return fmt.Errorf("attachments query: %w", err)
		}
		cell := func(name string) string {
			if i, ok := col[name]; ok {
				return text(vals[i])
			}
			return ""
		}
		ref, root := cell("url"), p.conv.root
		if ref == "" {
			ref = cell("path")
		}
		if i, ok := col["data"]; ok && vals[i] != nil {
			// Stored in the database: written out to a file of its own.
			data, _ := vals[i].([]byte)
			blobs++
			ref, root = strconv.Itoa(blobs), p.opts.BlobDir
			if err := os.WriteFile(filepath.Join(root, ref), data, 0o600); err != nil {
				return fmt.Errorf("attachments query: write %s: %w", cell("name"), err)
			}
		}
		// Each row belongs to a reply, or, where reply_id is empty, to a
		// ticket's first message.
		owner := "replies " + cell("reply_id")
		if cell("reply_id") == "" {
			owner = "tickets " + cell("ticket_id")
		}
		o := p.attachments[owner]
		if o == nil {
			o = &messageFiles{}
			p.attachments[owner] = o
		}
		if strings.TrimSpace(ref) == "" {
			// A file in a storage the query does not read (Zammad's S3,
			// a missing blob row): the message is reported, not sent without it.
			o.problems = append(o.problems, FieldProblem{Field: "attachments",
				Message: fmt.Sprintf("the attachments query gives %q neither a path, a url nor data", cell("name"))})
			continue
		}
		for _, a := range SplitAttachments(ref, "\x00", root) {
			if n := cell("name"); n != "" {
				a.Name = n
			}
			o.files = append(o.files, a)
		}
	}
	return rows.Err()
}

// take hands a record the attachments query's rows for it.
func (p *Postgres) take(owner string) (files []Attachment, problems []FieldProblem) {
	o := p.attachments[owner]
	if o == nil {
		return nil, nil
	}
	delete(p.attachments, owner)
	return o.files, o.problems
}

// unclaimed reports attachments query rows no ticket or reply took: their
// owner is not among the rows of the tickets and replies queries.
func (p *Postgres) unclaimed() error {
	if len(p.attachments) == 0 {
		return nil
	}
	owners := slices.Sorted(maps.Keys(p.attachments))
	more := ""
	if len(owners) > 5 {
		more = fmt.Sprintf(" and %d more", len(owners)-5)
		owners = owners[:5]
	}
	return &InputError{Err: fmt.Errorf("attachments query: it gives files to messages the tickets and replies queries do not return: %s%s "+
		"(reply_id must match a reply's reply_id; ticket_id, with reply_id empty, a ticket's)", strings.Join(owners, ", "), more)}
}

// text writes a database value as a cell.
func text(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []byte:
		return string(v)
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case int32:
		return strconv.FormatInt(int64(v), 10)
	case int16:
		return strconv.FormatInt(int64(v), 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(v)
}

// Next returns the next record — tickets, then replies — and io.EOF after
// the last one.
func (p *Postgres) Next(ctx context.Context) (Record, error) {
	if err := ctx.Err(); err != nil {
		return Record{}, err
	}
	for p.rows != nil {
		if p.rows.Next() {
			vals, err := p.rows.Values()
			if err != nil {
				return Record{}, fmt.Errorf("%s query: %w", p.kind, err)
			}
			get := func(field string) string {
				i, ok := p.h.index[field]
				switch {
				case !ok:
					return ""
				case field == "body" && (p.html || p.bodyType >= 0 && strings.EqualFold(text(vals[p.bodyType]), "text/html")):
					return HTMLText(text(vals[i]))
				}
				return text(vals[i])
			}
			idField := "ticket_id"
			if p.kind == "replies" {
				idField = "reply_id"
			}
			id := strings.TrimSpace(get(idField))
			r := row{origin: fmt.Sprintf("%s %s=%s", p.kind, idField, id), get: get}
			if p.kind == "tickets" {
				t := p.conv.ticket(r)
				files, problems := p.take("tickets " + id)
				t.Attachments = append(t.Attachments, files...)
				t.Problems = append(t.Problems, problems...)
				return Record{Ticket: t}, nil
			}
			rp := p.conv.reply(r)
			files, problems := p.take("replies " + id)
			rp.Attachments = append(rp.Attachments, files...)
			rp.Problems = append(rp.Problems, problems...)
			return Record{Reply: rp}, nil
		}
		err := p.rows.Err()
		p.rows.Close()
		p.rows = nil
		if err != nil {
			return Record{}, fmt.Errorf("%s query: %w", p.kind, err)
		}
		if p.kind == "tickets" {
			if err := p.start(ctx, "replies", p.opts.Queries.Replies); err != nil {
				return Record{}, err
			}
		} else if err := p.unclaimed(); err != nil {
			clear(p.attachments)
			return Record{}, err
		}
	}
	return Record{}, io.EOF
}

// Close ends the snapshot and the connection.
func (p *Postgres) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if p.rows != nil {
		p.rows.Close()
	}
	var err error
	if p.tx != nil {
		err = p.tx.Rollback(ctx) // read-only: nothing to keep
	}
	return errors.Join(err, p.conn.Close(ctx))
}
