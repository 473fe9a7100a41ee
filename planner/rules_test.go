package planner

import (
	"net/mail"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/assembly-import/assembly-import/readers"
)

// Each rule, one row per case: what it finds (severity, kind, field and a
// word of the message), or nothing.
func TestRules(t *testing.T) {
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	validEmail := func(e string) bool { a, err := mail.ParseAddress(e); return err == nil && a.Address == e }
	anna := readers.User{Email: "anna@example.com", Name: "Anna"}
	idOnly := readers.User{Name: "Bo", SourceID: "u7"}
	tests := []struct {
		name string
		find []finding
		want string // "" for nothing; else "severity kind field: words"
	}{
		{"id: plain", ruleID(nil, "reply_id", "r-7"), ""},
		{"id: invalid UTF-8", ruleID(nil, "reply_id", "r-\xe9"), "error bad-value reply_id: not valid UTF-8"},
		{"id: control character", ruleID(nil, "ticket_id", "7\n"), "error bad-value ticket_id: control character"},
		{"title: there", ruleTitle(nil, "Printer"), ""},
		{"title: blank", ruleTitle(nil, "  "), "error missing-field title: Assembly requires one"},
		{"first message: blank", ruleFirstMessage(nil, "\n"), "error empty-body body: first message is empty"},
		{"ticket reference: none", ruleTicketRef(nil, ""), "error missing-field ticket_id: names no ticket"},
		{"time: fine", ruleTime(nil, now.Add(-time.Hour), now), ""},
		{"time: empty", ruleTime(nil, time.Time{}, now), "error missing-field created_at: empty"},
		{"time: before 1970", ruleTime(nil, time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC), now), "error bad-value created_at: 1899-12-30T00:00:00Z is before 1970"},
		{"time: 1970 itself", ruleTime(nil, time.Unix(1, 0), now), ""},
		{"time: future", ruleTime(nil, now.Add(time.Minute), now), "error future-time created_at: in the future"},
		{"text: fine", ruleText(nil, "body", "Grüße"), ""},
		{"text: Windows-1252 bytes", ruleText(nil, "body", "Mar\xeda"), "warning bad-value body: not valid UTF-8"},
		{"text: NUL", ruleText(nil, "title", "a\x00b"), "warning bad-value title: NUL"},
		{"person: email", rulePerson(nil, "author", anna, true, validEmail), ""},
		{"person: bad email", rulePerson(nil, "author", readers.User{Email: "anna@"}, true, validEmail), `error bad-value author_email: "anna@" is not an email`},
		{"person: reply author with an id only", rulePerson(nil, "author", idOnly, true, validEmail), "error no-identity author_email: no email"},
		{"person: requester with an id only", rulePerson(nil, "requester", idOnly, false, validEmail), ""},
		{"person: Assembly id only", rulePerson(nil, "author", readers.User{AssemblyID: "a1"}, true, validEmail), ""},
		{"person: nobody", rulePerson(nil, "requester", readers.User{Name: "X"}, false, validEmail), "error no-identity requester_email: neither an email nor an id"},
		{"follow-up author: email", ruleFollowUpAuthor(nil, anna, "a.pdf"), ""},
		{"follow-up author: id only", ruleFollowUpAuthor(nil, idOnly, "a.pdf"), "error no-identity requester_email: (a.pdf) go on a follow-up message"},
	}
	for _, tt := range tests {
		switch {
		case tt.want == "" && len(tt.find) != 0:
			t.Errorf("%s: found %+v, want nothing", tt.name, tt.find)
		case tt.want == "":
		case len(tt.find) != 1:
			t.Errorf("%s: found %+v, want one finding", tt.name, tt.find)
		default:
			f := tt.find[0]
			head, words, _ := strings.Cut(tt.want, ": ")
			if got := string(f.severity) + " " + f.kind + " " + f.field; got != head || !strings.Contains(f.message, words) {
				t.Errorf("%s: found %s: %s; want %s", tt.name, got, f.message, tt.want)
			}
		}
	}
}

func TestWithAttachmentNotes(t *testing.T) {
	for _, tt := range []struct{ body, want string }{
		{"Hello\n", "Hello\n\nAttachments:\nx"},
		{"Hello\n\nAttachments:\nhttps://a/b.pdf", "Hello\n\nAttachments:\nhttps://a/b.pdf\nx"},
		{"Hello\n\nAttachments:\na\n\nRegards", "Hello\n\nAttachments:\na\n\nRegards\n\nAttachments:\nx"},
	} {
		if got := WithAttachmentNotes(tt.body, "x"); got != tt.want {
			t.Errorf("WithAttachmentNotes(%q) = %q, want %q", tt.body, got, tt.want)
		}
	}
	if got := WithAttachmentNotes("Hi"); got != "Hi" {
		t.Errorf("no lines: %q", got)
	}
}

func TestLinkName(t *testing.T) {
	for raw, want := range map[string]string{
		"https://cdn.example.com/a/shot.PNG?s=1":                           "shot.PNG",
		"https://acme.zendesk.com/attachments/token/Xy12/?name=screen.png": "screen.png",
		"https://jira.example.com/secure/attachment/10001?filename=a.jpg":  "a.jpg",
		"https://files.example.com/download/42":                            "42",
		"https://example.com/":                                             "",
	} {
		u, _ := url.Parse(raw)
		if got := LinkName(u); got != want {
			t.Errorf("LinkName(%s) = %q, want %q", raw, got, want)
		}
	}
	p := placed{imageURLs: []string{"https://acme.zendesk.com/attachments/token/Xy12/?name=screen.png"}}
	if ev, _ := splitForEvent(p); len(ev.imageURLs) != 1 {
		t.Errorf("a PNG named in the query does not go on the event: %+v", ev)
	}
}
