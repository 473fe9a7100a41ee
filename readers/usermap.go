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
	byName     map[string]string // normalized name -> Assembly id
}

type userMapRow struct {
	Email      string `csv:"email"`
	SourceID   string `csv:"source_id"`
	Name       string `csv:"name"`
	AssemblyID string `csv:"assembly_id"`
}

// ReadUserMap reads a CSV file with the columns assembly_id and any of
// email, source_id (the person's id in the old helpdesk) and name, for
// exports that name people only (a chat's visitors, Jira Server's display
// names). A name must map to one id: two people of one name cannot be told
// apart by it.
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
	if !has["assembly_id"] || !has["email"] && !has["source_id"] && !has["name"] {
		return nil, &InputError{Err: fmt.Errorf("%s line 1: need the columns assembly_id and email, source_id or name (the header has: %s)",
			name, strings.Join(um.Headers, ", "))}
	}
	m := &UserMap{byEmail: map[string]string{}, bySourceID: map[string]string{}, byName: map[string]string{}}
	nameLine := map[string]int{}
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
		email, src, person := strings.ToLower(strings.TrimSpace(row.Email)), strings.TrimSpace(row.SourceID), normalizeName(row.Name)
		if id == "" || email == "" && src == "" && person == "" {
			return nil, &InputError{Err: fmt.Errorf("%s line %d: a row needs assembly_id and email, source_id or name", name, line)}
		}
		if person != "" {
			if other, ok := m.byName[person]; ok && other != id {
				return nil, &InputError{Err: fmt.Errorf("%s line %d: the name %q is also on line %d with another assembly_id; people who share a name cannot be mapped by it: map them by email or source_id",
					name, line, strings.TrimSpace(row.Name), nameLine[person])}
			}
			m.byName[person], nameLine[person] = id, line
		}
		if email != "" {
			m.byEmail[email] = id
		}
		if src != "" {
			m.bySourceID[src] = id
		}
	}
}

// Apply sets u's Assembly id when the map knows the person: by email,
// else by old-helpdesk id, else — only when the export gives neither, so
// that nothing else identifies them — by name (names in the map are
// unique: ReadUserMap refuses two ids for one). A customer who shares an
// agent's name but has an email of their own is not the agent. It says
// whether the match was by name, for the plan to count.
func (m *UserMap) Apply(u *User) (byName bool) {
	if m == nil || u.AssemblyID != "" {
		return false
	}
	if id, ok := m.byEmail[strings.ToLower(u.Email)]; ok && u.Email != "" {
		u.AssemblyID = id
	} else if id, ok := m.bySourceID[u.SourceID]; ok && u.SourceID != "" {
		u.AssemblyID = id
	} else if u.Email == "" && u.SourceID == "" && u.Name != "" {
		u.AssemblyID = m.byName[normalizeName(u.Name)]
		return u.AssemblyID != ""
	}
	return false
}

// normalizeName makes " Ann  Lee" and "ann lee" one name.
func normalizeName(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }

// Len returns how many people the map names.
func (m *UserMap) Len() int {
	if m == nil {
		return 0
	}
	return max(len(m.byEmail), len(m.bySourceID), len(m.byName))
}
