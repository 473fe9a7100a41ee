package assembly

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Lane is one of the API's two rate-limited endpoints.
type Lane string

// The lanes.
const (
	Events  Lane = "events"  // EventsPath: creates tickets, which the server deduplicates
	Replies Lane = "replies" // RepliesPath: adds messages, which it does not (but for Slack sources)
)

// Outcome is what one attempt's answer means for the item it sent.
type Outcome int

// The outcomes an answer can have.
const (
	// Delivered: the server acted on the request.
	Delivered Outcome = iota + 1
	// AlreadyThere: the server holds the item from an earlier attempt.
	AlreadyThere
	// Rejected: the server refused this content for good (a 4xx).
	Rejected
	// Throttled: rate limited, not acted on; not an attempt (the pacer
	// decides when to try again).
	Throttled
	// Transient: not acted on (a 5xx, a connection that never reached the
	// server): try again after a back-off.
	Transient
	// NotYet: a reply whose ticket the server does not know yet (404):
	// try again a few times, then give up for this run.
	NotYet
	// Uncertain: the request may have reached the server and no answer
	// came; resending a reply may double it.
	Uncertain
	// Unsendable: the request could not be built (an attachment that
	// vanished since planning).
	Unsendable
	// Stop: nothing after this answer can succeed; Verdict.Stop says why.
	Stop
)

// Stop reasons: errors that end a run, resumably.
var (
	// ErrUnauthorized: the server refused the API key.
	ErrUnauthorized = errors.New("the API key was refused (HTTP 401): it is invalid or expired")
	// ErrUserIDRequired: the server wants the Assembly user id of reply
	// authors, which only the admin's user map can give.
	ErrUserIDRequired = errors.New("a reply was refused for want of its author's Assembly user id")
	// ErrUntrusted: the server's TLS certificate is not trusted.
	ErrUntrusted = errors.New("the API's TLS certificate is not trusted")
	// ErrRedirected: the API answered with a redirect, which is never
	// followed (it would carry the key elsewhere): the API URL is wrong.
	ErrRedirected = errors.New("the API answered with a redirect, which is not followed: check --api-url")
	// ErrWrongEndpoint: the events endpoint does not exist at the API URL
	// (404 or 405): every ticket would be refused alike.
	ErrWrongEndpoint = errors.New("the API URL does not serve Assembly's endpoints: check --api-url")
	// ErrNotAPI: what answers at the API URL is not Assembly's API (a web
	// server, a portal): it answers what the API never would
	// (*NotAPIError says what).
	ErrNotAPI = errors.New("the API URL does not answer as Assembly's API: check --api-url")
)

// Verdict is Classify's answer.
type Verdict struct {
	Outcome Outcome
	// Reason is the answer in words, for the checkpoint and the logs.
	Reason string
	// Stop is set for Outcome Stop: one of the stop reasons, wrapped with
	// what the server said.
	Stop error
	// API is the server's answer when there was one.
	API *APIError
	// NeedsUserID marks a reply refused for want of its author's Assembly
	// user id (Outcome Rejected): the admin's user map gives those, so the
	// reply is tried again by the next run, and many in a row stop the run
	// (ErrUserIDRequired).
	NeedsUserID bool
}

// Classify says what the error of one attempt on lane means — nil, an
// *APIError, a *TransportError, or any other error from building the
// request. It is the one place that reads the API's answers, including the
// ones its page leaves open:
//   - a second create of a ticket may answer 409, a 2xx with the first
//     number, or a 400 whose text says it — the ticket, its source id —
//     exists: all are AlreadyThere (the same words about another field are
//     a rejection);
//   - a 400 to a reply that speaks of a user id being required means the
//     server wants its author's Assembly user id (NeedsUserID);
//   - an answer other than 429 whose text speaks of a rate limit is one;
//   - a 2xx is always delivered, whatever its body (the client sees to it);
//   - a 5xx that came after the whole body left may follow acting on it:
//     uncertain, like a lost answer.
func Classify(lane Lane, err error) Verdict {
	var apiErr *APIError
	var netErr *TransportError
	var certErr *tls.CertificateVerificationError
	var notAPI *NotAPIError
	switch {
	case err == nil:
		return Verdict{Outcome: Delivered}
	case errors.As(err, &notAPI):
		return Verdict{Outcome: Stop, Reason: err.Error(), Stop: err}
	case errors.As(err, &apiErr):
		return classifyAPI(lane, apiErr)
	case errors.As(err, &certErr):
		// Nothing signed by that certificate will be trusted by a retry.
		return Verdict{Outcome: Stop, Reason: err.Error(), Stop: fmt.Errorf("%w: %w", ErrUntrusted, err)}
	case errors.As(err, &netErr):
		if netErr.Sent {
			return Verdict{Outcome: Uncertain, Reason: netErr.Error()}
		}
		return Verdict{Outcome: Transient, Reason: netErr.Error()}
	}
	return Verdict{Outcome: Unsendable, Reason: err.Error()}
}

func classifyAPI(lane Lane, e *APIError) Verdict {
	v := Verdict{Reason: e.Error(), API: e}
	switch {
	case e.Status == http.StatusUnauthorized:
		v.Outcome, v.Stop = Stop, ErrUnauthorized
	case e.Status/100 == 3:
		v.Outcome, v.Stop = Stop, fmt.Errorf("%w (HTTP %d to %s)", ErrRedirected, e.Status, e.Location)
	case e.Status == http.StatusMethodNotAllowed || e.Status == http.StatusNotFound && lane == Events:
		v.Outcome, v.Stop = Stop, fmt.Errorf("%w (HTTP %d on %s: %s)", ErrWrongEndpoint, e.Status, lane, e.Message)
	case e.Status == http.StatusTooManyRequests || rateLimited(e):
		v.Outcome = Throttled
	case e.Status == http.StatusConflict || lane == Events && alreadyExists(e):
		v.Outcome = AlreadyThere
	case e.Status == http.StatusBadRequest && lane == Replies && userIDMissing(e):
		// One author's missing id refuses that reply; every author's, every
		// reply: the caller's breaker tells which.
		v.Outcome, v.NeedsUserID = Rejected, true
	case e.Status == http.StatusNotFound && lane == Replies:
		v.Outcome = NotYet
	case e.Status >= 500 && e.BodySent:
		// The server may have acted before failing: a reply resent may
		// appear twice (a ticket cannot: tickets are deduplicated).
		v.Outcome = Uncertain
	case e.Status >= 500:
		v.Outcome = Transient
	default:
		v.Outcome = Rejected
	}
	return v
}

// says reports whether an error's text, lower-cased, holds one of phrases.
func says(e *APIError, phrases ...string) bool {
	msg := strings.ToLower(e.Message)
	for _, p := range phrases {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}

// alreadyExists recognises a second create of the same ticket answered
// with an error that says so: words for "exists" about the ticket's source
// id, or about the ticket and no other field. The same words about another
// field ("Validation failed: Email has already been taken") reject this
// ticket's content: taken for "already there", the ticket would be
// recorded delivered while Assembly holds none.
func alreadyExists(e *APIError) bool {
	if !says(e, "already exist", "duplicate", "already been taken", "already in use", "already present") {
		return false
	}
	return says(e, "source_specific_id", "source specific id", "source-specific id", "source id") ||
		says(e, "ticket", "interaction") && !says(e, "email", "user", "company", "name", "phone", "title", "file")
}

// userIDMissing recognises the answer to a reply whose user lacks an
// Assembly id ("user.id is required", "User ID is required", "user_id is
// mandatory", "user.id or user.email is required"). The vendor's pages
// disagree on whether the id is required; a stop is resumable where a
// rejection of every reply would not be.
func userIDMissing(e *APIError) bool {
	return says(e, "user.id", "user id", "user_id", "userid")
}

// rateLimited recognises a rate limit answered with another status than 429.
func rateLimited(e *APIError) bool {
	return e.Status != http.StatusBadRequest && says(e, "rate limit", "too many requests", "throttl")
}
