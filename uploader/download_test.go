package uploader_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/assembly-import/assembly-import/uploader"
)

// A login header goes to its hosts only: not to another host a link
// points at, nor to one a redirect leads to. A 401 says the link needs a
// login.
func TestDownloadHeaderStaysWithItsHosts(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{} // path -> the header it got
	record := func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path] = r.Header.Get("X-Api-Token")
		mu.Unlock()
	}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record(w, r)
		w.Write([]byte("elsewhere"))
	}))
	defer other.Close()
	jira := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record(w, r)
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, other.URL+"/landed", http.StatusFound)
		case "/private":
			if r.Header.Get("X-Api-Token") == "" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Write([]byte("secret file"))
		}
	}))
	defer jira.Close()
	// The two servers share 127.0.0.1; name Jira's by "localhost" so the
	// hosts differ.
	ju, _ := url.Parse(jira.URL)
	jiraURL := "http://localhost:" + ju.Port()
	d := &uploader.Downloader{Dir: t.TempDir(), Header: http.Header{"X-Api-Token": {"s3cret"}}, Hosts: []string{"localhost"}}

	f, err := d.Fetch(t.Context(), jiraURL+"/private?name=report.pdf")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(f.Root, f.Rel))
	if string(data) != "secret file" || f.Name != "report.pdf" {
		t.Errorf("private file: %q named %q", data, f.Name)
	}
	if _, err := d.Fetch(t.Context(), jiraURL+"/moved"); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Fetch(t.Context(), other.URL+"/direct"); err != nil {
		t.Fatal(err)
	}
	if seen["/private"] != "s3cret" || seen["/moved"] != "s3cret" || seen["/landed"] != "" || seen["/direct"] != "" {
		t.Errorf("headers seen: %v; want the token at its host only", seen)
	}
	nologin := &uploader.Downloader{Dir: t.TempDir(), Attempts: 1}
	if _, err := nologin.Fetch(t.Context(), jiraURL+"/private"); err == nil || !strings.Contains(err.Error(), "HTTP 401: the link needs a login") {
		t.Errorf("without the header: %v", err)
	}
}
