// Package sandbox is a strict fake of the Assembly API, for tests and demos:
// it enforces every rule of the contract the uploader is written against —
// the key, the multipart fields, the file limits, ticket deduplication,
// replies only to existing tickets, and both rate limits counted at arrival
// over a sliding window — and keeps what it accepted for inspection.
package sandbox

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"mime/multipart"
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
	fault, err := s.admit(lane, r, time.Now()) // counted when it arrives
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

// admit checks the key and the rate limit, and asks for injected faults.
func (s *Server) admit(lane Lane, r *http.Request, arrival time.Time) (*Fault, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if r.Header.Get(assembly.HeaderKey) != s.opts.Key || s.opts.Key == "" ||
		(s.opts.RevokeAfter > 0 && s.requests > s.opts.RevokeAfter) {
		s.stats.Unauthorized++
		return nil, fail(http.StatusUnauthorized, "invalid or expired API key")
	}
	if ok, wait := s.limits[lane].admit(arrival); !ok {
		s.lane(lane).TooMany++
		e := &rateLimited{wait: wait}
		if s.opts.NoRetryAfter {
			e.wait = 0
		}
		return nil, e
	}
	m := s.meters[lane]
	m.add(arrival)
	s.lane(lane).MaxInWindow = m.max
	if r.Header.Get(assembly.HeaderProbe) != "" {
		s.lane(lane).Probes++
		return &Fault{Status: http.StatusBadRequest, Message: "query is required"}, nil // as any event without one
	}
	s.n[lane]++
	if s.opts.Hook != nil {
		if f := s.opts.Hook(Request{Lane: lane, N: s.n[lane], TicketSSID: r.URL.Query().Get("source_specific_id")}); f != nil {
			if !f.LostAck {
				s.lane(lane).Injected++
			}
			return f, nil
		}
	}
	if s.opts.Fail503 > 0 && rand.Float64() < s.opts.Fail503 {
		s.lane(lane).Injected++
		return &Fault{Status: http.StatusServiceUnavailable, Message: "service unavailable"}, nil
	}
	if s.opts.Fail500Acted > 0 && rand.Float64() < s.opts.Fail500Acted {
		s.lane(lane).Injected++
		return &Fault{Status: http.StatusInternalServerError, Acted: true, Body: `{"error":"internal server error"}`}, nil
	}
	if s.opts.Stall > 0 && rand.Float64() < s.opts.Stall {
		s.lane(lane).Injected++
		return &Fault{Stall: true}, nil
	}
	if s.opts.LostAck > 0 && rand.Float64() < s.opts.LostAck {
		return &Fault{LostAck: true}, nil
	}
	return nil, nil
}

// answer writes the fault's answer.
func (f *Fault) answer(w http.ResponseWriter) {
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(f.RetryAfter.Seconds()))))
	}
	if f.Location != "" {
		w.Header().Set("Location", f.Location)
	}
	if f.Body != "" || f.Acted {
		w.WriteHeader(f.Status)
		io.WriteString(w, f.Body)
		return
	}
	writeJSON(w, f.Status, map[string]string{"error": f.Message})
}

// pause waits d, or reports false when the client went away.
func pause(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// Utilisation is the share of lane's limit the admitted arrivals used
// between the end of the first window (a run starts with an empty window)
// and the last arrival. It needs Options.RecordArrivals.
func (s *Server) Utilisation(lane Lane) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := s.meters[lane].all
	if len(all) < 2 {
		return 0
	}
	limit, width := s.opts.EventsPerSec, s.opts.EventsWindow
	if lane == Replies {
		limit, width = s.opts.RepliesPerMin, s.opts.RepliesWindow
	}
	from, to := all[0].Add(width), all[len(all)-1]
	if !to.After(from) {
		return 0
	}
	n := 0
	for _, a := range all {
		if a.After(from) {
			n++
		}
	}
	return float64(n) / (float64(limit) * to.Sub(from).Seconds() / width.Seconds())
}

// Arrivals returns the arrival time of every admitted request of lane, when
// Options.RecordArrivals is set.
func (s *Server) Arrivals(lane Lane) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.meters[lane].all...)
}

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

func (s *Server) createTicket(r *http.Request) (int, any, error) {
	if err := parseForm(r); err != nil {
		return 0, nil, err
	}
	f := r.MultipartForm.Value
	t := &Ticket{
		SSID:    first(f["source_specific_id"]),
		Title:   first(f["title"]),
		Query:   first(f["query"]),
		Company: first(f["company_source_specific_id"]),
		Created: first(f["original_timestamp"]),
	}
	if t.Query == "" {
		return 0, nil, fail(400, "query is required")
	}
	if t.Title == "" {
		return 0, nil, fail(400, "title is required")
	}
	user, err := jsonObject(f, "user")
	if err != nil {
		return 0, nil, err
	}
	if user == nil {
		return 0, nil, fail(400, "user is required")
	}
	if !hasAny(user, "email", "source_specific_id", "id") {
		return 0, nil, fail(400, "user needs one of email, source_specific_id or id")
	}
	t.User = user
	if t.Properties, err = jsonObject(f, "additional_properties"); err != nil {
		return 0, nil, err
	}
	if err := checkTimestamp(t.Created); err != nil {
		return 0, nil, err
	}
	for _, fh := range r.MultipartForm.File["files"] {
		if !assembly.EventTakesImageName(fh.Filename) {
			return 0, nil, fail(400, "file %s could not be opened: only JPG and PNG images are accepted", fh.Filename)
		}
		if fh.Size > s.megabytes(assembly.MaxEventImageMB) {
			return 0, nil, fail(400, "file %s is too large: images may be at most %d MB", fh.Filename, assembly.MaxEventImageMB)
		}
		if ct, err := sniff(fh); err != nil || !assembly.IsEventImageType(ct) {
			return 0, nil, fail(400, "file %s could not be opened as an image", fh.Filename)
		}
		sum, err := digest(fh)
		if err != nil {
			return 0, nil, fail(400, "file %s could not be opened", fh.Filename)
		}
		t.Files = append(t.Files, File{Name: fh.Filename, Size: fh.Size, SHA256: sum})
	}
	if urls := first(f["files_image_url"]); urls != "" {
		t.ImageURLs = strings.Split(urls, ",")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.tickets[t.SSID]; ok && t.SSID != "" {
		s.stats.DuplicateTickets++
		switch s.opts.DuplicateTicket {
		case http.StatusOK:
			return http.StatusOK, map[string]string{"created_ticket_number": prev.Number}, nil
		case http.StatusBadRequest:
			return 0, nil, fail(400, "%s", cmp.Or(s.opts.DuplicateMessage, "a ticket with source_specific_id "+t.SSID+" already exists"))
		default:
			return 0, nil, fail(http.StatusConflict, "%s", cmp.Or(s.opts.DuplicateMessage, "source specific id already exists"))
		}
	}
	s.seq++
	t.Number = fmt.Sprintf("ASM-%d", 100+len(s.order)+1)
	t.ID = ulid(time.Now(), s.seq)
	if t.SSID != "" {
		s.tickets[t.SSID] = t
	}
	s.byID[t.ID] = t
	s.order = append(s.order, t)
	s.stats.Events.Accepted++
	return http.StatusOK, map[string]string{"created_ticket_number": t.Number}, nil
}

func (s *Server) addReply(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	id, ssid := q.Get("id"), q.Get("source_specific_id")
	if (id == "") == (ssid == "") {
		return 0, nil, fail(400, "exactly one of id or source_specific_id must be provided")
	}
	if id != "" && !isULID(id) {
		return 0, nil, fail(400, "invalid ULID format for id parameter")
	}
	if err := parseForm(r); err != nil {
		return 0, nil, err
	}
	f := r.MultipartForm.Value
	rep := Reply{
		SSID:    first(f["source_specific_id"]),
		Content: first(f["content"]),
		Created: first(f["original_timestamp"]),
	}
	if rep.Content == "" {
		return 0, nil, fail(400, "content is required")
	}
	user, err := jsonObject(f, "user")
	if err != nil {
		return 0, nil, err
	}
	if user == nil {
		return 0, nil, fail(400, "user is required")
	}
	if !hasAny(user, "id", "email") {
		return 0, nil, fail(400, "user.id or user.email is required")
	}
	if s.opts.RequireUserID && !hasAny(user, "id") {
		return 0, nil, fail(400, "%s", cmp.Or(s.opts.UserIDMessage, "user.id is required"))
	}
	rep.User = user
	if err := checkTimestamp(rep.Created); err != nil {
		return 0, nil, err
	}
	if urls := first(f["files_image_url"]); urls != "" {
		rep.ImageURLs = strings.Split(urls, ",")
	}
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Size > s.megabytes(assembly.MaxReplyFileMB) {
			return 0, nil, fail(http.StatusRequestEntityTooLarge, "File size exceeds %dMB", assembly.MaxReplyFileMB)
		}
		sum, err := digest(fh)
		if err != nil {
			return 0, nil, fail(400, "file %s could not be opened", fh.Filename)
		}
		rep.Files = append(rep.Files, File{Name: fh.Filename, Size: fh.Size, SHA256: sum})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tickets[ssid]
	if id != "" {
		t = s.byID[id]
	}
	if t == nil {
		return 0, nil, fail(http.StatusNotFound, "ticket not found for identifier: %s%s", id, ssid)
	}
	if rep.SSID != "" {
		for _, prev := range t.Replies {
			if prev.SSID == rep.SSID {
				s.stats.DuplicateReplies++
				if s.opts.ReplyDedup {
					return 0, nil, fail(http.StatusConflict, "source specific id already exists")
				}
				break
			}
		}
	}
	if n := len(t.Replies); n > 0 && rep.Created != "" && rep.Created < t.Replies[n-1].Created {
		s.stats.OrderViolations++ // RFC 3339 UTC strings order as their times
	}
	s.seq++
	rep.HistoryID = ulid(time.Now(), s.seq)
	t.Replies = append(t.Replies, rep)
	s.stats.Replies.Accepted++
	return http.StatusOK, map[string]string{"created_history_id": rep.HistoryID}, nil
}

// megabytes is n of the page's megabytes in bytes, as the server reads them.
func (s *Server) megabytes(n int64) int64 {
	if s.opts.BinaryMegabytes {
		return n * assembly.MiB
	}
	return n * assembly.MB
}

func parseForm(r *http.Request) error {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fail(http.StatusRequestEntityTooLarge, "File size exceeds %dMB", assembly.MaxReplyFileMB)
		}
		return fail(400, "the body must be multipart/form-data: %v", err)
	}
	return nil
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// jsonObject reads a form field holding a JSON object; nil when absent.
func jsonObject(f map[string][]string, name string) (map[string]any, error) {
	v := first(f[name])
	if v == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return nil, fail(400, "%s must be a JSON object", name)
	}
	return m, nil
}

func hasAny(m map[string]any, keys ...string) bool {
	for _, k := range keys {
		if s, _ := m[k].(string); s != "" {
			return true
		}
	}
	return false
}

func checkTimestamp(v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(time.RFC3339, v); err != nil {
		return fail(400, "original_timestamp must be RFC 3339")
	}
	return nil
}

// sniff reads a file part's type from its first bytes, as an image
// decoder would find out: a "png" that is not one is refused.
func sniff(fh *multipart.FileHeader) (string, error) {
	f, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	ct, _, _ := strings.Cut(http.DetectContentType(head[:n]), ";")
	return ct, nil
}

func digest(fh *multipart.FileHeader) (string, error) {
	f, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// stall holds a request unanswered until its client gives up. The body is
// read first: only then does the server notice the connection closing.
func stall(r *http.Request) {
	io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
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

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// ulid makes a ULID-shaped id: 48 bits of milliseconds, 80 of sequence.
func ulid(t time.Time, seq uint64) string {
	var b [26]byte
	ms := uint64(t.UnixMilli())
	for i := 9; i >= 0; i-- {
		b[i] = crockford[ms&31]
		ms >>= 5
	}
	for i := 25; i >= 10; i-- {
		b[i] = crockford[seq&31]
		seq >>= 5
	}
	return string(b[:])
}

func isULID(s string) bool {
	if len(s) != 26 {
		return false
	}
	for _, c := range strings.ToUpper(s) {
		if !strings.ContainsRune(crockford, c) {
			return false
		}
	}
	return true
}
