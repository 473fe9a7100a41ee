package assembly_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/assembly-import/assembly-import/assembly"
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
			rep.Files = append(rep.Files, assembly.File{Path: path, Name: fmt.Sprint(i, ".bin"), ContentType: "application/octet-stream"})
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
