package planner

import (
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/assembly-import/assembly-import/readers"
)

// MaxReplyFileSize is the largest file Assembly takes on a reply (32 MB);
// above it the API answers 413.
const MaxReplyFileSize = 32 << 20

// imageExts are the files Assembly can fetch by URL (files_image_url).
var imageExts = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".gif": true, ".webp": true}

// attachment resolves one attachment of a reply into p, or reports why it cannot.
func (b *builder) attachment(origin, item string, a readers.Attachment, p *Reply, links *[]string) {
	if a.URL != "" {
		u, err := url.Parse(a.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			b.problems.add(SeverityError, ProblemAttachment, origin, item, "attachments", "%q is not a valid http(s) URL", a.Ref)
			return
		}
		if imageExts[strings.ToLower(path.Ext(u.Path))] {
			p.ImageURLs = append(p.ImageURLs, a.URL)
			return
		}
		b.problems.add(SeverityWarning, ProblemAttachmentLink, origin, item, "attachments",
			"%s is not an image, which is all Assembly fetches by URL; the link is added to the message text instead", a.URL)
		*links = append(*links, a.URL)
		return
	}
	f, err := resolveFile(a)
	if err != nil {
		b.problems.add(SeverityError, ProblemAttachment, origin, item, "attachments", "%s", err)
		return
	}
	p.Files = append(p.Files, f)
}

// resolveFile finds a local attachment under its root and checks it can be
// sent: it exists, is a regular file within the size limit, and neither its
// path nor a symbolic link leads outside the root.
func resolveFile(a readers.Attachment) (File, error) {
	rel := filepath.FromSlash(strings.ReplaceAll(a.Path, `\`, "/"))
	if filepath.IsAbs(rel) || strings.HasPrefix(a.Path, "/") || strings.HasPrefix(a.Path, `\`) {
		return File{}, fmt.Errorf("%q is an absolute path; attachment paths must be relative to %s", a.Ref, a.Root)
	}
	if !filepath.IsLocal(rel) {
		return File{}, fmt.Errorf("%q leads outside the attachment folder %s", a.Ref, a.Root)
	}
	root, err := filepath.Abs(a.Root)
	if err == nil {
		root, err = filepath.EvalSymlinks(root)
	}
	if err != nil {
		return File{}, fmt.Errorf("attachment folder %s: %w", a.Root, err)
	}
	real, err := filepath.EvalSymlinks(filepath.Join(root, rel))
	if errors.Is(err, fs.ErrNotExist) {
		return File{}, fmt.Errorf("%q does not exist in %s", a.Ref, a.Root)
	}
	if err != nil {
		return File{}, fmt.Errorf("%q: %w", a.Ref, err)
	}
	if inside, err := filepath.Rel(root, real); err != nil || !filepath.IsLocal(inside) {
		return File{}, fmt.Errorf("%q is a symbolic link leading outside the attachment folder %s", a.Ref, a.Root)
	}
	st, err := os.Stat(real)
	if err != nil {
		return File{}, fmt.Errorf("%q: %w", a.Ref, err)
	}
	if !st.Mode().IsRegular() {
		return File{}, fmt.Errorf("%q is not a regular file", a.Ref)
	}
	if st.Size() > MaxReplyFileSize {
		return File{}, fmt.Errorf("%q is %.1f MB; Assembly takes at most 32 MB per file", a.Ref, float64(st.Size())/(1<<20))
	}
	ct := mime.TypeByExtension(strings.ToLower(filepath.Ext(real)))
	if ct == "" {
		ct = "application/octet-stream"
	}
	return File{Ref: a.Ref, Path: real, Name: a.Name, ContentType: ct, Size: st.Size()}, nil
}
