package readers

import (
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Guess is the layout and columns that fit an export best, and the
// starting mapping that says so.
type Guess struct {
	Layout  string
	Tickets []Pick // in the order of TicketFields
	Replies []Pick // in the order of ReplyFields
	// Mapping is a starting mapping, YAML with a comment on each line.
	Mapping string
	// Missing lists the required fields inspect found no column for;
	// Unused, the tickets table's columns it did not map.
	Missing  []string
	Unused   []string
	Zoneless bool // timestamps without a zone: the mapping's timezone is the admin's to set
}

// Pick is the column a field is read from.
type Pick struct {
	Field, Column string
	Example       string // its first non-empty value in the sample
}

// columnNames are the headers, compared without case, spaces or
// punctuation, that each field is found under, most telling first: the
// tool's own, then what helpdesks and spreadsheets call them (English and
// German).
var columnNames = map[string][]string{
	"ticket_id":       {"ticketid", "ticketnr", "ticketnumber", "conversationid", "issuekey", "caseid", "caseno", "conversation", "ticket", "case", "issue", "thread", "id", "number"},
	"title":           {"title", "subject", "summary", "betreff", "topic"},
	"created_at":      {"createdat", "created", "createddate", "createdon", "datecreated", "erstelltam", "creationdate", "sentat", "sent", "postedat", "posted", "datetime", "date", "time", "timestamp"},
	"requester_email": {"requesteremail", "customeremail", "contactemail", "email", "emailaddress", "email", "fromemail"},
	"requester_name":  {"requestername", "requester", "customername", "customer", "contactname", "kunde", "name", "reporter"},
	"requester_id":    {"requesterid", "customerid", "contactid", "userid", "reporterid"},
	"company_id":      {"companyid", "company", "organizationid", "organization", "organisation", "account", "firma"},
	"status":          {"status", "state", "conversationstate", "ticketstatus"},
	"tags":            {"tags", "labels", "tag", "label", "schlagworte"},
	"body":            {"body", "description", "message", "content", "text", "nachricht", "question", "htmlbody", "comment"},
	"attachments":     {"attachments", "attachment", "attachmenturls", "files", "anhang", "anhaenge"},
	"reply_id":        {"replyid", "commentid", "messageid", "partid", "threadid", "antwortnr", "id"},
	"author_email":    {"authoremail", "senderemail", "fromemail", "email", "emailaddress"},
	"author_name":     {"authorname", "author", "sender", "sendername", "from", "von", "name"},
	"author_id":       {"authorid", "senderid", "userid", "authoraccountid"},
	"internal":        {"internal", "private", "isinternal", "isprivate", "internalnote", "public", "ispublic"},
}

// compactColumn compares headers without case, spaces or punctuation:
// "Requester E-mail" and "requester_email" are one.
func compactColumn(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss").Replace(b.String())
}

// pickColumns finds the column of each field in a header, each column
// used once; fields are given in the order they claim columns.
func pickColumns(t *Table, fields []string, claimed map[string]bool) []Pick {
	var picks []Pick
	for _, field := range fields {
		for _, name := range columnNames[field] {
			i := slices.IndexFunc(t.Header, func(h string) bool { return compactColumn(h) == name && !claimed[h] })
			if i < 0 {
				continue
			}
			claimed[t.Header[i]] = true
			picks = append(picks, Pick{Field: field, Column: t.Header[i], Example: example(t, i)})
			break
		}
	}
	return picks
}

// example is column i's first non-empty value in the sample, shortened.
func example(t *Table, i int) string {
	for _, r := range t.Rows {
		if i < len(r) && strings.TrimSpace(r[i]) != "" {
			v := []rune(strings.Join(strings.Fields(r[i]), " "))
			if len(v) > 40 {
				return string(v[:40]) + "…"
			}
			return string(v)
		}
	}
	return ""
}

// values returns column's values in the sample.
func (t *Table) values(column string) []string {
	i := slices.Index(t.Header, column)
	var vs []string
	for _, r := range t.Rows {
		if i >= 0 && i < len(r) && strings.TrimSpace(r[i]) != "" {
			vs = append(vs, strings.TrimSpace(r[i]))
		}
	}
	return vs
}

// repeated returns the first header of t that appears more than once
// among names, "" for none.
func (t *Table) repeated(names []string) string {
	seen := map[string]int{}
	for _, h := range t.Header {
		c := compactColumn(h)
		if seen[c]++; seen[c] == 2 && slices.Contains(names, c) {
			return h
		}
	}
	return ""
}

// guess proposes the layout and columns of an export, or for a known one
// writes its profile as the starting mapping.
func guess(f *Finding) *Guess {
	if f.Shape != nil && f.Shape.Profile != "" {
		return profileGuess(f)
	}
	if len(f.Tables) == 0 {
		return nil
	}
	g := &Guess{}
	claimed := map[string]bool{}
	tickets := &f.Tables[0]
	var commentsCol string
	switch {
	case len(f.Tables) >= 2 && f.Source == "--csv":
		g.Layout = LayoutTicketsAndReplies
	case len(f.Tables) >= 2 && hasSheets(f.Tables):
		g.Layout = LayoutTicketsAndReplies
	default:
		if commentsCol = tickets.repeated([]string{"comment", "comments"}); commentsCol != "" {
			g.Layout = LayoutTicketsWithComments
			claimed[commentsCol] = true
		} else {
			g.Layout = LayoutMessages
		}
	}
	replies := tickets
	switch g.Layout {
	case LayoutTicketsAndReplies:
		tickets, replies = ticketsAndReplies(f.Tables)
		g.Tickets = pickColumns(tickets, TicketFields, claimed)
		g.Replies = pickColumns(replies, ReplyFields, map[string]bool{})
	case LayoutTicketsWithComments:
		g.Tickets = pickColumns(tickets, TicketFields, claimed)
	default:
		// One row per message: the ticket's own fields first, then the
		// message's, each column used once.
		g.Tickets = pickColumns(tickets, []string{"ticket_id", "title", "status", "tags", "company_id"}, claimed)
		g.Replies = pickColumns(tickets, []string{"reply_id", "created_at", "author_email", "author_name", "author_id", "internal", "body", "attachments"}, claimed)
	}
	g.Missing = missing(g)
	for _, h := range tickets.Header {
		used := func(p Pick) bool { return p.Column == h }
		if !claimed[h] && !slices.ContainsFunc(g.Replies, used) && !slices.ContainsFunc(g.Tickets, used) {
			g.Unused = append(g.Unused, h)
		}
	}
	g.Mapping = g.write(f, tickets, replies, commentsCol)
	return g
}

// profilePeopleLine is a profile's people line.
var profilePeopleLine = regexp.MustCompile(`(?m)^people:.*\n`)

// profileGuess is a recognised export's built-in mapping, as a starting
// mapping, and the columns it reads each field from.
func profileGuess(f *Finding) *Guess {
	// The profile's people file is beside the export; the written
	// mapping names it from where the mapping is.
	text := profilePeopleLine.ReplaceAllString(profiles[f.Shape.Profile], "")
	if f.People != "" {
		text += fmt.Sprintf("%-34s # the people directory found beside the export: ids to emails and names\n", "people: "+yamlScalar(f.peopleRef()))
	}
	g := &Guess{Mapping: fmt.Sprintf("# %s, recognised by assembly-import inspect.\n", f.Shape.Product) + strings.TrimLeft(text, "\n")}
	m, err := parseMapping(f.Shape.Profile+".yaml", []byte(text))
	if err != nil {
		return g // Profile reports it when the export is read
	}
	g.Layout = m.layout()
	var t *Table
	if len(f.Tables) > 0 {
		t = &f.Tables[0]
	}
	picks := func(cols map[string]Column, fields []string) []Pick {
		var out []Pick
		for _, field := range fields {
			c, ok := cols[field]
			if !ok {
				continue
			}
			p := Pick{Field: field, Column: c.Name}
			if t != nil {
				if i := slices.IndexFunc(t.Header, func(h string) bool { return normalizeColumn(h) == normalizeColumn(c.Name) }); i >= 0 {
					p.Example = example(t, i)
				}
			}
			out = append(out, p)
		}
		return out
	}
	g.Tickets, g.Replies = picks(m.Tickets, TicketFields), picks(m.Replies, ReplyFields)
	if m.Comments != nil {
		g.Replies = append(g.Replies, Pick{Field: "(each reply)", Column: m.Comments.Column})
	}
	return g
}

// hasSheets says a workbook has a tickets sheet and a replies sheet.
func hasSheets(tables []Table) bool {
	t, r := ticketsAndReplies(tables)
	return t != r
}

// ticketsAndReplies picks the tickets table and the replies table: by
// name when they say so, else the first two.
func ticketsAndReplies(tables []Table) (*Table, *Table) {
	t, r := -1, -1
	for i, tb := range tables {
		n := strings.ToLower(tb.Name)
		switch {
		case strings.Contains(n, "ticket") && t < 0:
			t = i
		case (strings.Contains(n, "repl") || strings.Contains(n, "comment") || strings.Contains(n, "message")) && r < 0:
			r = i
		}
	}
	if t < 0 || r < 0 {
		if len(tables) < 2 {
			return &tables[0], &tables[0]
		}
		return &tables[0], &tables[1]
	}
	return &tables[t], &tables[r]
}

// missing lists the required fields no column was found for.
func missing(g *Guess) []string {
	has := func(picks []Pick, field string) bool {
		return slices.ContainsFunc(picks, func(p Pick) bool { return p.Field == field })
	}
	var out []string
	switch g.Layout {
	case LayoutTicketsAndReplies:
		for _, f := range []string{"ticket_id", "title", "created_at", "body"} {
			if !has(g.Tickets, f) {
				out = append(out, "tickets."+f)
			}
		}
		for _, f := range []string{"reply_id", "ticket_id", "created_at", "body"} {
			if !has(g.Replies, f) {
				out = append(out, "replies."+f)
			}
		}
	case LayoutTicketsWithComments:
		for _, f := range []string{"ticket_id", "title", "created_at", "body"} {
			if !has(g.Tickets, f) {
				out = append(out, "tickets."+f)
			}
		}
	default:
		if !has(g.Tickets, "ticket_id") {
			out = append(out, "tickets.ticket_id")
		}
		for _, f := range []string{"created_at", "body"} {
			if !has(g.Replies, f) {
				out = append(out, "replies."+f)
			}
		}
	}
	return out
}

// timeLayouts are the timestamp layouts inspect tries on a sample that
// ParseTime does not read, as spreadsheets and helpdesks write them.
var timeLayouts = []string{
	"02.01.2006 15:04", "02.01.2006 15:04:05", "2.1.2006 15:04",
	"01/02/2006 15:04", "01/02/2006 15:04:05", "1/2/2006 15:04", "01/02/2006 3:04 PM", "1/2/2006 3:04 PM", "01/02/2006 3:04:05 PM",
	"02/01/2006 15:04", "02/01/2006 15:04:05", "2/1/2006 15:04",
	"02/Jan/06 3:04 PM", "2/Jan/06 3:04 PM", "02-01-2006 15:04", "2006/01/02 15:04:05", "2006/01/02 15:04",
	"Jan 2, 2006 3:04 PM", "2 Jan 2006 15:04", "Mon Jan 2 15:04:05 2006",
}

// timeFormat finds the layout the sampled timestamps fit: "" when
// ParseTime reads them, with zoneless saying some carry no zone; ambiguous
// when day/month and month/day both fit. A few values fitting no layout
// (misfits, at most a fifth) are rows plan will name; more, and ok is false.
func timeFormat(values []string, workbook bool) (layout string, zoneless, ambiguous bool, misfits int, ok bool) {
	var texts []string
	for _, v := range values {
		if !(workbook && isExcelSerial(v)) {
			texts = append(texts, v)
		}
	}
	if len(texts) == 0 {
		return "", false, false, 0, true
	}
	read := 0
	for _, v := range texts {
		if _, _, err := ParseTime(v, time.UTC); err == nil {
			read++
			zoneless = zoneless || !hasZone(v) && !isDigits(v)
		}
	}
	best, fits := read, []string{""}
	for _, l := range timeLayouts {
		n := 0
		for _, v := range texts {
			if _, err := time.Parse(l, v); err == nil {
				n++
			}
		}
		switch {
		case n > best:
			best, fits = n, []string{l}
		case n == best && n > 0 && fits[0] != "":
			fits = append(fits, l)
		}
	}
	if best*5 < len(texts)*4 {
		return "", false, false, len(texts) - best, false
	}
	if fits[0] == "" {
		return "", zoneless, false, len(texts) - best, true
	}
	dm := slices.ContainsFunc(fits, func(l string) bool { return strings.HasPrefix(l, "02/01") || strings.HasPrefix(l, "2/1") })
	md := slices.ContainsFunc(fits, func(l string) bool { return strings.HasPrefix(l, "01/02") || strings.HasPrefix(l, "1/2") })
	return fits[0], true, dm && md, len(texts) - best, true
}

// isExcelSerial says a workbook cell is a date stored as a number of days.
func isExcelSerial(v string) bool {
	f, err := strconv.ParseFloat(v, 64)
	return err == nil && f > 0 && f < excelDateLimit
}

// fieldNotes says what each field is, for the mapping's comments.
var fieldNotes = map[string]string{
	"ticket_id":       "the ticket's id in the old helpdesk",
	"title":           "the ticket's title",
	"created_at":      "when it was written",
	"requester_email": "the customer's email",
	"requester_name":  "the customer's name",
	"requester_id":    "the customer's id in the old helpdesk",
	"company_id":      "the customer's company",
	"status":          "open or closed (--open-statuses says which words are open)",
	"tags":            "tags, separated by commas",
	"body":            "the text",
	"attachments":     "files: paths or links",
	"reply_id":        "the message's id",
	"author_email":    "the writer's email",
	"author_name":     "the writer's name",
	"author_id":       "the writer's id in the old helpdesk",
	"internal":        "an internal note (yes/no)",
}

// write renders the guess as a mapping, a comment on each line.
func (g *Guess) write(f *Finding, tickets, replies *Table, commentsCol string) string {
	var b strings.Builder
	line := func(text, comment string) {
		if comment == "" {
			b.WriteString(text + "\n")
			return
		}
		fmt.Fprintf(&b, "%-34s # %s\n", text, comment)
	}
	fmt.Fprintf(&b, "# A starting mapping for %s, written by assembly-import inspect from its\n# headers and first rows: check each line, then run plan with it.\n", filepath.Base(f.Path))
	line("layout: "+g.Layout, layoutNotes[g.Layout])
	if enc := tickets.Encoding; enc != "" {
		line("encoding: "+enc, "the header is not UTF-8: what Excel saves on Windows")
	}
	writePicks := func(section string, picks []Pick) {
		if len(picks) == 0 {
			return
		}
		line(section+":", "")
		for _, p := range picks {
			comment := fieldNotes[p.Field]
			if p.Example != "" {
				comment += fmt.Sprintf(", e.g. %q", p.Example)
			}
			value := yamlScalar(p.Column)
			if p.Field == "internal" && strings.Contains(compactColumn(p.Column), "public") {
				value = fmt.Sprintf("{column: %s, true: [\"false\", \"no\", \"0\"]}", yamlScalar(p.Column))
				comment = "internal when not public"
			}
			line(fmt.Sprintf("  %s: %s", p.Field, value), comment)
		}
	}
	title := slices.ContainsFunc(g.Tickets, func(p Pick) bool { return p.Field == "title" })
	writePicks("tickets", g.Tickets)
	if !title && g.Layout == LayoutMessages {
		if id := slices.IndexFunc(g.Tickets, func(p Pick) bool { return p.Field == "ticket_id" }); id >= 0 {
			line("  title: "+yamlScalar(g.Tickets[id].Column), "no subject column: the title is the ticket's id")
		}
	}
	if commentsCol != "" {
		line("comments:", "one reply per non-empty cell of the repeated column")
		line("  column: "+yamlScalar(commentsCol), "the repeated column")
		line("  # parts: [created_at, author_id, body]", "uncomment when a cell holds \"date;author;text\" (Jira does)")
	}
	writePicks("replies", g.Replies)
	var times []string
	for _, t := range []*Table{tickets, replies} {
		for _, p := range append(slices.Clone(g.Tickets), g.Replies...) {
			if p.Field == "created_at" && slices.Contains(t.Header, p.Column) {
				times = append(times, t.values(p.Column)...)
			}
		}
	}
	layout, zoneless, ambiguous, misfits, ok := timeFormat(times, f.Source == "--xlsx")
	switch {
	case !ok:
		line(`# time_format: "02/01/2006 15:04"`, "the timestamps fit no common form: write theirs as Go writes 2006-01-02 15:04:05")
	case layout != "":
		note := "the timestamps' form, as Go writes 2006-01-02 15:04:05"
		if ambiguous {
			note = "day/month and month/day both fit the sample: check which the export writes"
		}
		if misfits > 0 {
			note += fmt.Sprintf(" (%d sampled values fit no form: plan names their rows)", misfits)
		}
		line(fmt.Sprintf("time_format: %q", layout), note)
	}
	if zoneless {
		g.Zoneless = true
		line("# timezone: Europe/Berlin", "the timestamps carry no zone: set the zone the export was written in (UTC if unset, with a warning)")
	}
	if commaSeparated(append(slices.Clone(g.Tickets), g.Replies...), tickets, replies) {
		line(`attachment_separator: ","`, "the attachments cells list files separated by commas")
	}
	for _, p := range g.Replies {
		if vs := replies.values(p.Column); p.Field == "body" && len(vs) > 0 && !slices.ContainsFunc(vs, func(v string) bool { return !LooksLikeHTML(v) }) {
			line("body_format: html", "the bodies are HTML: turned into readable text")
		}
	}
	if len(g.Unused) > 0 {
		var quoted []string
		for _, u := range g.Unused {
			quoted = append(quoted, yamlScalar(u))
		}
		line("keep_columns: ["+strings.Join(quoted, ", ")+"]", "other columns, kept as the ticket's additional properties: remove what should not go")
	}
	if f.People != "" {
		line("people: "+yamlScalar(f.peopleRef()), "the people directory found beside the export: ids to emails and names")
	}
	line("# default_author: support-import@example.com", "who sends messages whose writer has no email (name and id go in the text)")
	return b.String()
}

// commaSeparated says an attachments column lists files with commas, not
// the semicolons the tool reads by default.
func commaSeparated(picks []Pick, tables ...*Table) bool {
	for _, p := range picks {
		if p.Field != "attachments" {
			continue
		}
		for _, t := range tables {
			for _, v := range t.values(p.Column) {
				if strings.Contains(v, ",") && !strings.Contains(v, ";") {
					return true
				}
			}
		}
	}
	return false
}

// layoutNotes says what each layout is, for the mapping's comments.
var layoutNotes = map[string]string{
	LayoutTicketsAndReplies:   "a tickets table and a replies table",
	LayoutMessages:            "one row per message; a ticket's first message is the ticket",
	LayoutTicketsWithComments: "one row per ticket, its comments in a repeated column",
}

// yamlScalar quotes a column name when YAML would read it otherwise.
func yamlScalar(s string) string {
	if s == "" || strings.ContainsAny(s, ":#{}[],&*!|>'\"%@`") || s != strings.TrimSpace(s) ||
		slices.Contains([]string{"yes", "no", "true", "false", "on", "off", "null", "~"}, strings.ToLower(s)) {
		return strconv.Quote(s)
	}
	if _, err := strconv.ParseFloat(s, 64); err == nil {
		return strconv.Quote(s)
	}
	return s
}
