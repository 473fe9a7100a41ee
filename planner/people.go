package planner

import (
	"net/mail"
	"strings"

	"github.com/assembly-import/assembly-import/readers"
)

// The people of an export: who may be sent as an author, who stands in
// for those Assembly cannot identify, and how many distinct people the
// plan names.

// fallbackAuthor gives a message whose author Assembly cannot identify on
// a reply (no email, no Assembly user id) the admin's fallback identity
// (Options.DefaultAuthor), and returns the line that starts its text and
// keeps who wrote it; with no fallback, or an author with an email, it
// returns the author as it is and "".
func (b *builder) fallbackAuthor(origin string, item itemID, field string, u readers.User) (readers.User, string) {
	if b.opts.DefaultAuthor == "" || u.Email != "" || u.AssemblyID != "" {
		return u, ""
	}
	var who []string
	if u.Name != "" {
		who = append(who, u.Name)
	}
	if u.SourceID != "" {
		who = append(who, "id "+u.SourceID)
	}
	original := strings.Join(who, ", ")
	if original == "" {
		original = "someone the export does not name"
	}
	b.stats.DefaultAuthored++
	b.problems.add(SeverityWarning, ProblemIdentity, origin, item, field,
		"no email: sent as %s (--default-author), the text starting \"Originally written by %s\" (--people gives people their emails from the old helpdesk's directory)", b.opts.DefaultAuthor, original)
	return readers.User{Email: b.opts.DefaultAuthor}, "Originally written by " + original + ":\n\n"
}

// validEmail checks an address's syntax, remembering the valid ones:
// people write many messages.
func (b *builder) validEmail(email string) bool {
	if b.emails.Has(email) {
		return true
	}
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		return false
	}
	b.emails.Add(email)
	return true
}

// person counts a requester or author among the distinct people, once
// rulePerson found nothing wrong with them.
func (b *builder) person(u readers.User, reply bool) {
	if len(rulePerson(nil, "", u, reply, b.emailOK)) > 0 {
		return
	}
	switch {
	case u.Email != "":
		b.users.Add(strings.ToLower(u.Email))
	default:
		b.sourceIDs.Add(u.SourceID)
	}
}
