package uploader_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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
	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/internal/testutil"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/uploader"
)

// TestAttachmentsDelivered sends a ticket whose first message has an image
// and a PDF, and a reply with links to download: one that works, one that
// answers 404, one that stalls, one too big. The image arrives on the event,
// the PDF on the follow-up, the good link as a file; the rest stay links.
func TestAttachmentsDelivered(t *testing.T) {
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok/photo.png":
			w.Header().Set("Content-Type", "image/png")
			io.WriteString(w, "\x89PNG\r\n\x1a\n behind a login")
		case "/ok/notes.txt":
			w.Header().Set("Content-Type", "text/plain")
			io.WriteString(w, "the old helpdesk's file")
		case "/stall/slow.txt":
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		case "/big/huge.bin":
			w.Write(make([]byte, 2048))
		default:
			http.NotFound(w, r)
		}
	}))
	defer files.Close()

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "shot.png"), []byte("\x89PNG\r\n\x1a\n fake"), 0o644)
	os.WriteFile(filepath.Join(dir, "invoice.pdf"), []byte("%PDF-1.4"), 0o644)
	os.WriteFile(filepath.Join(dir, "tickets.csv"), []byte("ticket_id,title,created_at,requester_email,body,attachments\n"+
		fmt.Sprintf("T1,Hello,2024-01-01T00:00:00Z,ann@example.com,Hi,shot.png;invoice.pdf;%[1]s/ok/photo.png;%[1]s/gone/first.doc\n", files.URL)), 0o644)
	os.WriteFile(filepath.Join(dir, "replies.csv"), []byte("reply_id,ticket_id,created_at,author_email,body,attachments\n"+
		fmt.Sprintf("R1,T1,2024-01-02T00:00:00Z,agent@example.com,Files,%[1]s/ok/notes.txt;%[1]s/gone/x.doc;%[1]s/stall/slow.txt;%[1]s/big/huge.bin\n", files.URL)), 0o644)
	// The file server's links need a login: its image link is fetched and
	// uploaded, never handed to Assembly as a URL it cannot open.
	p := testutil.PlanCSV(t, dir, planner.Options{DownloadURLs: true, LoginHosts: []string{"127.0.0.1"}})
	if len(p.Problems) > 0 {
		t.Fatal(p.Problems)
	}

	sb := sandbox.New(sandbox.Options{Key: key, EventsPerSec: 1000, RepliesPerMin: 60000})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	j, err := checkpoint.Open(filepath.Join(t.TempDir(), "cp"), checkpoint.Options{Header: checkpoint.Header{Fingerprint: p.Fingerprint}})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	client, _ := assembly.NewClient(srv.URL, key, nil)
	res, err := uploader.Run(context.Background(), p, uploader.Options{
		Client: client, Journal: j, EventsPerSec: 1000, RepliesPerMin: 60000,
		Downloader: &uploader.Downloader{Client: &http.Client{Timeout: 200 * time.Millisecond}, MaxBytes: 1024, Attempts: 2, Backoff: 10 * time.Millisecond},
	})
	if err != nil {
		t.Fatal(err)
	}
	tk := sb.Tickets()
	if len(tk) != 1 || len(tk[0].Files) != 1 || tk[0].Files[0].Name != "shot.png" {
		t.Fatalf("event files = %+v", tk)
	}
	if len(tk[0].Replies) != 2 || tk[0].Replies[0].SSID != "T1-attachments" || len(tk[0].Replies[0].Files) != 2 ||
		tk[0].Replies[0].Files[0].Name != "invoice.pdf" || tk[0].Replies[0].Files[1].Name != "photo.png" {
		t.Fatalf("replies = %+v, want the follow-up with invoice.pdf and the downloaded photo.png first", tk[0].Replies)
	}
	if n := strings.Count(tk[0].Replies[0].Content, files.URL+"/gone/first.doc"); n != 1 {
		t.Errorf("the follow-up names the link it could not download %d times, want once:\n%s", n, tk[0].Replies[0].Content)
	}
	r1 := tk[0].Replies[1]
	sum := sha256.Sum256([]byte("the old helpdesk's file"))
	if len(r1.Files) != 1 || r1.Files[0].Name != "notes.txt" || r1.Files[0].SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("downloaded files = %+v", r1.Files)
	}
	for _, link := range []string{"/gone/x.doc", "/stall/slow.txt", "/big/huge.bin"} {
		if !strings.Contains(r1.Content, files.URL+link) {
			t.Errorf("the reply's text lacks the link %s it could not download:\n%s", link, r1.Content)
		}
	}
	if a := res.Attachments; a.Delivered != 4 || len(a.Skipped) != 4 {
		t.Errorf("attachments = %+v, want 4 delivered and 4 not downloaded", a)
	}
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "assembly-import-download-*")); len(left) > 0 {
		t.Errorf("temporary downloads left behind: %v", left)
	}
}
