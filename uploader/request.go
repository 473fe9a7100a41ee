package uploader

import (
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
