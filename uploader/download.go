package uploader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/planner"
)

// Downloader fetches an attachment link at send time — the old helpdesk's
// files, on a server that may be shutting down — into a temporary file, so
// that it is uploaded like a local file. It is safe for concurrent use.
type Downloader struct {
	// Client makes the requests; its Timeout bounds each attempt [60s].
	Client *http.Client
	// Dir holds the temporary files [the system's temp dir].
	Dir string
	// MaxBytes is the largest file taken [32 MB, Assembly's limit].
	MaxBytes int64
	// Attempts bounds the tries of a link that times out or answers 5xx [3].
	Attempts int
	// Backoff is the wait before the second try, doubled after [1s].
	Backoff time.Duration
	// Header is sent with downloads from Hosts only: a login for links that
	// need one (Jira's or Zendesk's private attachments). It never goes to
	// another host, redirects included.
	Header http.Header
	Hosts  []string
	// InsecureHTTP lets the header go over plain http too; without it, it
	// goes over https only, so that no link or redirect to http (another
	// port of the same host included) carries the login in the clear.
	InsecureHTTP bool
}

// sendsHeader says whether the login header goes to u.
func (d *Downloader) sendsHeader(u *url.URL) bool {
	return len(d.Header) > 0 && (u.Scheme == "https" || d.InsecureHTTP) &&
		slices.ContainsFunc(d.Hosts, func(h string) bool { return strings.EqualFold(h, u.Hostname()) })
}

// client is d.Client, or a default one, that keeps the login header to its
// hosts when a link redirects elsewhere (Go's client would pass a custom
// header on).
func (d *Downloader) client() *http.Client {
	c := http.Client{Timeout: time.Minute}
	if d.Client != nil {
		c = *d.Client
	}
	next := c.CheckRedirect
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !d.sendsHeader(req.URL) {
			for name := range d.Header {
				req.Header.Del(name)
			}
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
	return &c
}

// permanentError is a download that no retry will mend (4xx, too large).
type permanentError struct{ error }

// Fetch downloads link into a temporary file, which the caller removes.
func (d *Downloader) Fetch(ctx context.Context, link string) (planner.File, error) {
	attempts, backoff := max(d.Attempts, 1), d.Backoff
	if d.Attempts == 0 {
		attempts = 3
	}
	if backoff <= 0 {
		backoff = time.Second
	}
	var err error
	for i := range attempts {
		var f planner.File
		if f, err = d.fetch(ctx, link); err == nil {
			return f, nil
		}
		var perm permanentError
		if errors.As(err, &perm) || i == attempts-1 || !sleep(ctx, backoff<<i) {
			break
		}
	}
	return planner.File{}, fmt.Errorf("download %s: %w", link, err)
}

func (d *Downloader) fetch(ctx context.Context, link string) (planner.File, error) {
	client, limit := d.client(), d.MaxBytes
	if limit <= 0 {
		limit = assembly.MaxReplyFileSize
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, link, nil)
	if err != nil {
		return planner.File{}, permanentError{err}
	}
	if d.sendsHeader(req.URL) {
		for name, values := range d.Header {
			req.Header[name] = values
		}
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error // its text repeats the link, which the caller names
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return planner.File{}, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode >= 500:
		return planner.File{}, fmt.Errorf("HTTP %d", resp.StatusCode)
	case (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) && len(d.Header) > 0 && !d.sendsHeader(resp.Request.URL):
		return planner.File{}, permanentError{fmt.Errorf("HTTP %d: the login was not sent to %s (it goes over https to --download-hosts only; --download-insecure-http allows plain http)",
			resp.StatusCode, resp.Request.URL.Redacted())}
	case resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusForbidden:
		return planner.File{}, permanentError{fmt.Errorf("HTTP %d: the link needs a login (--download-header-file, --download-hosts) or has expired", resp.StatusCode)}
	case resp.StatusCode >= 300:
		return planner.File{}, permanentError{fmt.Errorf("HTTP %d", resp.StatusCode)}
	case resp.ContentLength > limit:
		return planner.File{}, permanentError{fmt.Errorf("%d bytes, over the %d-byte limit", resp.ContentLength, limit)}
	}
	tmp, err := os.CreateTemp(d.Dir, "assembly-import-download-*")
	if err != nil {
		return planner.File{}, err
	}
	n, err := io.Copy(tmp, io.LimitReader(resp.Body, limit+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > limit {
		err = permanentError{fmt.Errorf("over the %d-byte limit", limit)}
	}
	if err != nil {
		os.Remove(tmp.Name())
		return planner.File{}, err
	}
	name := "attachment"
	if u, err := url.Parse(link); err == nil && planner.LinkName(u) != "" {
		name = planner.LinkName(u)
	}
	ct, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if ct == "" {
		ct = "application/octet-stream"
	}
	return planner.File{Ref: link, Root: filepath.Dir(tmp.Name()), Rel: filepath.Base(tmp.Name()), Name: name, ContentType: ct, Size: n}, nil
}

// fetchAll downloads a reply's links. What cannot be fetched stays a link
// in the text, so nothing is lost, and is reported.
func (r *runner) fetchAll(ctx context.Context, rep *planner.Reply, key string) (cleanup func()) {
	var temps []string
	var failed []string
	for _, link := range rep.Downloads {
		if r.opts.Downloader == nil {
			failed = append(failed, link)
			continue
		}
		f, err := r.opts.Downloader.Fetch(ctx, link)
		if err != nil {
			failed = append(failed, link)
			r.skipAttachment(key, rep.Origin, err.Error()+"; the link is in the message text instead")
			continue
		}
		temps = append(temps, filepath.Join(f.Root, f.Rel))
		rep.Files = append(rep.Files, f)
	}
	// A link the text names already (a first message's follow-up lists
	// its files) is not written twice.
	failed = slices.DeleteFunc(failed, func(link string) bool { return strings.Contains(rep.Body, link) })
	if len(failed) > 0 {
		rep.Body = planner.WithAttachmentNotes(rep.Body, failed...)
	}
	rep.Downloads = nil
	return func() {
		for _, t := range temps {
			os.Remove(t)
		}
	}
}
