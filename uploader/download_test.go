package uploader_test

import (
	"context"
	"net"
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

// A login header goes to its hosts only, over https only: not to another
// host a link points at, nor to one a redirect leads to, nor over plain
// http (a link, or a redirect to another port of the same host) unless
// InsecureHTTP. A 401 says the link needs a login.
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
	// Plain http on the same host name, another port: a downgrade.
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record(w, r)
		w.Write([]byte("in the clear"))
	}))
	defer plain.Close()
	pu, _ := url.Parse(plain.URL)
	plainURL := "http://jira.example.com:" + pu.Port()
	jira := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		record(w, r)
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, other.URL+"/landed", http.StatusFound)
		case "/downgraded":
			http.Redirect(w, r, plainURL+"/downgrade", http.StatusFound)
		case "/private":
			if r.Header.Get("X-Api-Token") == "" {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			w.Write([]byte("secret file"))
		}
	}))
	defer jira.Close()
	// The servers share 127.0.0.1; Jira's is named jira.example.com (its
	// test certificate's name), which the client dials on loopback, so that
	// the hosts differ.
	ju, _ := url.Parse(jira.URL)
	jiraURL := "https://jira.example.com:" + ju.Port()
	client := jira.Client()
	tr := client.Transport.(*http.Transport).Clone()
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		_, port, _ := net.SplitHostPort(addr)
		return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort("127.0.0.1", port))
	}
	client.Transport = tr
	d := &uploader.Downloader{Client: client, Dir: t.TempDir(), Header: http.Header{"X-Api-Token": {"s3cret"}}, Hosts: []string{"jira.example.com"}}

	f, err := d.Fetch(t.Context(), jiraURL+"/private?name=report.pdf")
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(f.Root, f.Rel))
	if string(data) != "secret file" || f.Name != "report.pdf" {
		t.Errorf("private file: %q named %q", data, f.Name)
	}
	for _, link := range []string{jiraURL + "/moved", other.URL + "/direct", jiraURL + "/downgraded", plainURL + "/plain"} {
		if _, err := d.Fetch(t.Context(), link); err != nil {
			t.Fatal(err)
		}
	}
	if seen["/private"] != "s3cret" || seen["/moved"] != "s3cret" || seen["/landed"] != "" || seen["/direct"] != "" ||
		seen["/downgraded"] != "s3cret" || seen["/downgrade"] != "" || seen["/plain"] != "" {
		t.Errorf("headers seen: %v; want the token at its host, over https, only", seen)
	}
	insecure := *d
	insecure.InsecureHTTP = true
	if _, err := insecure.Fetch(t.Context(), plainURL+"/plain-allowed"); err != nil || seen["/plain-allowed"] != "s3cret" {
		t.Errorf("with InsecureHTTP: %v, header %q; want it sent over http", err, seen["/plain-allowed"])
	}
	nologin := &uploader.Downloader{Client: client, Dir: t.TempDir(), Attempts: 1}
	if _, err := nologin.Fetch(t.Context(), jiraURL+"/private"); err == nil || !strings.Contains(err.Error(), "HTTP 401: the link needs a login") {
		t.Errorf("without the header: %v", err)
	}
}
