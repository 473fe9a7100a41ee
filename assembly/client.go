package assembly

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/assembly-import/assembly-import/internal/confined"
)

// APIError is an answer of the API other than success.
type APIError struct {
	Status  int
	Message string // the server's "error" text, or the start of its body
	// BodySent says the request's whole body had left when the answer
	// came: a 5xx then may follow acting on it.
	BodySent bool
	// RetryAfter is the server's Retry-After capped at MaxRetryAfter, zero
	// when it sent none; RetryAfterAsked is what it asked for.
	RetryAfter, RetryAfterAsked time.Duration
	// Location is where a redirect pointed (never followed).
	Location string
}

func (e *APIError) Error() string {
	if e.Location != "" {
		return fmt.Sprintf("HTTP %d: redirected to %s", e.Status, e.Location)
	}
	return fmt.Sprintf("HTTP %d: %s", e.Status, e.Message)
}

// TransportError is a request that got no answer. Sent says whether the
// request's whole body left, so that the server may have acted on it (one
// cut off before its end cannot have been: a multipart body is read to its
// closing boundary). Timeout says the answer did not come in time.
type TransportError struct {
	Err     error
	Sent    bool
	Timeout bool
}

func (e *TransportError) Error() string { return e.Err.Error() }
func (e *TransportError) Unwrap() error { return e.Err }

// Client talks to one Assembly API with one key. It is safe for concurrent
// use once its fields are set.
type Client struct {
	// AnswerTimeout is how long an answer may take once the body left
	// [AnswerTimeout]; the body's own time comes on top (RequestTimeout).
	AnswerTimeout time.Duration
	// Secrets are removed, as the key is, from every answer the client
	// returns (the download login's values): see scrub.
	Secrets []string
	// Folders opens the files sent, inside their folders as planning
	// opened them (planner.Plan.Folders); nil opens each folder anew.
	Folders *confined.Folders

	base *url.URL
	key  string
	http *http.Client
	// odd counts the 2xx answers in a row whose body was not the documented
	// JSON: a web server or portal at the API URL answers every POST so.
	odd atomic.Int32
}

// MaxOddAnswers is how many 2xx answers in a row without the documented
// JSON the client takes as delivered before it refuses the next
// (*NotAPIError): the real API answers JSON, so a run stops before it
// marks thousands of items delivered that went nowhere.
const MaxOddAnswers = 3

// NotAPIError is an answer that shows the API URL is not Assembly's API:
// a 2xx without the documented JSON, too often in a row, or an answer to
// Probe other than the refusal the API documents.
type NotAPIError struct {
	URL         string
	Status      int
	ContentType string
	Body        string // its start
	Want        string // what the API answers instead
}

func (e *NotAPIError) Error() string {
	return fmt.Sprintf("POST %s answered HTTP %d (%s) %q, where Assembly's API answers %s", e.URL, e.Status, cmp.Or(e.ContentType, "no content type"), e.Body, e.Want)
}

func (e *NotAPIError) Unwrap() error { return ErrNotAPI }

// FileError is an attachment that cannot be sent as planned: gone, moved
// outside its folder, no longer a regular file, or of another size.
type FileError struct {
	Ref string
	Err error
}

func (e *FileError) Error() string { return fmt.Sprintf("attachment %s: %v", e.Ref, e.Err) }
func (e *FileError) Unwrap() error { return e.Err }

// NewClient returns a client for the API at baseURL. The key is sent as
// the Authorization header and nowhere else: the client never follows a
// redirect (Go's would resend the header to wherever it points), so a 3xx
// comes back as an *APIError naming its Location. A key holding a control
// character (a newline pasted with it) is refused before any request.
func NewClient(baseURL, key string, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("API URL %q is not an http(s) URL", baseURL)
	}
	if i := strings.IndexFunc(key, func(r rune) bool { return r < 0x20 || r == 0x7f }); i >= 0 {
		return nil, fmt.Errorf("the API key holds a control character at byte %d (a line break pasted with it?); fix the key", i)
	}
	var own http.Client
	if hc != nil {
		own = *hc // a copy: the caller's client keeps its own redirect policy
	}
	own.Timeout = 0 // each request has its own, sized to its body (RequestTimeout)
	own.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{base: u, key: key, http: &own}, nil
}

// Event is a ticket to create: POST /interactions.
type Event struct {
	SSID       string // the ticket's id in the old helpdesk: dedups tickets, and replies find it by it
	Title      string
	Query      string // the first message
	Created    time.Time
	User       User
	Company    string // company_source_specific_id
	Properties map[string]string
	// Files and ImageURLs are images only (EventTakesImage).
	Files     []File
	ImageURLs []string
}

// Reply is a message to add to the ticket TicketSSID: POST /interactions/reply.
type Reply struct {
	TicketSSID string
	SSID       string // the message's own id in the old helpdesk
	Content    string
	Created    time.Time
	User       User
	Files      []File // any type, at most MaxReplyFileSize each
	ImageURLs  []string
}

// User is a requester or an author: the API matches an existing contact by
// ID (Assembly's), Email or SourceSpecificID, or creates one.
type User struct {
	ID               string `json:"id,omitempty"`
	Email            string `json:"email,omitempty"`
	Name             string `json:"name,omitempty"`
	SourceSpecificID string `json:"source_specific_id,omitempty"`
}

// File is a local file to upload, read from disk as the request is sent.
type File struct {
	Ref string `json:"ref"` // as the source named it, for errors
	// Root is the folder the file must lie in and Rel its path there: the
	// file is opened confined to Root when sent (internal/confined), so a
	// symbolic link swapped in since planning cannot lead outside it.
	Root        string `json:"root"`
	Rel         string `json:"rel"`
	Name        string `json:"name"` // the name Assembly shows
	ContentType string `json:"content_type"`
	// Size is the size planned: a file whose size changed since fails its
	// message instead of sending other bytes than were validated.
	Size int64 `json:"size"`
	// Text is the content of a file the tool makes (a folded ticket's
	// transcript); Root and Rel are then empty.
	Text string `json:"text,omitempty"`
}

// CreateTicket sends a ticket's event and returns the ticket's display number.
func (c *Client) CreateTicket(ctx context.Context, ev Event) (string, error) {
	body := multipartBody{folders: c.Folders}
	body.field("query", ev.Query)
	body.field("title", ev.Title)
	body.field("source_specific_id", ev.SSID)
	body.json("user", ev.User)
	if ev.Company != "" {
		body.field("company_source_specific_id", ev.Company)
	}
	if !ev.Created.IsZero() {
		body.field("original_timestamp", ev.Created.UTC().Format(time.RFC3339))
	}
	if len(ev.Properties) > 0 {
		body.json("additional_properties", ev.Properties)
	}
	if len(ev.ImageURLs) > 0 {
		body.field("files_image_url", strings.Join(ev.ImageURLs, ","))
	}
	for _, f := range ev.Files {
		body.file("files", f)
	}
	return c.post(ctx, EventsPath, &body, "created_ticket_number")
}

// Reply adds a message to the ticket whose source_specific_id is
// r.TicketSSID and returns its history id. Files are streamed from disk.
func (c *Client) Reply(ctx context.Context, r Reply) (string, error) {
	body := multipartBody{folders: c.Folders}
	body.field("content", r.Content)
	body.field("source_specific_id", r.SSID)
	if !r.Created.IsZero() {
		body.field("original_timestamp", r.Created.UTC().Format(time.RFC3339))
	}
	body.json("user", r.User)
	if len(r.ImageURLs) > 0 {
		body.field("files_image_url", strings.Join(r.ImageURLs, ","))
	}
	for _, f := range r.Files {
		body.file("files", f)
	}
	return c.post(ctx, RepliesPath+"?source_specific_id="+url.QueryEscape(r.TicketSSID), &body, "created_history_id")
}

// post sends body and returns the answer's field, the server's id of what
// it made. Any 2xx means the server acted: an answer that is not the
// documented JSON (HTML, empty, a number) is no error, and its start is
// returned in place of the id, for the checkpoint.
func (c *Client) post(ctx context.Context, path string, body *multipartBody, field string) (string, error) {
	rd, length, contentType, err := body.open()
	if err != nil {
		return "", err
	}
	defer rd.Close()
	answer := cmp.Or(c.AnswerTimeout, AnswerTimeout)
	limit := RequestTimeout(answer, length)
	timedOut := fmt.Errorf("no answer within %v (%v for the answer after %d bytes at %d bytes/s)", limit, answer, length, MinUploadRate)
	ctx, cancel := context.WithTimeoutCause(ctx, limit, timedOut)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base.String()+path, rd)
	if err != nil {
		return "", err
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", contentType)
	req.Header.Set(HeaderKey, c.key)
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if context.Cause(ctx) == timedOut {
			return "", &TransportError{Err: fmt.Errorf("POST %s: %w", path, timedOut), Sent: rd.left(), Timeout: true}
		}
		return "", &TransportError{Err: fmt.Errorf("POST %s: %w", path, unwrapURL(err)), Sent: rd.left()}
	}
	defer resp.Body.Close()
	reportServed(ctx, resp.Header)
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	data = c.scrub(data)
	if err != nil {
		if context.Cause(ctx) == timedOut {
			err = timedOut
		}
		return "", &TransportError{Err: fmt.Errorf("POST %s: read response: %w", path, err), Sent: true, Timeout: err == timedOut}
	}
	if resp.StatusCode/100 != 2 {
		e := &APIError{Status: resp.StatusCode, Message: errorText(data), Location: string(c.scrub([]byte(resp.Header.Get("Location")))), BodySent: rd.left()}
		e.RetryAfterAsked = retryAfter(resp.Header.Get("Retry-After"))
		e.RetryAfter = min(e.RetryAfterAsked, MaxRetryAfter)
		return "", e
	}
	var out map[string]any
	if json.Unmarshal(data, &out) == nil {
		c.odd.Store(0)
		if id, ok := out[field].(string); ok && id != "" {
			return id, nil
		}
		return fmt.Sprintf("HTTP %d, undocumented answer %q", resp.StatusCode, truncate(string(data))), nil
	}
	if c.odd.Add(1) >= MaxOddAnswers {
		return "", &NotAPIError{URL: req.URL.Redacted(), Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: truncate(string(data)),
			Want: fmt.Sprintf("JSON; %d answers in a row were not", MaxOddAnswers)}
	}
	return fmt.Sprintf("HTTP %d, undocumented answer %q", resp.StatusCode, truncate(string(data))), nil
}

// Probe proves that the API URL is Assembly's API before anything is sent:
// it sends an event with no field at all, which the API refuses with 400
// and a JSON "error" (query is required), and which no API creates a
// ticket from. Anything else — a 2xx (a web server, a portal that answers
// every POST), another status, a body that is not the API's JSON — is a
// *NotAPIError; a 401, a redirect, a 404 or 405 come back as *APIError
// (Classify reads them), and a 429 or 5xx too, for the caller to wait and
// probe again.
func (c *Client) Probe(ctx context.Context) error {
	var body multipartBody
	rd, length, contentType, err := body.open()
	if err != nil {
		return err
	}
	defer rd.Close()
	ctx, cancel := context.WithTimeout(ctx, cmp.Or(c.AnswerTimeout, AnswerTimeout))
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base.String()+EventsPath, rd)
	if err != nil {
		return err
	}
	req.ContentLength = length
	req.Header.Set("Content-Type", contentType)
	req.Header.Set(HeaderKey, c.key)
	req.Header.Set("Accept", "application/json")
	req.Header.Set(HeaderProbe, "1")
	resp, err := c.http.Do(req)
	if err != nil {
		return &TransportError{Err: fmt.Errorf("POST %s: %w", EventsPath, unwrapURL(err))}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	data = c.scrub(data)
	var answer struct {
		Error string `json:"error"`
	}
	isJSON := json.Unmarshal(data, &answer) == nil
	switch st := resp.StatusCode; {
	case (st == http.StatusBadRequest || st == http.StatusUnprocessableEntity) && isJSON && answer.Error != "":
		return nil
	case st == http.StatusUnauthorized || st/100 == 3 || st == http.StatusNotFound || st == http.StatusMethodNotAllowed ||
		st == http.StatusTooManyRequests || st >= 500:
		e := &APIError{Status: st, Message: errorText(data), Location: string(c.scrub([]byte(resp.Header.Get("Location"))))}
		e.RetryAfterAsked = retryAfter(resp.Header.Get("Retry-After"))
		e.RetryAfter = min(e.RetryAfterAsked, MaxRetryAfter)
		return e
	}
	return &NotAPIError{URL: req.URL.Redacted(), Status: resp.StatusCode, ContentType: resp.Header.Get("Content-Type"), Body: truncate(string(data)),
		Want: `400 with a JSON "error" to an event without a query`}
}

// redacted stands where a secret was.
const redacted = "[redacted]"

// scrub removes the API key and the client's Secrets from what a server
// answered — as written, URL-encoded or JSON-escaped — before the answer
// goes anywhere: into the checkpoint, the reports, the rejects file, the
// log. A server or proxy that echoes the request's headers (a debugging
// endpoint, an error page) must not get the key written down.
func (c *Client) scrub(b []byte) []byte {
	for _, secret := range append([]string{c.key}, c.Secrets...) {
		if len(secret) < 4 {
			continue // too short to tell from ordinary text
		}
		quoted, _ := json.Marshal(secret)
		for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), string(quoted[1 : len(quoted)-1])} {
			b = bytes.ReplaceAll(b, []byte(form), []byte(redacted))
		}
	}
	return b
}

// unwrapURL drops url.Error's "Post "http://…":" prefix, which repeats the path.
func unwrapURL(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func errorText(data []byte) string {
	var e struct {
		Error string `json:"error"`
	}
	if json.Unmarshal(data, &e) == nil && e.Error != "" {
		return e.Error
	}
	return truncate(strings.TrimSpace(string(data)))
}

func truncate(s string) string {
	if len(s) > 200 {
		return s[:200] + "…"
	}
	return s
}

// retryAfter reads a Retry-After header: seconds or an HTTP date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(min(s, 1e9) * float64(time.Second)) // 31 years: past it, a Duration overflows
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t))
	}
	return 0
}

// multipartBody is a multipart/form-data body whose files are read from
// disk as the request is sent: its framing is built up front, so its length
// is known (no chunked upload) and memory does not grow with file sizes.
type multipartBody struct {
	folders *confined.Folders // where files are opened; nil: confined.Open
	buf     bytes.Buffer
	mw      *multipart.Writer
	parts   []any // []byte framing or File, in order
	err     error
}

func (b *multipartBody) writer() *multipart.Writer {
	if b.mw == nil {
		b.mw = multipart.NewWriter(&b.buf)
	}
	return b.mw
}

func (b *multipartBody) field(name, value string) {
	if err := b.writer().WriteField(name, value); err != nil && b.err == nil {
		b.err = err
	}
}

func (b *multipartBody) json(name string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		b.err = err
		return
	}
	b.field(name, string(data))
}

func (b *multipartBody) file(name string, f File) {
	h := make(textproto.MIMEHeader)
	h.Set("Content-Disposition", multipart.FileContentDisposition(name, f.Name))
	h.Set("Content-Type", f.ContentType)
	if _, err := b.writer().CreatePart(h); err != nil {
		b.err = err
		return
	}
	b.parts = append(b.parts, bytes.Clone(b.buf.Bytes()), f)
	b.buf.Reset()
}

// open finishes the body and opens its files; a body is opened once, for
// one attempt. The caller closes the reader.
func (b *multipartBody) open() (*fileBody, int64, string, error) {
	if b.err != nil {
		return nil, 0, "", b.err
	}
	mw := b.writer()
	if err := mw.Close(); err != nil {
		return nil, 0, "", err
	}
	parts := append(b.parts, b.buf.Bytes())
	body := &fileBody{}
	var streams []io.Reader
	for _, p := range parts {
		switch p := p.(type) {
		case []byte:
			streams = append(streams, bytes.NewReader(p))
			body.length += int64(len(p))
		case File:
			if p.Root == "" {
				streams = append(streams, strings.NewReader(p.Text))
				body.length += int64(len(p.Text))
				continue
			}
			open := confined.Open
			if b.folders != nil {
				open = b.folders.Open
			}
			f, err := open(p.Root, p.Rel, p.Size)
			if err != nil {
				body.Close()
				return nil, 0, "", &FileError{Ref: p.Ref, Err: err}
			}
			body.files = append(body.files, f)
			// Exactly the announced length: a file that grows while it is
			// sent must not overrun Content-Length.
			streams = append(streams, io.LimitReader(f, p.Size))
			body.length += p.Size
		}
	}
	body.r = io.MultiReader(streams...)
	return body, body.length, mw.FormDataContentType(), nil
}

// fileBody is a request's body, counting what the transport has read of it.
type fileBody struct {
	r      io.Reader
	files  []*os.File
	length int64
	read   atomic.Int64 // the transport reads while post waits for the answer
}

func (b *fileBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read.Add(int64(n))
	return n, err
}

// left says the whole body has been handed to the connection.
func (b *fileBody) left() bool { return b.read.Load() >= b.length }

func (b *fileBody) Close() error {
	var errs []error
	for _, f := range b.files {
		errs = append(errs, f.Close())
	}
	return errors.Join(errs...)
}
