package readers

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Profiles are the built-in mappings of known exports: a JSON export of
// this shape plans with no mapping file.
//
// zendesk is Zendesk's JSON export (Admin Center › Account › Tools ›
// Reports › Export, JSON): one ticket object per line, its comments
// nested, people as ids (resolved through the users file beside it, the
// people directory). The fields are those of Zendesk's Tickets and Ticket
// Comments API objects, which the export writes: a comment's html_body,
// public (false: an internal note), author_id, attachments with
// content_url, file_name and size; the ticket's requester_id, subject,
// status, tags, organization_id, via, custom_fields.
var profiles = map[string]string{
	"zendesk": `
messages: comments
tickets:
  ticket_id: id
  title: subject
  created_at: created_at
  requester_id: requester_id
  company_id: organization_id
  status: {column: status, open: [new, open, pending, hold], closed: [solved, closed]}
  tags: tags
replies:
  reply_id: id
  created_at: created_at
  author_id: author_id
  body: html_body
  internal: {column: public, true: ["false"]}
  attachments: attachments
attachment_fields: {url: content_url, name: file_name}
body_format: html
keep_columns: [priority, type, via.channel, group_id, assignee_id, brand_id, external_id, custom_fields]
people: users.json
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
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{Err: err}
	}
	defer f.Close()
	br := bufio.NewReader(f)
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
	if name := recognise(obj); name != "" {
		return Profile(name)
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return nil, &InputError{Err: fmt.Errorf("%s: not an export this tool recognises (its tickets have: %s); give a mapping (--mapping) "+
		"naming each field's path and the array of messages (messages:), as the README's JSON section shows", filepath.Base(path), strings.Join(keys, ", "))}
}

// recognise names the profile whose shape a ticket object has, or "".
func recognise(obj map[string]any) string {
	if _, ok := obj["comments"].([]any); ok && obj["requester_id"] != nil && obj["subject"] != nil {
		return "zendesk"
	}
	return ""
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
