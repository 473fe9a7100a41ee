package readers_test

import (
	"strings"
	"testing"

	"github.com/assembly-import/assembly-import/readers"
)

// A people directory reads as its vendor writes it, and fills only what a
// record lacks.
func TestPeopleDirectory(t *testing.T) {
	for _, tt := range []struct{ name, file, id, email, person string }{
		{"atlassian.csv", "User id,User name,email,User status\n712020:ann,Ann Lee,ann@x.io,Active\n", "712020:ann", "ann@x.io", "Ann Lee"},
		{"users.json", `[{"id": 360012345678, "name": "Bo Chan", "email": "bo@x.io", "role": "end-user"}]`, "360012345678", "bo@x.io", "Bo Chan"},
		{"users.jsonl", "\ufeff{\"id\": 7, \"name\": \"Cy\"}\n{\"id\": 8, \"email\": \"d@x.io\"}\n", "7", "", "Cy"},
		{"page.json", `{"users": [{"id": 9, "email": "e@x.io"}], "next_page": null}`, "9", "e@x.io", ""},
	} {
		p, err := readers.ReadPeople(writeFile(t, tt.name, tt.file))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		u := readers.User{SourceID: tt.id}
		if !p.Fill(&u) || u.Email != tt.email || u.Name != tt.person {
			t.Errorf("%s: filled %+v, want %s %q", tt.name, u, tt.email, tt.person)
		}
	}
	p, err := readers.ReadPeople(writeFile(t, "p.csv", "id,email,name\n1,dir@x.io,Dir Name\n"))
	if err != nil {
		t.Fatal(err)
	}
	u := readers.User{SourceID: "1", Email: "own@x.io"}
	if p.Fill(&u); u.Email != "own@x.io" || u.Name != "Dir Name" {
		t.Errorf("the export's own email must win: %+v", u)
	}
	for _, tt := range []struct{ name, file, want string }{
		{"p.csv", "login,phone\nann,1\n", "needs an id column"},
		{"p.csv", "id,email\n1,a@x.io\n1,b@x.io\n", "p.csv line 3: id 1 is also p.csv line 2 with another email or name"},
		{"p.json", `[{"login": "ann"}]`, "no person with an id"},
		{"p.json", `[{"id": 1, "email": "a@x.io"}, {"id": 2,`, "p.json: person 2"},
		{"p.json", "  ", "the file is empty"},
	} {
		if _, err := readers.ReadPeople(writeFile(t, tt.name, tt.file)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.file, err, tt.want)
		}
	}
}
