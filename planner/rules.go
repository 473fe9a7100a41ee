package planner

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/assembly-import/assembly-import/readers"
)

// finding is what one rule found wrong with one field of one record.
type finding struct {
	severity Severity
	kind     string
	field    string
	message  string
}

func errorf(kind, field, message string) finding {
	return finding{SeverityError, kind, field, message}
}

func warningf(kind, field, message string) finding {
	return finding{SeverityWarning, kind, field, message}
}

// The rules below each check one thing of one record on its own and append
// what they find to dst: a new rule is one function, one call in
// ticketRules or replyRules, and one row in rules_test.go. Checks that need
// more than the record — duplicate ids, replies against their tickets,
// attachments on disk — are in build.go, link.go and attach.go.

// ticketRules checks a ticket that has an id, at now.
func ticketRules(dst []finding, t *readers.Ticket, now time.Time, validEmail func(string) bool) []finding {
	dst = ruleID(dst, "ticket_id", t.Key)
	dst = ruleTitle(dst, t.Title)
	if !readers.HasError(t.Problems, "created_at") {
		dst = ruleTime(dst, t.Created, now)
	}
	dst = rulePerson(dst, "requester", t.Requester, false, validEmail)
	dst = ruleFirstMessage(dst, t.Body)
	dst = ruleText(dst, "title", t.Title)
	dst = ruleText(dst, "body", t.Body)
	return dst
}

// replyRules checks a reply that has an id, at now.
func replyRules(dst []finding, r *readers.Reply, now time.Time, validEmail func(string) bool) []finding {
	dst = ruleID(dst, "reply_id", r.Key)
	dst = ruleTicketRef(dst, r.TicketKey)
	if !readers.HasError(r.Problems, "created_at") {
		dst = ruleTime(dst, r.Created, now)
	}
	dst = rulePerson(dst, "author", r.Author, true, validEmail)
	dst = ruleText(dst, "body", r.Body)
	return dst
}

// ruleID: an id becomes part of a checkpoint key and of Assembly's
// source_specific_id, so it must survive the trip byte for byte: invalid
// UTF-8 would be replaced (U+FFFD) on the way, and the item sent again on
// every resume.
func ruleID(dst []finding, field, id string) []finding {
	switch {
	case !utf8.ValidString(id):
		return append(dst, errorf(ProblemBadValue, field, "the id is not valid UTF-8 text (a file in another encoding?); it would not survive the trip to Assembly"))
	case strings.ContainsFunc(id, isControl):
		return append(dst, errorf(ProblemBadValue, field, "the id holds a control character (a line break or NUL)"))
	}
	return dst
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f }

// ruleTitle: Assembly requires a title.
func ruleTitle(dst []finding, title string) []finding {
	if strings.TrimSpace(title) == "" {
		return append(dst, errorf(ProblemMissing, "title", "the title is empty; Assembly requires one"))
	}
	return dst
}

// ruleFirstMessage: Assembly requires a ticket's first message.
func ruleFirstMessage(dst []finding, body string) []finding {
	if strings.TrimSpace(body) == "" {
		return append(dst, errorf(ProblemEmptyBody, "body", "the first message is empty; Assembly requires one"))
	}
	return dst
}

// ruleTicketRef: a reply must name its ticket.
func ruleTicketRef(dst []finding, ticketKey string) []finding {
	if ticketKey == "" {
		return append(dst, errorf(ProblemMissing, "ticket_id", "the reply names no ticket"))
	}
	return dst
}

// ruleTime: a message's time must be there, and between 1970 and now:
// helpdesks, and Assembly's timestamps, start after 1970, so an earlier
// year is a typo or an empty date written as one ("0001-01-01", Excel's
// "1899-12-30"). An unparseable time the reader reported already.
func ruleTime(dst []finding, t, now time.Time) []finding {
	switch {
	case t.IsZero():
		return append(dst, errorf(ProblemMissing, "created_at", "the timestamp is empty"))
	case t.Unix() < 0:
		return append(dst, errorf(ProblemBadValue, "created_at", t.Format(time.RFC3339)+" is before 1970: a typo, or an empty date written as one"))
	case t.After(now):
		return append(dst, errorf(ProblemFuture, "created_at", t.Format(time.RFC3339)+" is in the future"))
	}
	return dst
}

// ruleText: invalid UTF-8 would arrive as U+FFFD ("Mar�a") and a NUL may
// cut the text short; both are sent as they are, with a warning.
func ruleText(dst []finding, field, text string) []finding {
	switch {
	case !utf8.ValidString(text):
		return append(dst, warningf(ProblemBadValue, field, "the text is not valid UTF-8 (a file in another encoding?): its odd bytes will show as �"))
	case strings.IndexByte(text, 0) >= 0:
		return append(dst, warningf(ProblemBadValue, field, "the text holds a NUL byte, which Assembly may cut the text at"))
	}
	return dst
}

// rulePerson: Assembly must be able to identify a requester or author.
// Replies need an email or an Assembly user id; tickets also take the old
// helpdesk's id. validEmail checks an address's syntax (the builder keeps
// the answers: people write many messages).
func rulePerson(dst []finding, role string, u readers.User, reply bool, validEmail func(string) bool) []finding {
	switch {
	case u.Email != "" && !validEmail(u.Email):
		return append(dst, errorf(ProblemBadValue, role+"_email", fmt.Sprintf("%q is not an email address", u.Email)))
	case reply && u.Email == "" && u.AssemblyID == "":
		return append(dst, errorf(ProblemIdentity, role+"_email",
			"the "+role+" has no email; Assembly needs an email (or an Assembly user id) for every reply: --people gives people "+
				"their emails from the old helpdesk's directory (by id), --default-author sends the rest as one address, naming them in the text"))
	case u.Email == "" && u.SourceID == "" && u.AssemblyID == "":
		return append(dst, errorf(ProblemIdentity, role+"_email", "the "+role+" has neither an email nor an id (--default-author sends such people as one address, naming them in the text)"))
	}
	return dst
}

// ruleFollowUpAuthor: what a ticket's event cannot carry goes on a
// follow-up message from the requester, which, as a reply, needs the
// requester's email or Assembly user id.
func ruleFollowUpAuthor(dst []finding, requester readers.User, names string) []finding {
	if requester.Email == "" && requester.AssemblyID == "" {
		return append(dst, errorf(ProblemIdentity, "requester_email",
			"the first message's attachments that a ticket cannot carry ("+names+") go on a follow-up message from the requester, "+
				"and the requester has no email: Assembly needs an email (or an Assembly user id, --user-map) for it"))
	}
	return dst
}
