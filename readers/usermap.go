package readers

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/gocarina/gocsv"
)

// UserMap gives people their Assembly user ids, which the events endpoint
// never returns, so the admin supplies them (Assembly may require an id on
// replies). A nil *UserMap maps nobody.
type UserMap struct {
	byEmail    map[string]string // lower-cased email -> Assembly id
	bySourceID map[string]string // old helpdesk id -> Assembly id
}

type userMapRow struct {
	Email      string `csv:"email"`
	SourceID   string `csv:"source_id"`
	AssemblyID string `csv:"assembly_id"`
}

// ReadUserMap reads a CSV file with the columns assembly_id and email
// and/or source_id (the person's id in the old helpdesk).
func ReadUserMap(path string) (*UserMap, error) {
	name := filepath.Base(path)
	f, err := os.Open(path)
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("user map: %w", err)}
	}
	defer f.Close()
	cr := newCSVReader(f, filepath.Base(path), nil)
	um, err := gocsv.NewUnmarshaller(cr, &userMapRow{})
	if err != nil {
		return nil, &InputError{Err: fmt.Errorf("%s line 1: %w", name, err)}
	}
	has := map[string]bool{}
	for _, h := range um.Headers {
		has[strings.TrimSpace(h)] = true
	}
	if !has["assembly_id"] || !has["email"] && !has["source_id"] {
		return nil, &InputError{Err: fmt.Errorf("%s line 1: need the columns assembly_id and email or source_id (the header has: %s)",
			name, strings.Join(um.Headers, ", "))}
	}
	m := &UserMap{byEmail: map[string]string{}, bySourceID: map[string]string{}}
	for {
		v, err := um.Read()
		if errors.Is(err, io.EOF) {
			return m, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return nil, &InputError{Err: fmt.Errorf("%s line %d: %w", name, line, err)}
		}
		row := v.(*userMapRow)
		id := strings.TrimSpace(row.AssemblyID)
		email, src := strings.ToLower(strings.TrimSpace(row.Email)), strings.TrimSpace(row.SourceID)
		if id == "" || email == "" && src == "" {
			return nil, &InputError{Err: fmt.Errorf("%s line %d: a row needs assembly_id and email or source_id", name, line)}
		}
		if email != "" {
			m.byEmail[email] = id
		}
		if src != "" {
			m.bySourceID[src] = id
		}
	}
}

// Apply sets u's Assembly id when the map knows the person, by email first.
func (m *UserMap) Apply(u *User) {
	if m == nil || u.AssemblyID != "" {
		return
	}
	if id, ok := m.byEmail[strings.ToLower(u.Email)]; ok && u.Email != "" {
		u.AssemblyID = id
	} else if id, ok := m.bySourceID[u.SourceID]; ok && u.SourceID != "" {
		u.AssemblyID = id
	}
}

// Len returns how many people the map names.
func (m *UserMap) Len() int {
	if m == nil {
		return 0
	}
	return max(len(m.byEmail), len(m.bySourceID))
}
