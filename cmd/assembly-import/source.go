package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/spf13/cobra"

	"github.com/assembly-import/assembly-import/internal/owned"
	"github.com/assembly-import/assembly-import/internal/pgserver"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
)

// sourceOptions are the flags that say what to read and how to plan it.
type sourceOptions struct {
	csvDir          string
	jsonPath        string
	xlsxFile        string
	postgres        string
	postgresSet     bool // --postgres was given, if empty (the PG* variables)
	queryFile       string
	preset          string
	pgDump          string
	env             *env       // for the dump's progress lines
	blobs           *owned.Dir // attachments taken out of a database, removed by release
	ticketsSheet    string
	repliesSheet    string
	mapping         string
	loaded          *readers.Mapping // the mapping, once read (loadMapping)
	recognisedAs    string           // the known export read with its built-in mapping, for people
	timezone        string
	attachmentsRoot string
	idPrefix        string
	internalNotes   string
	userMap         string
	people          string
	oversize        string
	missingFiles    string
	defaultAuthor   string
	downloadURLs    bool
	downloadHosts   []string
	order           string
	openStatuses    []string
	foldBefore      string
	foldOpen        bool
}

func (o *sourceOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.csvDir, "csv", "", "folder holding tickets.csv and replies.csv, or one file in the layout the mapping names (layout: messages or tickets-with-comments)")
	f.StringVar(&o.xlsxFile, "xlsx", "", "workbook with the sheets tickets and replies")
	f.StringVar(&o.jsonPath, "json", "", "a JSON export: a file of ticket objects, each with its messages (JSON Lines or an array), or a folder holding tickets.json; Zendesk's is recognised, others need --mapping")
	f.StringVar(&o.postgres, "postgres", "", `a helpdesk's Postgres database: a URL or "key=value" string; "" uses the PG* variables and ~/.pgpass`)
	f.StringVar(&o.pgDump, "pg-dump", "", "a pg_dump file (plain SQL or -Fc) of a helpdesk database: restored into a private temporary server, removed on exit")
	f.StringVar(&o.preset, "preset", "", "with --postgres or --pg-dump: the helpdesk the database belongs to: chatwoot, freescout or zammad")
	f.StringVar(&o.queryFile, "query-file", "", "with --postgres: the SQL file whose named queries (tickets, replies, attachments) return the fields")
	f.StringVar(&o.ticketsSheet, "tickets-sheet", "", `the workbook's tickets sheet, matched without regard to case [tickets; in a one-sheet layout, the first sheet]`)
	f.StringVar(&o.repliesSheet, "replies-sheet", "", "the workbook's replies sheet [replies]")
	f.StringVar(&o.mapping, "mapping", "", "YAML or JSON file mapping the source's columns and formats to the fields (docs/mapping.md)")
	f.StringVar(&o.timezone, "timezone", "", `time zone of timestamps written without one ("Europe/Berlin"); default: the mapping's timezone, else UTC, with a warning naming how many were read so`)
	f.StringVar(&o.attachmentsRoot, "attachments-root", "", "folder attachment paths are relative to (default: the source's folder)")
	f.StringVar(&o.idPrefix, "id-prefix", "", "prepended to ticket and reply ids to form Assembly's source_specific_id")
	f.StringVar(&o.userMap, "user-map", "", "CSV of people's Assembly user ids: columns assembly_id and any of email, source_id, name")
	f.StringVar(&o.people, "people", "", "the old helpdesk's directory of people, CSV or JSON: ids with emails and names (Atlassian's user export, Zendesk's users), for exports that name people by id; default: the mapping's people")
	f.StringVar(&o.oversize, "oversize", string(planner.FileFail), "a file over 32 MB: fail (its message is not sent) or skip (the message goes without it, naming it)")
	f.StringVar(&o.defaultAuthor, "default-author", "", "EMAIL of the Assembly user who sends messages whose author has no email; their text starts with who wrote them (mapping key default_author)")
	f.StringVar(&o.missingFiles, "missing-files", string(planner.FileFail), "an attachment not in its folder: fail (its message is not sent) or skip (the message goes without it, naming it)")
	f.BoolVar(&o.downloadURLs, "download-urls", false, "fetch attachment links that are not images when sending, and upload them as files")
	f.StringSliceVar(&o.downloadHosts, "download-hosts", nil, "the hosts whose links need a login (e.g. acme.atlassian.net): the download header goes to them, over https only, and with --download-urls their image links are fetched and uploaded too")
	f.StringVar(&o.internalNotes, "internal-notes", string(planner.InternalSkip), "internal notes: skip, or include (sent as replies marked [Internal note])")
	f.StringVar(&o.order, "order", string(planner.OrderOpenFirst), "which tickets go first: open-first (open tickets with their threads, then the rest newest first) or chronological (oldest first)")
	f.StringSliceVar(&o.openStatuses, "open-statuses", nil, "the statuses that count as open, comma-separated (default: the preset's, or new, open, pending and the like)")
	f.StringVar(&o.foldBefore, "fold-before", "", "DATE (2025-06-01): send each ticket last active before it as one message holding the whole conversation")
	f.BoolVar(&o.foldOpen, "fold-open", false, "with --fold-before: fold open tickets too (by default they stay unfolded, however old: agents answer them)")
}

// fold folds the plan as --fold-before says, keeping each ticket in the
// form an earlier run began sending it in (earlier says what the
// checkpoint knows; nil when there is none), and says what it did.
func (o *sourceOptions) fold(w io.Writer, plan *planner.Plan, earlier *planner.Earlier) (planner.FoldResult, error) {
	opts, err := o.folding()
	if err != nil || opts.Before.IsZero() && earlier == nil {
		return planner.FoldResult{}, err
	}
	res, err := plan.Fold(opts, earlier)
	if err != nil || res == (planner.FoldResult{}) {
		return res, err
	}
	fmt.Fprintf(w, "Folding: %d tickets go as one message each, holding their %d replies", res.Folded, res.FoldedReplies)
	if res.Transcripts > 0 {
		fmt.Fprintf(w, " (%d conversations too long for one message also go whole as transcript files)", res.Transcripts)
	}
	fmt.Fprintln(w, ".")
	if res.KeptNative > 0 {
		fmt.Fprintf(w, "  %d tickets --fold-before names stay unfolded: an earlier run began sending them so.\n", res.KeptNative)
	}
	if res.KeptFolded > 0 {
		fmt.Fprintf(w, "  %d tickets stay folded, though --fold-before does not name them: an earlier run sent them folded.\n", res.KeptFolded)
	}
	if res.Unfoldable > 0 {
		fmt.Fprintf(w, "  %d tickets cannot be folded and go unfolded: the warnings say why.\n", res.Unfoldable)
	}
	return res, nil
}

// folding returns what --fold-before and --fold-open fold.
func (o *sourceOptions) folding() (planner.FoldOptions, error) {
	if o.foldBefore == "" {
		if o.foldOpen {
			return planner.FoldOptions{}, exitf(exitUsage, "--fold-open goes with --fold-before DATE")
		}
		return planner.FoldOptions{}, nil
	}
	loc, err := time.LoadLocation(o.timezone)
	if err != nil {
		return planner.FoldOptions{}, exitf(exitUsage, "--timezone %q: %v", o.timezone, err)
	}
	before, err := time.ParseInLocation(time.DateOnly, o.foldBefore, loc)
	if err != nil {
		if before, err = time.Parse(time.RFC3339, o.foldBefore); err != nil {
			return planner.FoldOptions{}, exitf(exitUsage, "--fold-before %q: want a date, 2025-06-01 (midnight in --timezone), or an RFC 3339 time", o.foldBefore)
		}
	}
	return planner.FoldOptions{Before: before, Open: o.foldOpen}, nil
}

// peoplePath returns the people directory's path: --people, else the
// mapping's people, relative to the mapping's folder.
func (o *sourceOptions) peoplePath(m *readers.Mapping) string {
	if o.people != "" || m == nil || m.People == "" {
		return o.people
	}
	if name := m.ProfilePeople(); name != "" {
		// A known export's directory sits beside it, when it was exported.
		dir := o.jsonPath
		if st, err := os.Stat(dir); err == nil && !st.IsDir() {
			dir = filepath.Dir(dir)
		}
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			return ""
		}
		return filepath.Join(dir, name)
	}
	if filepath.IsAbs(m.People) {
		return m.People
	}
	return filepath.Join(filepath.Dir(o.mapping), m.People)
}

// openStatusList returns the statuses that count as open: --open-statuses,
// or the source's.
func (o *sourceOptions) openStatusList() []string {
	if len(o.openStatuses) > 0 {
		return o.openStatuses
	}
	return readers.OpenStatuses(o.preset)
}

// loadMapping reads --mapping, once however many steps need it; nil
// without one.
func (o *sourceOptions) loadMapping(ctx context.Context) (*readers.Mapping, error) {
	if o.loaded != nil {
		return o.loaded, nil
	}
	if o.mapping == "" && o.jsonPath == "" {
		m, err := o.recognised(ctx)
		o.loaded = m
		return m, err
	}
	load := readers.LoadMapping
	if o.mapping == "" { // a JSON export of a known shape
		load = readers.RecogniseJSON
	}
	path := o.mapping
	if path == "" {
		path = o.jsonPath
	}
	m, err := load(path)
	if err != nil {
		return nil, exitf(exitUsage, "%w", err)
	}
	o.loaded = m
	return m, nil
}

// describe names the source for logs and the checkpoint: never a
// connection string, which may hold a password.
func (o *sourceOptions) describe() string {
	switch {
	case o.xlsxFile != "":
		return "xlsx:" + o.xlsxFile
	case o.jsonPath != "":
		return "json:" + o.jsonPath
	case o.pgDump != "":
		return "pg-dump:" + o.pgDump
	case o.postgresSet:
		if cfg, err := pgconn.ParseConfig(o.postgres); err == nil {
			return fmt.Sprintf("postgres:%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
		}
		return "postgres"
	}
	return "csv:" + o.csvDir
}

// open opens the source the flags name.
func (o *sourceOptions) open(ctx context.Context) (planner.Source, error) {
	chosen := 0
	for _, set := range []bool{o.csvDir != "", o.xlsxFile != "", o.jsonPath != "", o.postgresSet || o.pgDump != ""} {
		if set {
			chosen++
		}
	}
	if chosen != 1 {
		return nil, exitf(exitUsage, "say what to read, once: --csv DIR (or FILE), --xlsx FILE, --json FILE|DIR, --postgres DSN or --pg-dump FILE")
	}
	var loc *time.Location // nil: not given (readers.CSVOptions.Location)
	if o.timezone != "" {
		var err error
		if loc, err = time.LoadLocation(o.timezone); err != nil {
			return nil, exitf(exitUsage, "--timezone %q: %v", o.timezone, err)
		}
	}
	m, err := o.loadMapping(ctx)
	if err != nil {
		return nil, err
	}
	var src planner.Source
	switch {
	case o.postgresSet || o.pgDump != "":
		if o.postgresSet && o.pgDump != "" {
			return nil, exitf(exitUsage, "--postgres and --pg-dump: read a database or a dump, not both")
		}
		if (o.queryFile == "") == (o.preset == "") {
			return nil, exitf(exitUsage, "--postgres and --pg-dump need --preset NAME or --query-file FILE: the SQL that reads the helpdesk's tables (docs/mapping.md)")
		}
		if o.mapping != "" {
			return nil, exitf(exitUsage, "--mapping is for CSV and XLSX; with --postgres, the queries name the fields")
		}
		// Attachments stored in the database are written here while planning
		// and uploaded from here by run: it lasts as long as the command.
		// Those an earlier run killed with kill -9 left are removed first.
		for _, dir := range owned.Reclaim(blobDirPrefix, nil) {
			o.env.log.Warn("removed the attachments folder of an earlier run that was killed", "folder", dir)
		}
		if o.blobs, err = owned.MkdirTemp(blobDirPrefix); err != nil {
			return nil, err
		}
		opts := readers.PostgresOptions{DSN: o.postgres, Location: loc, AttachmentsRoot: o.attachmentsRoot, BlobDir: o.blobs.Path}
		if o.preset != "" {
			opts.Helpdesk = o.preset
			opts.Queries, opts.Tables, err = readers.Preset(o.preset)
		} else {
			opts.Queries, err = readers.LoadQueries(o.queryFile)
		}
		if err != nil {
			return nil, exitf(exitUsage, "%w", err)
		}
		stop := func() {}
		if o.pgDump != "" {
			if opts.DSN, stop, err = pgserver.Restore(ctx, o.env.log, o.pgDump); err != nil {
				if ctx.Err() != nil {
					return nil, err // interrupted: exit 4
				}
				return nil, exitf(exitUsage, "--pg-dump: %w", err)
			}
		}
		src, err = readers.OpenPostgres(ctx, opts)
		if err != nil {
			stop()
			return nil, exitf(exitUsage, "%w", err)
		}
		return dumpSource{Source: src, stop: stop}, nil
	case o.jsonPath != "":
		src, err = readers.OpenJSON(readers.JSONOptions{Path: o.jsonPath, Location: loc, AttachmentsRoot: o.attachmentsRoot, Mapping: m})
	case o.xlsxFile != "":
		src, err = readers.OpenXLSX(ctx, readers.XLSXOptions{Path: o.xlsxFile, TicketsSheet: o.ticketsSheet, RepliesSheet: o.repliesSheet,
			Location: loc, AttachmentsRoot: o.attachmentsRoot, Mapping: m})
	default:
		src, err = readers.OpenCSV(readers.CSVOptions{Path: o.csvDir, Location: loc, AttachmentsRoot: o.attachmentsRoot, Mapping: m})
	}
	if ie := (*readers.InputError)(nil); errors.As(err, &ie) && m == nil && o.jsonPath == "" {
		// An export in its own helpdesk's columns, given with no mapping.
		return nil, exitf(exitUsage, "%w\n(assembly-import inspect %s says which of its columns fit each field, and --write-mapping FILE writes a mapping to start from)",
			err, cmp.Or(o.csvDir, o.xlsxFile))
	}
	if err != nil {
		return nil, exitf(exitUsage, "%w", err)
	}
	return src, nil
}

// dumpSource is a source read from a restored dump: closing it stops the
// private server.
type dumpSource struct {
	planner.Source
	stop func()
}

func (d dumpSource) Close() error {
	err := d.Source.Close()
	d.stop()
	return err
}

// blobDirPrefix names the folders that hold attachments taken out of a database.
const blobDirPrefix = "assembly-import-attachments-"

// release removes what reading the source left for the command's length
// (attachments taken out of a database).
func (o *sourceOptions) release() {
	if o.blobs != nil {
		o.blobs.Release()
		o.blobs = nil
	}
}

// writeRejects writes the rows that have problems back in the source's own
// shape, into dir, and returns how many.
func (o *sourceOptions) writeRejects(ctx context.Context, dir string, problems map[readers.Row]string) (int, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, exitf(exitUsage, "--rejects: %w", err)
	}
	loc, _ := time.LoadLocation(o.timezone)
	m, err := o.loadMapping(ctx)
	if err != nil {
		return 0, err
	}
	if o.postgresSet || o.jsonPath != "" {
		return 0, exitf(exitUsage, "--rejects writes rows back into CSV or XLSX files; for a database or a JSON export, --report FILE.csv lists them")
	}
	if o.xlsxFile != "" {
		return readers.WriteXLSXRejects(ctx, readers.XLSXOptions{Path: o.xlsxFile, TicketsSheet: o.ticketsSheet, RepliesSheet: o.repliesSheet,
			Location: loc, Mapping: m}, dir, problems)
	}
	return readers.WriteCSVRejects(readers.CSVOptions{Path: o.csvDir, Mapping: m}, dir, problems)
}

// rejectedRows gathers the error problems of a plan by row: the rows that
// are not sent.
func rejectedRows(problems []planner.Problem) map[readers.Row]string {
	rows := map[readers.Row]string{}
	for _, p := range problems {
		if p.Severity != planner.SeverityError {
			continue
		}
		if r, ok := readers.RowOf(p.Origin); ok {
			msg := p.Message
			if p.Field != "" {
				msg = p.Field + ": " + msg
			}
			if prev, ok := rows[r]; ok {
				msg = prev + "; " + msg
			}
			rows[r] = msg
		}
	}
	return rows
}

// build reads the source and plans it.
func (o *sourceOptions) build(ctx context.Context) (*planner.Plan, error) {
	mode := planner.InternalNotes(o.internalNotes)
	if mode != planner.InternalSkip && mode != planner.InternalInclude {
		return nil, exitf(exitUsage, "--internal-notes must be skip or include, not %q", o.internalNotes)
	}
	order := planner.Order(o.order)
	if !slices.Contains(planner.Orders, order) {
		return nil, exitf(exitUsage, "--order must be open-first or chronological, not %q", o.order)
	}
	if _, err := o.folding(); err != nil {
		return nil, err
	}
	oversize, missing := planner.FilePolicy(o.oversize), planner.FilePolicy(o.missingFiles)
	for _, p := range []struct {
		flag   string
		policy planner.FilePolicy
	}{{"--oversize", oversize}, {"--missing-files", missing}} {
		if p.policy != planner.FileFail && p.policy != planner.FileSkip {
			return nil, exitf(exitUsage, "%s must be fail or skip, not %q", p.flag, p.policy)
		}
	}
	m, err := o.loadMapping(ctx)
	if err != nil {
		return nil, err
	}
	author := o.defaultAuthor
	if author == "" && m != nil {
		author = m.DefaultAuthor
	}
	if author != "" {
		if a, err := mail.ParseAddress(author); err != nil || a.Address != author {
			return nil, exitf(exitUsage, "--default-author (or the mapping's default_author) %q is not an email address", author)
		}
	}
	var users *readers.UserMap
	if o.userMap != "" {
		if users, err = readers.ReadUserMap(o.userMap); err != nil {
			return nil, exitf(exitUsage, "%w", err)
		}
	}
	var people *readers.People
	if path := o.peoplePath(m); path != "" {
		if people, err = readers.ReadPeople(path); err != nil {
			return nil, exitf(exitUsage, "%w", err)
		}
	}
	src, err := o.open(ctx)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	plan, err := planner.Build(ctx, src, planner.Options{IDPrefix: o.idPrefix, InternalNotes: mode, Users: users, People: people,
		Oversize: oversize, MissingFiles: missing, DownloadURLs: o.downloadURLs, LoginHosts: o.downloadHosts, DefaultAuthor: author,
		Order: order, OpenStatuses: o.openStatusList()})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", o.describe(), err)
	}
	return plan, nil
}
