package sandbox_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/assembly/sandbox"
)

const key = "sandbox-key"

type part struct {
	name, value string
	file        []byte // a file part when set
}

func post(t *testing.T, url, auth string, parts ...part) (int, string, http.Header) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.file != nil {
			w, _ := mw.CreateFormFile(p.name, p.value)
			w.Write(p.file)
		} else {
			mw.WriteField(p.name, p.value)
		}
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, url, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", auth)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(body)), resp.Header
}

var (
	user   = part{"user", `{"email":"a@example.com","name":"A"}`, nil}
	ticket = []part{{"query", "Hello", nil}, {"title", "Hi", nil}, {"source_specific_id", "T1", nil}, user}
	reply  = []part{{"content", "Thanks", nil}, user}
)

func TestSandboxRules(t *testing.T) {
	sb := sandbox.New(sandbox.Options{Key: key, EventsPerSec: 1000, RepliesPerMin: 60000})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	events, replies := srv.URL+"/interactions", srv.URL+"/interactions/reply"
	big := make([]byte, assembly.MaxReplyFileSize+1)
	tests := []struct {
		name, url, auth string
		parts           []part
		status          int
		body            string
	}{
		{"bearer prefix is not the key", events, "Bearer " + key, ticket, 401, "invalid or expired API key"},
		{"create", events, key, ticket, 200, `{"created_ticket_number":"ASM-101"}`},
		{"create again", events, key, ticket, 409, "already exists"},
		{"no title", events, key, []part{{"query", "x", nil}, user}, 400, "title is required"},
		{"no query", events, key, []part{{"title", "x", nil}, user}, 400, "query is required"},
		{"user without identity", events, key, []part{{"query", "x", nil}, {"title", "x", nil}, {"user", `{"name":"A"}`, nil}}, 400, "user needs one of"},
		{"bad timestamp", events, key, append(ticket[:3:3], user, part{"original_timestamp", "yesterday", nil}), 400, "RFC 3339"},
		{"event file not an image", events, key, append(ticket[:3:3], user, part{"files", "a.pdf", []byte("%PDF")}), 400, "only JPG and PNG"},
		{"reply: no identifier", replies, key, reply, 400, "exactly one of id or source_specific_id"},
		{"reply: both identifiers", replies + "?id=01ARZ3NDEKTSV4RRFFQ69G5FAV&source_specific_id=T1", key, reply, 400, "exactly one of"},
		{"reply: bad ULID", replies + "?id=nope", key, reply, 400, "invalid ULID"},
		{"reply: unknown ticket", replies + "?source_specific_id=T9", key, reply, 404, "ticket not found for identifier: T9"},
		{"reply: no content", replies + "?source_specific_id=T1", key, []part{user}, 400, "content is required"},
		{"reply: no user", replies + "?source_specific_id=T1", key, []part{{"content", "x", nil}}, 400, "user is required"},
		{"reply: user without id or email", replies + "?source_specific_id=T1", key, []part{{"content", "x", nil}, {"user", `{"name":"A"}`, nil}}, 400, "user.id or user.email is required"},
		{"reply: file over 32 MB", replies + "?source_specific_id=T1", key, append(reply[:2:2], part{"files", "big.bin", big}), 413, "File size exceeds 32MB"},
		{"reply", replies + "?source_specific_id=T1", key, append(reply[:2:2], part{"source_specific_id", "R1", nil}, part{"files", "a.txt", []byte("hi")}), 200, "created_history_id"},
	}
	for _, tt := range tests {
		status, body, _ := post(t, tt.url, tt.auth, tt.parts...)
		if status != tt.status || !strings.Contains(body, tt.body) {
			t.Errorf("%s: %d %s, want %d with %q", tt.name, status, body, tt.status, tt.body)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, events, strings.NewReader("query=x"))
	req.Header.Set("Authorization", key)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 400 {
		t.Errorf("a form that is not multipart: %v %v, want 400", resp, err)
	}
	tk := sb.Tickets()
	if len(tk) != 1 || len(tk[0].Replies) != 1 || tk[0].Replies[0].Files[0].Size != 2 {
		out, _ := json.Marshal(tk)
		t.Errorf("store = %s", out)
	}
}

func TestSandboxRateLimit(t *testing.T) {
	sb := sandbox.New(sandbox.Options{Key: key, EventsPerSec: 3, RepliesPerMin: 2})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	post(t, srv.URL+"/interactions", key, ticket...)
	post(t, srv.URL+"/interactions/reply?source_specific_id=T1", key, reply...)
	post(t, srv.URL+"/interactions/reply?source_specific_id=T1", key, reply...)
	status, _, h := post(t, srv.URL+"/interactions/reply?source_specific_id=T1", key, reply...)
	if status != 429 || h.Get("Retry-After") == "" {
		t.Fatalf("third reply in a minute at 2/min: %d, Retry-After %q; want 429 with Retry-After", status, h.Get("Retry-After"))
	}
	st := sb.Stats()
	if st.Replies.TooMany != 1 || st.Replies.MaxInWindow != 2 || st.Replies.Accepted != 2 {
		t.Errorf("stats = %+v", st.Replies)
	}
}

// The page's "4MB" is read as 4,000,000 bytes unless told otherwise; what
// the tool sends (at most assembly.MaxEventImageSize) passes both readings.
func TestSandboxMegabytes(t *testing.T) {
	png := make([]byte, 4<<20+1)
	copy(png, "\x89PNG\r\n\x1a\n")
	for _, tt := range []struct {
		binary bool
		size   int
		status int
	}{{false, 4_100_000, 400}, {true, 4_100_000, 200}, {false, assembly.MaxEventImageSize, 200}, {true, 4<<20 + 1, 400}} {
		srv := httptest.NewServer(sandbox.New(sandbox.Options{Key: key, BinaryMegabytes: tt.binary}))
		status, body, _ := post(t, srv.URL+"/interactions", key, append(ticket[:4:4], part{"files", "shot.png", png[:tt.size]})...)
		srv.Close()
		if status != tt.status {
			t.Errorf("binary megabytes %v, a %d-byte image: %d %s, want %d", tt.binary, tt.size, status, body, tt.status)
		}
	}
}

// An event's "png" whose bytes are not an image is refused, as an image
// decoder would refuse it.
func TestSandboxSniffsEventImages(t *testing.T) {
	srv := httptest.NewServer(sandbox.New(sandbox.Options{Key: key}))
	defer srv.Close()
	status, body, _ := post(t, srv.URL+"/interactions", key, append(ticket[:4:4], part{"files", "shot.png", []byte("%PDF-1.4 not a png")})...)
	if status != 400 || !strings.Contains(body, "could not be opened as an image") {
		t.Errorf("a PDF named shot.png: %d %s, want 400", status, body)
	}
}
