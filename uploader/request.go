package uploader

import (
	"cmp"
	"errors"
	"fmt"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
)

// eventRequest is what the API is sent for a ticket's payload.
func eventRequest(ev planner.Event) assembly.Event {
	return assembly.Event{
		SSID:       ev.SSID,
		Title:      ev.Title,
		Query:      ev.Body,
		Created:    ev.Created,
		User:       apiUser(ev.Requester),
		Company:    ev.Company,
		Properties: ev.Properties,
		Files:      ev.Files,
		ImageURLs:  ev.ImageURLs,
	}
}

// replyRequest is what the API is sent for a reply's payload.
func replyRequest(r planner.Reply) assembly.Reply {
	return assembly.Reply{
		TicketSSID: r.TicketSSID,
		SSID:       r.SSID,
		Content:    r.Body,
		Created:    r.Created,
		User:       apiUser(r.Author),
		Files:      r.Files,
		ImageURLs:  r.ImageURLs,
	}
}

func apiUser(u readers.User) assembly.User {
	return assembly.User{ID: u.AssemblyID, Email: u.Email, Name: u.Name, SourceSpecificID: u.SourceID}
}

// whoseID adds to a reply's refusal for want of its author's Assembly user
// id who the author is and what the plan knew of them, so that the problem
// names what is missing.
func whoseID(err error, author readers.User) error {
	var e *assembly.APIError
	if !errors.As(err, &e) || !assembly.Classify(assembly.Replies, err).NeedsUserID {
		return err
	}
	who := cmp.Or(author.Email, author.SourceID, author.Name, "someone the export does not name")
	if author.AssemblyID != "" {
		e.Message += fmt.Sprintf(" (its author %s was sent with Assembly user id %s)", who, author.AssemblyID)
	} else {
		e.Message += fmt.Sprintf(" (its author %s has no Assembly user id: --user-map gives one by email, source_id or name)", who)
	}
	return err
}
