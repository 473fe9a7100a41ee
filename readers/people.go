package readers

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gocarina/gocsv"
)

// People is a directory of the old helpdesk's people: each one's id with
// their email and name, from a file beside the export (Jira Cloud's CSV
// names people by account id, their emails are in the Atlassian user
// export; Zendesk's tickets name ids, its users file says who they are).
// It fills what a record lacks before anything else identifies a person.
// A nil *People knows nobody.
type People struct {
	byID map[string]User
}

// The columns (CSV) or keys (JSON) a directory's id, email and name may
// have, matched without regard to case: the generic ones, Atlassian's user
// export's, Zendesk's users file's.
var (
	peopleID    = []string{"id", "source_id", "user id", "user_id", "account id", "account_id", "accountid", "atlassian id"}
	peopleEmail = []string{"email", "email address", "e-mail", "mail"}
	peopleName  = []string{"name", "user name", "display name", "full name", "displayname"}
)

// ReadPeople reads a directory: a CSV file with a header, or a JSON file
// (.json, .jsonl, .ndjson) of objects, as an array or one per line, each
// with an id and an email or a name; an object may sit under a key
// ("users": Zendesk's API pages). An id given twice with other details is
// an error that names both places.
func ReadPeople(path string) (*People, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("people: %w", err)}
	}
	defer f.Close()
	p := &People{byID: map[string]User{}}
	where := map[string]string{}
	add := func(at string, id, email, name string) error {
		id, email, name = strings.TrimSpace(id), strings.TrimSpace(email), strings.TrimSpace(name)
		if id == "" {
			return nil // a row without an id names nobody this directory can find
		}
		u := User{SourceID: id, Email: email, Name: name}
		if old, ok := p.byID[id]; ok && (old.Email != u.Email || old.Name != u.Name) {
			return &InputError{Err: fmt.Errorf("%s: id %s is also %s with another email or name", at, id, where[id])}
		}
		p.byID[id], where[id] = u, at
		return nil
	}
	name := filepath.Base(path)
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json", ".jsonl", ".ndjson":
		err = readPeopleJSON(f, name, add)
	default:
		err = readPeopleCSV(f, name, add)
	}
	if err != nil {
		return nil, err
	}
	return p, nil
}

// pick returns the index of the first of names in header, or -1.
func pick(header []string, names []string) int {
	for i, h := range header {
		if slices.Contains(names, normalizeColumn(h)) {
			return i
		}
	}
	return -1
}

func readPeopleCSV(f *os.File, name string, add func(at, id, email, name string) error) error {
	cr := newCSVReader(f, name, nil)
	dec := gocsv.NewSimpleDecoderFromCSVReader(cr)
	header, err := dec.GetCSVRow()
	if err != nil {
		return &InputError{Err: fmt.Errorf("%s line 1: %w", name, err)}
	}
	id, email, person := pick(header, peopleID), pick(header, peopleEmail), pick(header, peopleName)
	if id < 0 || email < 0 && person < 0 {
		return &InputError{Err: fmt.Errorf("%s line 1: a people directory needs an id column (%s) and an email or a name column (the header has: %s)",
			name, strings.Join(peopleID, ", "), strings.Join(header, ", "))}
	}
	cell := func(cells []string, i int) string {
		if i < 0 || i >= len(cells) {
			return ""
		}
		return cells[i]
	}
	for {
		cells, err := dec.GetCSVRow()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return &InputError{Err: fmt.Errorf("%s line %d: %w", name, line, err)}
		}
		if err := add(fmt.Sprintf("%s line %d", name, line), cell(cells, id), cell(cells, email), cell(cells, person)); err != nil {
			return err
		}
	}
}

func readPeopleJSON(f *os.File, name string, add func(at, id, email, name string) error) error {
	br := bufio.NewReader(f)
	dec := json.NewDecoder(br)
	dec.UseNumber()
	first, err := firstByte(br)
	if err != nil {
		return &InputError{Err: fmt.Errorf("%s: %w", name, err)}
	}
	if first == '[' {
		if _, err := dec.Token(); err != nil {
			return &InputError{Err: fmt.Errorf("%s: %w", name, err)}
		}
	}
	found := 0
	for n := 1; dec.More(); n++ {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			return &InputError{Err: fmt.Errorf("%s: person %d (byte %d): %w", name, n, dec.InputOffset(), err)}
		}
		objs := []map[string]any{obj}
		if users, ok := obj["users"].([]any); ok { // a page of an API's answer
			objs = objs[:0]
			for _, u := range users {
				if m, ok := u.(map[string]any); ok {
					objs = append(objs, m)
				}
			}
		}
		for _, o := range objs {
			id, email, person := jsonField(o, peopleID), jsonField(o, peopleEmail), jsonField(o, peopleName)
			if id != "" && (email != "" || person != "") {
				found++
			}
			if err := add(fmt.Sprintf("%s person %d", name, n), id, email, person); err != nil {
				return err
			}
		}
	}
	if found == 0 {
		return &InputError{Err: fmt.Errorf("%s: no person with an id (%s) and an email or a name", name, strings.Join(peopleID, ", "))}
	}
	return nil
}

// firstByte returns the first byte of r that is not white space or a
// byte-order mark, leaving it unread.
func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.Peek(3)
		if len(b) == 0 {
			if err == nil || errors.Is(err, io.EOF) {
				err = errors.New("the file is empty")
			}
			return 0, err
		}
		switch {
		case bytes.HasPrefix(b, []byte("\xef\xbb\xbf")):
			br.Discard(3)
		case b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n':
			br.Discard(1)
		default:
			return b[0], nil
		}
	}
}

// jsonField returns the value of the first of keys obj has (without
// regard to case), as text: numbers as written.
func jsonField(obj map[string]any, keys []string) string {
	for _, key := range keys {
		for k, v := range obj {
			if normalizeColumn(k) != key {
				continue
			}
			switch v := v.(type) {
			case string:
				return v
			case json.Number:
				return v.String()
			}
		}
	}
	return ""
}

// Fill completes u from the directory, by u's old id: its email and name
// where the export gave none. It says whether it added anything.
func (p *People) Fill(u *User) bool {
	if p == nil || u.SourceID == "" {
		return false
	}
	d, ok := p.byID[u.SourceID]
	if !ok {
		return false
	}
	filled := false
	if u.Email == "" && d.Email != "" {
		u.Email, filled = d.Email, true
	}
	if u.Name == "" && d.Name != "" {
		u.Name, filled = d.Name, true
	}
	return filled
}

// Len returns how many people the directory knows.
func (p *People) Len() int {
	if p == nil {
		return 0
	}
	return len(p.byID)
}
