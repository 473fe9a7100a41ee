package readers

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// Profiles are the built-in mappings of known exports (Inspect recognises
// them): an export of one of these shapes plans with no mapping file.
//
// zendesk is Zendesk's JSON export (Admin Center › Account › Tools ›
// Reports › Export, JSON): one ticket object per line, its comments
// nested, people as ids (resolved through the users file beside it, the
// people directory). The fields are those of Zendesk's Tickets and Ticket
// Comments API objects, which the export writes: a comment's html_body,
// public (false: an internal note), author_id, attachments with
// content_url, file_name and size; the ticket's requester_id, subject,
// status, tags, organization_id, via, custom_fields.
//
// jira is Jira's "Export Excel CSV (all fields)"; chat-messages a chat
// tool's export with a row per conversation part (samples/messages).
var profiles = map[string]string{
	"zendesk": `
messages: comments                # each ticket's messages: its comments array (the first is the description)
tickets:
  ticket_id: id
  title: subject
  created_at: created_at          # ISO 8601 with Z: no time zone to set
  requester_id: requester_id      # a user id: the users file (people:) gives the email and name
  company_id: organization_id
  status: {column: status, open: [new, open, pending, hold], closed: [solved, closed]}
  tags: tags
replies:
  reply_id: id
  created_at: created_at
  author_id: author_id
  body: html_body                 # HTML, turned into readable text
  internal: {column: public, true: ["false"]}   # public: false is an internal note, kept internal
  attachments: attachments
attachment_fields: {url: content_url, name: file_name}   # content_url needs a login: --download-urls with --download-hosts
body_format: html
keep_columns: [priority, type, via.channel, group_id, assignee_id, brand_id, external_id, custom_fields]   # into additional_properties
people: users.json                # Zendesk's users export, beside the tickets file
`,
	"jira": `
layout: tickets-with-comments     # one row per issue, comments in the repeated Comment column
time_format: 02/Jan/06 3:04 PM    # Jira's "dd/MMM/yy h:mm a"
body_format: jira                 # wiki markup (*bold*, [text|url], {code}) into text
# timezone: ZONE                  # Jira writes times in the exporting user's zone, without saying which: set it
tickets:
  ticket_id: Issue key
  title: Summary
  status: Status
  requester_name: Reporter
  requester_id: Reporter Id       # an account id: the Atlassian user export (--people) gives the email
  created_at: Created
  body: Description
  attachments: Attachment         # repeated: one file per cell
  tags: Labels                    # repeated: every cell's labels
comments:                         # repeated: one reply per non-empty cell
  column: Comment
  parts: [created_at, author_id, body]    # "05/Mar/24 9:00 AM;557058:…;text"
attachment_cells:
  parts: [skip, skip, name, url]  # "04/Mar/24 5:11 PM;712020:…;file.txt;https://…"
keep_columns: [Issue id, Issue Type, Priority, Sprint]   # into additional_properties
`,
	"chat-messages": `
layout: messages                  # one row per conversation part
tickets:
  ticket_id: Conversation ID
  title: Conversation ID          # no subject in a chat: the title is the conversation's id
  status: Conversation state      # from each conversation's latest row
replies:
  reply_id: Message ID
  created_at: Created at
  author_name: Author name
  author_email: Author email      # visitors have none: --default-author sends them, named in the text
  body: Body                      # HTML, turned into text
  attachments: Attachment URLs
  internal: {column: Part type, true: [note]}   # notes stay internal
skip_rows:                        # parts that are not messages: counted as skipped
  Part type: [assignment, close, open, snoozed]
keep_columns: []
`,
}

// ProfilePeople names the people directory a profile's export has beside
// it ("users.json"), "" for none.
func (m *Mapping) ProfilePeople() string {
	if m == nil || !m.profile {
		return ""
	}
	return m.People
}

// Profile returns the built-in mapping of a known export.
func Profile(name string) (*Mapping, error) {
	text, ok := profiles[name]
	if !ok {
		var names []string
		for n := range profiles {
			names = append(names, n)
		}
		slices.Sort(names)
		return nil, &InputError{Err: fmt.Errorf("no profile %q (there is: %s)", name, strings.Join(names, ", "))}
	}
	m, err := parseMapping(name+".yaml", []byte(text))
	if err != nil {
		return nil, fmt.Errorf("the built-in profile %s: %w", name, err)
	}
	m.profile = true
	return m, nil
}

// recogniseJSON returns the profile of the export whose first ticket
// object path holds, or an error naming what was found.
func recogniseJSON(path string) (*Mapping, error) {
	keys, err := jsonKeys(path)
	if err != nil {
		return nil, err
	}
	f := &Finding{Path: path, Source: "--json", Keys: keys}
	if f.recognise(); f.Shape != nil {
		return Profile(f.Shape.Profile)
	}
	return nil, &InputError{Err: fmt.Errorf("%s: not an export this tool recognises (its tickets have: %s); give a mapping (--mapping) "+
		"naming each field's path and the array of messages (messages:), as docs/json.md shows", filepath.Base(path), strings.Join(keys, ", "))}
}

// RecogniseJSON returns the built-in mapping of the JSON export at path
// (a file, or a folder holding tickets.json), or an error naming what was
// found and what a mapping needs.
func RecogniseJSON(path string) (*Mapping, error) {
	file, err := jsonTicketFile(path)
	if err != nil {
		return nil, err
	}
	return recogniseJSON(file)
}
