package assembly_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/assembly/sandbox"
	"github.com/assembly-import/assembly-import/internal/confined"
	"github.com/assembly-import/assembly-import/internal/testutil"
)

// TestUploadMemory sends a reply with three files to a server that
// discards what it reads, and measures the heap while it goes: files of
// 30 MB must cost no more than files of 1 MB.
func TestUploadMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 90 MB")
	}
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, `{"created_history_id":"01HZY3V4K8J5T3Q8W6X9RZ2B7C"}`)
	}))
	defer sink.Close()
	client, _ := assembly.NewClient(sink.URL, "key", nil)
	peak := func(size int64) uint64 {
		dir := t.TempDir()
		rep := assembly.Reply{SSID: "r", TicketSSID: "t", Content: "files", User: assembly.User{Email: "a@example.com"}}
		for i := range 3 {
			path := filepath.Join(dir, fmt.Sprint(i, ".bin"))
			f, _ := os.Create(path)
			f.Truncate(size) // sparse: reads as zeros
			f.Close()
			rep.Files = append(rep.Files, assembly.File{Root: dir, Rel: filepath.Base(path), Name: fmt.Sprint(i, ".bin"), ContentType: "application/octet-stream", Size: size})
		}
		stop := testutil.PeakHeap()
		if _, err := client.Reply(context.Background(), rep); err != nil {
			t.Fatal(err)
		}
		return stop()
	}
	small, large := peak(1<<20), peak(30<<20)
	t.Logf("peak heap: %.1f MB with 3 x 1 MB files, %.1f MB with 3 x 30 MB", float64(small)/(1<<20), float64(large)/(1<<20))
	if large > small+16<<20 {
		t.Errorf("the heap grew with the files' size: %d -> %d bytes", small, large)
	}
}

// A redirect is never followed: the key would go wherever it points.
func TestClientRedirect(t *testing.T) {
	var leaked []string
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = append(leaked, r.Header.Get(assembly.HeaderKey))
		io.WriteString(w, `{"created_ticket_number":"ASM-1"}`)
	}))
	defer elsewhere.Close()
	api := httptest.NewServer(http.RedirectHandler(elsewhere.URL+"/interactions", http.StatusFound))
	defer api.Close()
	client, err := assembly.NewClient(api.URL, "secret-key", nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.CreateTicket(context.Background(), assembly.Event{SSID: "1", Title: "t", Query: "q"})
	v := assembly.Classify(assembly.Events, err)
	if v.Outcome != assembly.Stop || !errors.Is(v.Stop, assembly.ErrRedirected) || !strings.Contains(v.Stop.Error(), elsewhere.URL) {
		t.Errorf("CreateTicket after a redirect: %v, classified %+v; want a stop naming %s", err, v, elsewhere.URL)
	}
	if len(leaked) > 0 {
		t.Errorf("the redirect was followed, carrying the key %q", leaked)
	}
}

// Any 2xx means the server acted, whatever its body says.
func TestClientUndocumentedSuccess(t *testing.T) {
	for _, tt := range []struct {
		status int
		body   string
		want   string
	}{
		{200, `{"created_ticket_number":"ASM-7"}`, "ASM-7"},
		{201, ``, `HTTP 201, undocumented answer ""`},
		{200, `<html>ok</html>`, `HTTP 200, undocumented answer "<html>ok</html>"`},
		{200, `{"created_ticket_number":7}`, `HTTP 200, undocumented answer "{\"created_ticket_number\":7}"`},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tt.status)
			io.WriteString(w, tt.body)
		}))
		client, _ := assembly.NewClient(srv.URL, "k", nil)
		got, err := client.CreateTicket(context.Background(), assembly.Event{SSID: "1", Title: "t", Query: "q"})
		srv.Close()
		if err != nil || got != tt.want {
			t.Errorf("%d %q: CreateTicket = %q, %v; want %q, nil", tt.status, tt.body, got, err, tt.want)
		}
	}
}

func TestClientRefusesControlCharactersInKey(t *testing.T) {
	for _, key := range []string{"abc\n", "a\rb", "a\x00b", "a\x7fb"} {
		if _, err := assembly.NewClient("http://127.0.0.1:1", key, nil); err == nil {
			t.Errorf("NewClient(key %q) = nil error, want a refusal", key)
		}
	}
}

// A Retry-After is honoured up to MaxRetryAfter; what was asked is kept.
func TestClientRetryAfterCapped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "9000000000")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	client, _ := assembly.NewClient(srv.URL, "k", nil)
	_, err := client.CreateTicket(context.Background(), assembly.Event{SSID: "1", Title: "t", Query: "q"})
	var e *assembly.APIError
	if !errors.As(err, &e) || e.RetryAfter != assembly.MaxRetryAfter || e.RetryAfterAsked < 1000*time.Hour {
		t.Errorf("CreateTicket = %v (%+v); want Retry-After capped at %v", err, e, assembly.MaxRetryAfter)
	}
}

// TestClientServed: the sandbox, asked to, says how long it had a request
// (Server-Timing), and the client passes that on to the WithServed
// function of the request's context: at least its processing time, less
// than the round trip.
func TestClientServed(t *testing.T) {
	sb := sandbox.New(sandbox.Options{Key: "k", ServerTiming: true, Latency: sandbox.Range{Min: 30 * time.Millisecond, Max: 30 * time.Millisecond}})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	client, _ := assembly.NewClient(srv.URL, "k", nil)
	var served time.Duration
	start := time.Now()
	ctx := assembly.WithServed(context.Background(), func(d time.Duration) { served = d })
	if _, err := client.CreateTicket(ctx, assembly.Event{SSID: "1", Title: "t", Query: "q", User: assembly.User{Email: "a@example.com"}}); err != nil {
		t.Fatal(err)
	}
	if rtt := time.Since(start); served < 30*time.Millisecond || served > rtt {
		t.Errorf("served %v, round trip %v: want at least the 30ms of processing, less than the round trip", served, rtt)
	}
}

// A 5xx is uncertain only if the whole body had left: a server answering
// before it read a large upload cannot have acted on it.
func TestClientBodySent(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("source_specific_id") == "early" {
			w.WriteHeader(http.StatusServiceUnavailable) // before reading the body
			return
		}
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	client, _ := assembly.NewClient(srv.URL, "k", nil)
	dir := t.TempDir()
	big := filepath.Join(dir, "big.bin")
	f, _ := os.Create(big)
	f.Truncate(16 << 20)
	f.Close()
	file := assembly.File{Ref: "big.bin", Root: dir, Rel: "big.bin", Name: "big.bin", ContentType: "application/octet-stream", Size: 16 << 20}
	for _, tt := range []struct {
		ticket string
		sent   bool
		want   assembly.Outcome
	}{{"late", true, assembly.Uncertain}, {"early", false, assembly.Transient}} {
		_, err := client.Reply(context.Background(), assembly.Reply{TicketSSID: tt.ticket, SSID: "r", Content: "c", Files: []assembly.File{file}})
		var e *assembly.APIError
		if !errors.As(err, &e) || e.BodySent != tt.sent {
			t.Errorf("%s: %v (%+v); want an APIError with BodySent %v", tt.ticket, err, e, tt.sent)
			continue
		}
		if got := assembly.Classify(assembly.Replies, err).Outcome; got != tt.want {
			t.Errorf("%s: outcome %d, want %d", tt.ticket, got, tt.want)
		}
	}
}

// A server that never answers costs AnswerTimeout plus the body's upload
// time, not minutes, and says so.
func TestClientTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	client, _ := assembly.NewClient(srv.URL, "k", nil)
	client.AnswerTimeout = 100 * time.Millisecond
	_, err := client.Reply(context.Background(), assembly.Reply{TicketSSID: "t", SSID: "r", Content: "c"})
	var te *assembly.TransportError
	if !errors.As(err, &te) || !te.Timeout || !te.Sent || !strings.Contains(err.Error(), "no answer within") {
		t.Fatalf("Reply = %v (%+v); want a timeout after the body left", err, te)
	}
	if got := assembly.Classify(assembly.Replies, err).Outcome; got != assembly.Uncertain {
		t.Errorf("outcome %d, want Uncertain", got)
	}
}

func TestRequestTimeout(t *testing.T) {
	if got := assembly.RequestTimeout(time.Minute, assembly.MaxReplyFileSize); got != time.Minute+320*time.Second {
		t.Errorf("RequestTimeout(1m, 32 MB) = %v, want 6m20s", got)
	}
}

// Files are opened confined to their folder when sent: one swapped for a
// link leading outside, or changed in size, fails its message unsent.
func TestClientConfinedFiles(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.URL.RawQuery)
		io.WriteString(w, `{"created_history_id":"h"}`)
	}))
	defer srv.Close()
	client, _ := assembly.NewClient(srv.URL, "k", nil)
	dir := t.TempDir()
	root := filepath.Join(dir, "files")
	os.Mkdir(root, 0o755)
	os.WriteFile(filepath.Join(dir, "secret"), []byte("secret"), 0o600)
	os.WriteFile(filepath.Join(root, "a.pdf"), []byte("pdf!!!"), 0o600)
	file := assembly.File{Ref: "a.pdf", Root: root, Rel: "a.pdf", Name: "a.pdf", ContentType: "application/pdf", Size: 5}
	_, err := client.Reply(context.Background(), assembly.Reply{TicketSSID: "t", SSID: "r", Content: "c", Files: []assembly.File{file}})
	if !errors.Is(err, confined.ErrChanged) || assembly.Classify(assembly.Replies, err).Outcome != assembly.Unsendable {
		t.Errorf("a file of another size: %v, want ErrChanged, unsendable", err)
	}
	os.Remove(filepath.Join(root, "a.pdf"))
	if os.Symlink(filepath.Join(dir, "secret"), filepath.Join(root, "a.pdf")) == nil {
		file.Size = 6
		_, err = client.Reply(context.Background(), assembly.Reply{TicketSSID: "t", SSID: "r", Content: "c", Files: []assembly.File{file}})
		if !errors.Is(err, confined.ErrOutside) {
			t.Errorf("a link leading outside: %v, want ErrOutside", err)
		}
	}
	if len(got) != 0 {
		t.Errorf("requests sent: %v, want none", got)
	}
}
