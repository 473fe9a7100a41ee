// Package sandbox is a strict fake of the Assembly API, for tests and demos:
// it enforces every rule of the contract the uploader is written against —
// the key, the multipart fields, the file limits, ticket deduplication,
// replies only to existing tickets, and both rate limits counted at arrival
// over a sliding window — and keeps what it accepted for inspection.
package sandbox

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/assembly-import/assembly-import/assembly"
)

// Lane is one of the API's two rate-limited endpoints.
type Lane = assembly.Lane

// The lanes, as the assembly package names them.
const (
	Events  = assembly.Events
	Replies = assembly.Replies
)

// Options configures a sandbox. Zero values are the real API's behaviour.
type Options struct {
	// Key is the API key the server accepts.
	Key string
	// Limits [30 events per second, 60 replies per minute].
	EventsPerSec  int
	RepliesPerMin int
	// The limits' windows [1s, 1m]; benchmarks shrink them to scale time.
	EventsWindow, RepliesWindow time.Duration
	// LimitModel is how arrivals are counted [Sliding].
	LimitModel Model
	// GCRATolerance is how early a request may come under GCRA [two
	// emission intervals].
	GCRATolerance time.Duration
	// Transit delays each request by a random time before it is counted:
	// the network's jitter, which bunches evenly paced sends.
	Transit Range
	// Latency delays each answer by a random time after counting: processing.
	Latency Range
	// LostAck is the probability of acting on a request and then dropping
	// the connection without an answer.
	LostAck float64
	// RecordArrivals keeps the time of every admitted request (Arrivals).
	RecordArrivals bool
	// ReplyDedup rejects a reply whose source_specific_id the ticket holds
	// already (409). Assembly does this only for Slack sources: off by default.
	ReplyDedup bool
	// DuplicateTicket is the status a second create of the same ticket gets:
	// 409 [default], 200 (with the first number), or 400 with a message saying
	// it exists. The vendor does not document which.
	DuplicateTicket int
	// DuplicateMessage is the error text of a duplicate ticket's 400 or 409
	// ["a ticket with source_specific_id … already exists" for 400, "source
	// specific id already exists" for 409].
	DuplicateMessage string
	// UserIDMessage is the error text of a reply refused for want of a user
	// id ["user.id is required"].
	UserIDMessage string
	// RequireUserID refuses replies whose user has no Assembly id, as one
	// version of the vendor's page says ("user.id is now mandatory").
	RequireUserID bool
	// BinaryMegabytes reads the page's "4MB" and "32MB" as 4 and 32 MiB
	// instead of the stricter 4,000,000 and 32,000,000 bytes [false]: the
	// page does not say which.
	BinaryMegabytes bool
	// NoRetryAfter leaves the Retry-After header off 429 answers.
	NoRetryAfter bool
	// ServerTiming makes every answer to a counted request say how long
	// the server had it (Server-Timing: app;dur=…, in milliseconds), as
	// many servers and gateways do; Assembly's page does not say whether
	// it does.
	ServerTiming bool
	// Fail503 is the probability of answering 503 without acting.
	Fail503 float64
	// Fail500Acted is the probability of acting on a request, then
	// answering 500: a server that fails after doing the work.
	Fail500Acted float64
	// Stall is the probability of holding a request unanswered, without
	// acting, until the client gives up: a stalled connection.
	Stall float64
	// RevokeAfter makes the key invalid after this many requests (0: never).
	RevokeAfter int
	// Hook, when set, is asked about every authorised request that passed
	// the rate limit; a non-nil Fault is what happens to it.
	Hook func(Request) *Fault
}

// Request describes an incoming request to Hook.
type Request struct {
	Lane       Lane
	N          int    // 1 for the lane's first request
	TicketSSID string // a reply's source_specific_id query parameter, else ""
}

// Fault is an injected failure.
type Fault struct {
	// Status and Message answer the request without acting on it.
	Status     int
	Message    string
	RetryAfter time.Duration
	// LostAck acts on the request, then drops the connection before answering.
	LostAck bool
	// Stall never answers: the request is held until the client gives up,
	// after acting on it when Acted is set too.
	Stall bool
	// Acted acts on the request, then answers Status with Body: a 2xx whose
	// body is not the documented JSON, or a 5xx after acting.
	Acted bool
	// Body, when set, is the answer's raw body instead of {"error": Message}.
	Body string
	// Location is sent with the answer: a redirect's target.
	Location string
}

// Ticket is a ticket as the sandbox stores it.
type Ticket struct {
	Number     string         `json:"number"`
	ID         string         `json:"id"`
	SSID       string         `json:"source_specific_id"`
	Title      string         `json:"title"`
	Query      string         `json:"query"`
	User       map[string]any `json:"user"`
	Company    string         `json:"company,omitempty"`
	Created    string         `json:"original_timestamp,omitempty"`
	Properties map[string]any `json:"additional_properties,omitempty"`
	Files      []File         `json:"files,omitempty"`
	ImageURLs  []string       `json:"files_image_url,omitempty"`
	Replies    []Reply        `json:"replies"`
}

// Reply is a reply as the sandbox stores it.
type Reply struct {
	HistoryID string         `json:"history_id"`
	SSID      string         `json:"source_specific_id"`
	Content   string         `json:"content"`
	Created   string         `json:"original_timestamp,omitempty"`
	User      map[string]any `json:"user"`
	Files     []File         `json:"files,omitempty"`
	ImageURLs []string       `json:"files_image_url,omitempty"`
}

// File is an uploaded file, kept as its digest.
type File struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Stats counts what the sandbox saw.
type Stats struct {
	Events, Replies LaneStats
	// DuplicateTickets counts creates of a ticket that existed.
	DuplicateTickets int
	// DuplicateReplies counts replies whose source_specific_id the ticket
	// held already (accepted unless ReplyDedup).
	DuplicateReplies int
	// OrderViolations counts replies older than the ticket's previous reply.
	OrderViolations int
	Unauthorized    int
	Model           Model
}

// LaneStats counts one lane's requests.
type LaneStats struct {
	Accepted    int // acted on
	Rejected    int // answered 4xx other than 401 and 429
	TooMany     int // answered 429
	Injected    int // failed on purpose
	Probes      int // requests that prove the API (assembly.HeaderProbe), not counted above
	MaxInWindow int // the most admitted arrivals seen in any sliding window
	Limit       int
	Window      time.Duration
}

// Server is the fake API. It is an http.Handler and safe for concurrent use.
type Server struct {
	opts Options

	mu       sync.Mutex
	requests int
	n        map[Lane]int
	limits   map[Lane]limiter
	meters   map[Lane]*meter
	tickets  map[string]*Ticket // by source_specific_id
	byID     map[string]*Ticket
	order    []*Ticket
	seq      uint64
	stats    Stats
}

// New returns a sandbox with opts.
func New(opts Options) *Server {
	if opts.EventsPerSec <= 0 {
		opts.EventsPerSec = assembly.EventsPerWindow
	}
	if opts.RepliesPerMin <= 0 {
		opts.RepliesPerMin = assembly.RepliesPerWindow
	}
	if opts.DuplicateTicket == 0 {
		opts.DuplicateTicket = http.StatusConflict
	}
	if opts.EventsWindow <= 0 {
		opts.EventsWindow = assembly.EventsWindow
	}
	if opts.RepliesWindow <= 0 {
		opts.RepliesWindow = assembly.RepliesWindow
	}
	if opts.LimitModel == "" {
		opts.LimitModel = Sliding
	}
	return &Server{
		opts: opts,
		n:    make(map[Lane]int),
		limits: map[Lane]limiter{
			Events:  newLimiter(opts.LimitModel, opts.EventsPerSec, opts.EventsWindow, opts.GCRATolerance),
			Replies: newLimiter(opts.LimitModel, opts.RepliesPerMin, opts.RepliesWindow, opts.GCRATolerance),
		},
		meters: map[Lane]*meter{
			Events:  {width: opts.EventsWindow, keep: opts.RecordArrivals},
			Replies: {width: opts.RepliesWindow, keep: opts.RecordArrivals},
		},
		tickets: make(map[string]*Ticket),
		byID:    make(map[string]*Ticket),
	}
}

// apiError is an answer other than success, with the status and the
// "error" text the server sends.
type apiError struct {
	status int
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func fail(status int, format string, args ...any) error {
	return &apiError{status, fmt.Sprintf(format, args...)}
}

// ServeHTTP answers POST /interactions and POST /interactions/reply.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var lane Lane
	switch r.URL.Path {
	case assembly.EventsPath:
		lane = Events
	case assembly.RepliesPath:
		lane = Replies
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
		return
	}
	if r.Method != http.MethodPost {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "method not allowed"})
		return
	}
	if !pause(r, s.opts.Transit.draw()) {
		return
	}
	counted := time.Now()
	fault, err := s.admit(lane, r, counted) // counted when it arrives
	if err == nil && s.opts.ServerTiming {
		w = &timedWriter{ResponseWriter: w, since: counted}
	}
	if err == nil && !pause(r, s.opts.Latency.draw()) {
		return
	}
	if err != nil {
		s.answerError(w, lane, err)
		return
	}
	if fault != nil && fault.Stall && !fault.Acted {
		stall(r)
		return
	}
	if fault != nil && !fault.LostAck && !fault.Acted {
		fault.answer(w)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 512<<20)
	var status int
	var answer any
	if lane == Events {
		status, answer, err = s.createTicket(r)
	} else {
		status, answer, err = s.addReply(r)
	}
	if r.MultipartForm != nil {
		r.MultipartForm.RemoveAll()
	}
	if err != nil {
		s.answerError(w, lane, err)
		return
	}
	if fault != nil && fault.LostAck {
		dropConnection(w)
		return
	}
	if fault != nil && fault.Stall {
		stall(r)
		return
	}
	if fault != nil && fault.Acted {
		fault.answer(w)
		return
	}
	writeJSON(w, status, answer)
}

// timedWriter adds a Server-Timing header, the time since the request was
// counted, to the answer it writes.
type timedWriter struct {
	http.ResponseWriter
	since time.Time
}

func (w *timedWriter) WriteHeader(status int) {
	ms := float64(time.Since(w.since).Microseconds()) / 1000
	w.Header().Set("Server-Timing", fmt.Sprintf("app;dur=%.3f", ms))
	w.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection (a dropped
// acknowledgement hijacks it).
func (w *timedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type rateLimited struct{ wait time.Duration }

func (e *rateLimited) Error() string { return "rate limit exceeded" }

func (s *Server) answerError(w http.ResponseWriter, lane Lane, err error) {
	var rl *rateLimited
	if errors.As(err, &rl) {
		if rl.wait > 0 {
			w.Header().Set("Retry-After", fmt.Sprint(max(1, int(math.Ceil(rl.wait.Seconds())))))
		}
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": err.Error()})
		return
	}
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{http.StatusBadRequest, err.Error()}
	}
	if ae.status != http.StatusUnauthorized {
		s.mu.Lock()
		s.lane(lane).Rejected++
		s.mu.Unlock()
	}
	writeJSON(w, ae.status, map[string]string{"error": ae.msg})
}

func (s *Server) lane(l Lane) *LaneStats {
	if l == Events {
		return &s.stats.Events
	}
	return &s.stats.Replies
}

// Tickets returns a copy of the stored tickets in creation order.
func (s *Server) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Ticket, len(s.order))
	for i, t := range s.order {
		out[i] = *t
		out[i].Replies = append([]Reply(nil), t.Replies...)
	}
	return out
}

// Stats returns the counts so far.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Events.Limit, st.Replies.Limit = s.opts.EventsPerSec, s.opts.RepliesPerMin
	st.Events.Window, st.Replies.Window = s.opts.EventsWindow, s.opts.RepliesWindow
	st.Model = s.opts.LimitModel
	return st
}

// Summary describes the counts in a few lines, for the sandbox command.
func (st Stats) Summary() string {
	var b strings.Builder
	fmt.Fprintf(&b, "accepted: %d tickets, %d replies\n", st.Events.Accepted, st.Replies.Accepted)
	fmt.Fprintf(&b, "duplicates: %d ticket creates, %d replies\n", st.DuplicateTickets, st.DuplicateReplies)
	fmt.Fprintf(&b, "429s: %d events, %d replies\n", st.Events.TooMany, st.Replies.TooMany)
	fmt.Fprintf(&b, "rejected: %d events, %d replies; unauthorised: %d\n", st.Events.Rejected, st.Replies.Rejected, st.Unauthorized)
	fmt.Fprintf(&b, "injected faults: %d events, %d replies\n", st.Events.Injected, st.Replies.Injected)
	fmt.Fprintf(&b, "order violations: %d\n", st.OrderViolations)
	fmt.Fprintf(&b, "most arrivals in any window (%s model): events %d/%d per %v, replies %d/%d per %v\n", st.Model,
		st.Events.MaxInWindow, st.Events.Limit, st.Events.Window, st.Replies.MaxInWindow, st.Replies.Limit, st.Replies.Window)
	return b.String()
}
