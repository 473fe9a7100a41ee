package assembly_test

import (
	"crypto/tls"
	"errors"
	"fmt"
	"testing"

	"github.com/assembly-import/assembly-import/assembly"
)

func TestClassify(t *testing.T) {
	api := func(status int, msg string) error { return &assembly.APIError{Status: status, Message: msg} }
	tests := []struct {
		name string
		lane assembly.Lane
		err  error
		want assembly.Outcome
		stop error
	}{
		{"success", assembly.Events, nil, assembly.Delivered, nil},
		{"401 stops", assembly.Replies, api(401, "invalid or expired API key"), assembly.Stop, assembly.ErrUnauthorized},
		{"409 on a ticket", assembly.Events, api(409, "source specific id already exists"), assembly.AlreadyThere, nil},
		{"409 on a reply", assembly.Replies, api(409, "source specific id already exists"), assembly.AlreadyThere, nil},
		{"400 saying the ticket exists", assembly.Events, api(400, "a ticket with source_specific_id 7 already exists"), assembly.AlreadyThere, nil},
		{"400 on a reply is no duplicate", assembly.Replies, api(400, "already exists"), assembly.Rejected, nil},
		{"422 saying the ticket exists", assembly.Events, api(422, "Ticket has already been taken"), assembly.AlreadyThere, nil},
		{"422 saying the source id was taken", assembly.Events, api(422, "Validation failed: Source specific id has already been taken"), assembly.AlreadyThere, nil},
		{"422 about another field", assembly.Events, api(422, "Validation failed: Email has already been taken"), assembly.Rejected, nil},
		{"400 duplicate of another field", assembly.Events, api(400, "duplicate value for user.email"), assembly.Rejected, nil},
		{"400 duplicate with no subject", assembly.Events, api(400, "already exists"), assembly.Rejected, nil},
		{"429", assembly.Events, api(429, "rate limit exceeded"), assembly.Throttled, nil},
		{"user id wanted", assembly.Replies, api(400, "user.id is required"), assembly.Rejected, nil},
		{"404 on a reply", assembly.Replies, api(404, "ticket not found for identifier: 7"), assembly.NotYet, nil},
		{"404 on a ticket: wrong URL", assembly.Events, api(404, "not found"), assembly.Stop, assembly.ErrWrongEndpoint},
		{"405: wrong URL", assembly.Replies, api(405, "method not allowed"), assembly.Stop, assembly.ErrWrongEndpoint},
		{"redirect", assembly.Events, &assembly.APIError{Status: 301, Location: "http://127.0.0.1:9/x"}, assembly.Stop, assembly.ErrRedirected},
		{"user id wanted, other words", assembly.Replies, api(400, "User ID is required"), assembly.Rejected, nil},
		{"duplicate in other words", assembly.Events, api(400, "Duplicate source_specific_id"), assembly.AlreadyThere, nil},
		{"rate limit as 503", assembly.Replies, api(503, "Rate limit exceeded, slow down"), assembly.Throttled, nil},
		{"rate limit as 403", assembly.Events, api(403, "Too Many Requests"), assembly.Throttled, nil},
		{"503 before the body left", assembly.Events, api(503, "service unavailable"), assembly.Transient, nil},
		{"500 after the body left", assembly.Replies, &assembly.APIError{Status: 500, Message: "oops", BodySent: true}, assembly.Uncertain, nil},
		{"503 after the body left", assembly.Events, &assembly.APIError{Status: 503, BodySent: true}, assembly.Uncertain, nil},
		{"timed out after the body left", assembly.Replies, &assembly.TransportError{Err: errors.New("no answer within 1m"), Sent: true, Timeout: true}, assembly.Uncertain, nil},
		{"timed out while uploading", assembly.Replies, &assembly.TransportError{Err: errors.New("no answer within 1m"), Timeout: true}, assembly.Transient, nil},
		{"413", assembly.Replies, api(413, "File size exceeds 32MB"), assembly.Rejected, nil},
		{"never left", assembly.Replies, &assembly.TransportError{Err: errors.New("connection refused")}, assembly.Transient, nil},
		{"answer lost", assembly.Replies, &assembly.TransportError{Err: errors.New("EOF"), Sent: true}, assembly.Uncertain, nil},
		{"untrusted certificate", assembly.Events, fmt.Errorf("post: %w", &tls.CertificateVerificationError{Err: errors.New("unknown authority")}), assembly.Stop, assembly.ErrUntrusted},
		{"unbuildable request", assembly.Replies, &assembly.FileError{Ref: "a.pdf", Err: errors.New("no such file")}, assembly.Unsendable, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := assembly.Classify(tt.lane, tt.err)
			if v.Outcome != tt.want {
				t.Errorf("Classify(%s, %v).Outcome = %d, want %d", tt.lane, tt.err, v.Outcome, tt.want)
			}
			if (tt.stop == nil) != (v.Stop == nil) || tt.stop != nil && !errors.Is(v.Stop, tt.stop) {
				t.Errorf("Classify(%s, %v).Stop = %v, want %v", tt.lane, tt.err, v.Stop, tt.stop)
			}
		})
	}
}
