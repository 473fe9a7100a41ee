package main

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/assembly-import/assembly-import/internal/wine"
)

func TestRedactArgs(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{[]string{"run", "--postgres", "postgres://helpdesk:s3cret@db.example:5432/zammad?sslmode=require"},
			"run --postgres postgres://helpdesk@db.example:5432/zammad?sslmode=require"},
		{[]string{"run", "--postgres=postgresql://u:p%40ss@h/db?password=other"}, "run --postgres=postgresql://u@h/db"},
		{[]string{"run", "--postgres", "host=db user=helpdesk password=s3cret dbname=zammad"}, "run --postgres host=db user=helpdesk dbname=zammad"},
		{[]string{"run", "--postgres", "host=db password='s3 cret' dbname=z"}, "run --postgres host=db dbname=z"},
		{[]string{"run", "--csv", "password=x"}, "run --csv password=x"},
	}
	for _, tt := range tests {
		got := strings.Join(redactArgs(tt.in), " ")
		if got != tt.want {
			t.Errorf("redactArgs(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.Contains(got, "s3cret") || strings.Contains(got, "s3 cret") || strings.Contains(got, "p%40ss") {
			t.Errorf("redactArgs(%q) kept the password: %q", tt.in, got)
		}
	}
}

func TestOthersMayRead(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows keeps access in ACLs")
	}
	path := filepath.Join(wine.TempDir(t), "key")
	os.WriteFile(path, []byte("k"), 0o600)
	if othersMayRead(path) {
		t.Errorf("othersMayRead(0600) = true")
	}
	os.Chmod(path, 0o644)
	if !othersMayRead(path) {
		t.Errorf("othersMayRead(0644) = false")
	}
}

// The download login header: refused without the hosts it goes to, and
// no error repeats its value.
func TestDownloadHeaderFile(t *testing.T) {
	e := &env{stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.NewTextHandler(io.Discard, nil)), getenv: func(string) string { return "" }}
	dir := wine.TempDir(t)
	good := filepath.Join(dir, "good")
	os.WriteFile(good, []byte("# Jira Cloud\nAuthorization: Basic c2VjcmV0LXRva2Vu\n"), 0o600)
	bad := filepath.Join(dir, "bad")
	os.WriteFile(bad, []byte("Authorization Basic c2VjcmV0LXRva2Vu\n"), 0o600)
	invisible := filepath.Join(dir, "invisible")
	os.WriteFile(invisible, []byte("Authorization: Basic c2VjcmV0LXRva2Vu\u200b\n"), 0o600)
	bom := filepath.Join(dir, "bom")
	os.WriteFile(bom, []byte("\ufeffAuthorization: Basic c2VjcmV0LXRva2Vu\n"), 0o600)
	h, err := downloadHeader(e, good, []string{"acme.atlassian.net"})
	if err != nil || h.Get("Authorization") != "Basic c2VjcmV0LXRva2Vu" {
		t.Errorf("good file: %v, %v", h, err)
	}
	for _, tt := range []struct {
		file  string
		hosts []string
		want  string
	}{{good, nil, "--download-hosts"}, {bad, []string{"x"}, "line 1: want \"Header-Name: value\""}, {invisible, []string{"x"}, "line 1: the value holds an invisible or non-ASCII character, its character 23"}} {
		_, err := downloadHeader(e, tt.file, tt.hosts)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "c2VjcmV0") {
			t.Errorf("%s: %v; want an error saying %q, without the value", tt.file, err, tt.want)
		}
	}
	// An editor's byte-order mark before the first line is dropped.
	h, err = downloadHeader(e, bom, []string{"acme.atlassian.net"})
	if err != nil || h.Get("Authorization") != "Basic c2VjcmV0LXRva2Vu" {
		t.Errorf("file with a BOM: %v, %v", h, err)
	}
	// From the environment with no hosts: not sent, and a warning says
	// what to add; the run goes on.
	var log strings.Builder
	e.log = slog.New(slog.NewTextHandler(&log, nil))
	e.getenv = func(name string) string {
		if name == downloadHeaderEnv {
			return "Authorization: Basic c2VjcmV0LXRva2Vu"
		}
		return ""
	}
	if h, err := downloadHeader(e, "", nil); h != nil || err != nil || !strings.Contains(log.String(), "add --download-hosts") || strings.Contains(log.String(), "c2VjcmV0") {
		t.Errorf("$%s without hosts: %v, %v, log %s", downloadHeaderEnv, h, err, log.String())
	}
}
