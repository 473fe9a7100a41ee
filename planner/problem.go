package planner

import "fmt"

// Severity says whether a problem blocks its item.
type Severity string

// An error keeps its item out of the migration; a warning does not.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// Problem kinds, stable for reports and for grouping.
const (
	ProblemUnreadable     = "unreadable"      // the source could not be parsed
	ProblemBadValue       = "bad-value"       // a cell that is not what its column holds
	ProblemMissing        = "missing-field"   // a required field is empty
	ProblemDuplicate      = "duplicate-id"    // an id seen before
	ProblemFuture         = "future-time"     // a timestamp after now
	ProblemOrphan         = "orphan-reply"    // a reply whose ticket does not exist
	ProblemTicketBlocked  = "ticket-blocked"  // a reply whose ticket has errors
	ProblemBeforeTicket   = "before-ticket"   // a reply older than its ticket
	ProblemIdentity       = "no-identity"     // a person Assembly cannot identify
	ProblemAttachment     = "attachment"      // a file that is missing, too big or unsafe
	ProblemAttachmentLink = "attachment-link" // a link that cannot be attached as a file
	ProblemEmptyBody      = "empty-body"      // a message without text
)

// ProblemKinds lists every kind of problem the planner reports.
var ProblemKinds = []string{ProblemUnreadable, ProblemBadValue, ProblemMissing, ProblemDuplicate, ProblemFuture,
	ProblemOrphan, ProblemTicketBlocked, ProblemBeforeTicket, ProblemIdentity, ProblemAttachment,
	ProblemAttachmentLink, ProblemEmptyBody}

// Problem is one thing wrong with one item of the source.
type Problem struct {
	Severity Severity `json:"severity"`
	Kind     string   `json:"kind"`
	Origin   string   `json:"origin"`          // e.g. "replies.csv:17"
	Item     string   `json:"item"`            // e.g. "reply r-991"
	Field    string   `json:"field,omitempty"` // e.g. "ticket_id"
	Message  string   `json:"message"`
}

func (p Problem) String() string {
	field := ""
	if p.Field != "" {
		field = " " + p.Field
	}
	return fmt.Sprintf("%s: %s: %s%s: %s", p.Origin, p.Severity, p.Item, field, p.Message)
}

// problems collects the problems of one build and counts them.
type problems struct {
	list             []Problem
	errors, warnings int
	locate           func(origin, field string) string
}

func (ps *problems) add(sev Severity, kind, origin string, item itemID, field, format string, args ...any) {
	if ps.locate != nil && field != "" {
		origin = ps.locate(origin, field)
	}
	ps.list = append(ps.list, Problem{Severity: sev, Kind: kind, Origin: origin, Item: item.String(), Field: field,
		Message: fmt.Sprintf(format, args...)})
	if sev == SeverityError {
		ps.errors++
	} else {
		ps.warnings++
	}
}
