package planner

import (
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/internal/confined"
	"github.com/assembly-import/assembly-import/readers"
)

// FilePolicy says what to do with a file that cannot go: one over 32 MB
// (Options.Oversize) or missing from the export's files
// (Options.MissingFiles).
type FilePolicy string

// Such a file fails its item (the default), or is left out of it with a
// warning, the message's text naming it.
const (
	FileFail FilePolicy = "fail"
	FileSkip FilePolicy = "skip"
)

// errTooBig is a file over assembly.MaxReplyFileSize.
var errTooBig = errors.New("over Assembly's 32 MB limit")

// missingError is a file that is not in its folder.
type missingError struct{ ref, root string }

func (e *missingError) Error() string { return fmt.Sprintf("%q does not exist in %s", e.ref, e.root) }

// placed is where a message's attachments go.
type placed struct {
	files     []File   // uploaded with the message
	imageURLs []string // fetched by Assembly
	downloads []string // fetched by us at send time (--download-urls)
	notes     []string // lines added to the text: links, files left out
}

func (p *placed) empty() bool { return len(p.files)+len(p.imageURLs)+len(p.downloads) == 0 }

// text appends the notes to body.
func (p *placed) text(body string) string { return WithAttachmentNotes(body, p.notes...) }

// attachmentsHeading opens the block of a message's text that names the
// attachments that did not go as files.
const attachmentsHeading = "\n\nAttachments:\n"

// WithAttachmentNotes adds lines (links, files left out) to the
// "Attachments:" block at the end of a message's text, starting the block
// if the text has none: a message has one block, whoever adds to it (the
// planner, or the downloader for links it could not fetch).
func WithAttachmentNotes(body string, lines ...string) string {
	if len(lines) == 0 {
		return body
	}
	body = strings.TrimRight(body, "\n")
	if i := strings.LastIndex(body, attachmentsHeading); i < 0 || strings.Contains(body[i+len(attachmentsHeading):], "\n\n") {
		body += attachmentsHeading
	} else {
		body += "\n"
	}
	return body + strings.Join(lines, "\n")
}

// fileCheck is what resolveFile found of a local attachment.
type fileCheck struct {
	file File
	err  error
}

// checkFiles resolves the local attachments of a batch of records: of
// each record, one fileCheck for each of its attachments (a link's is
// empty), nil for a record without local files. It runs in a goroutine of
// its own between reading and the checks, a file's stat or open costing
// about as much as a row.
func checkFiles(folders *confined.Folders, recs []readers.Record) [][]fileCheck {
	var checks [][]fileCheck
	for i, rec := range recs {
		var as []readers.Attachment
		switch {
		case rec.Ticket != nil:
			as = rec.Ticket.Attachments
		case rec.Reply != nil:
			as = rec.Reply.Attachments
		}
		for j, a := range as {
			if a.URL != "" {
				continue
			}
			if checks == nil {
				checks = make([][]fileCheck, len(recs))
			}
			if checks[i] == nil {
				checks[i] = make([]fileCheck, len(as))
			}
			f, err := resolveFile(folders, a)
			checks[i][j] = fileCheck{f, err}
		}
	}
	return checks
}

// attachments places a message's attachments, or reports why they cannot
// go; checks are its files' (checkFiles).
func (b *builder) attachments(origin string, item itemID, as []readers.Attachment, checks []fileCheck) placed {
	var p placed
	for j, a := range as {
		if a.URL != "" {
			b.attachURL(origin, item, a, &p)
			continue
		}
		f, err := checks[j].file, checks[j].err
		switch {
		case errors.Is(err, errTooBig) && b.opts.Oversize == FileSkip:
			b.problems.add(SeverityWarning, ProblemAttachment, origin, item, "attachments",
				"%s; it is left out and the message names it (--oversize skip)", err)
			p.notes = append(p.notes, fmt.Sprintf("%s (not migrated: over 32 MB)", a.Name))
		case errors.As(err, new(*missingError)) && b.opts.MissingFiles == FileSkip:
			b.problems.add(SeverityWarning, ProblemAttachment, origin, item, "attachments",
				"%s; the message goes without it, naming it (--missing-files skip)", err)
			p.notes = append(p.notes, fmt.Sprintf("%s (not migrated: missing from the export's files)", a.Name))
		case err != nil:
			b.problems.add(SeverityError, ProblemAttachment, origin, item, "attachments", "%s", err)
		default:
			if assembly.IsImageName(f.Name) && !strings.HasPrefix(f.ContentType, "image/") {
				b.problems.add(SeverityWarning, ProblemAttachment, origin, item, "attachments",
					"%q is named as an image, but its bytes are %s: it is sent as a file, not as an image", a.Ref, f.ContentType)
			}
			p.files = append(p.files, f)
		}
	}
	return p
}

func (b *builder) attachURL(origin string, item itemID, a readers.Attachment, p *placed) {
	u, err := url.Parse(a.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		b.problems.add(SeverityError, ProblemAttachment, origin, item, "attachments", "%q is not a valid http(s) URL", a.Ref)
		return
	}
	login := slices.ContainsFunc(b.opts.LoginHosts, func(h string) bool { return strings.EqualFold(h, u.Hostname()) })
	switch {
	case login && b.opts.DownloadURLs:
		// Behind a login, an image link is one Assembly cannot open: we
		// fetch it with the login and upload it.
		p.downloads = append(p.downloads, a.URL)
	case assembly.IsImageName(LinkName(u)):
		if login {
			b.problems.add(SeverityWarning, ProblemAttachmentLink, origin, item, "attachments",
				"%s is on %s, whose links need the download login: Assembly cannot open it as an image URL; --download-urls fetches it with the login and uploads it", a.URL, u.Hostname())
		}
		p.imageURLs = append(p.imageURLs, a.URL)
	case b.opts.DownloadURLs:
		p.downloads = append(p.downloads, a.URL)
	default:
		b.problems.add(SeverityWarning, ProblemAttachmentLink, origin, item, "attachments",
			"%s is not an image, which is all Assembly fetches by URL; the link is added to the message text instead "+
				"(--download-urls uploads it as a file)", a.URL)
		p.notes = append(p.notes, a.URL)
	}
}

// splitForEvent takes from a first message's attachments what its ticket's
// event can carry (JPG/PNG up to 4 MB, files or URLs); the rest goes on a
// follow-up message in the reply lane.
func splitForEvent(p placed) (event, followUp placed) {
	event.notes = p.notes
	for _, f := range p.files {
		if assembly.EventTakesImage(f.Name, f.ContentType, f.Size) {
			event.files = append(event.files, f)
		} else {
			followUp.files = append(followUp.files, f)
		}
	}
	for _, u := range p.imageURLs {
		if assembly.EventTakesImageName(linkNameOf(u)) {
			event.imageURLs = append(event.imageURLs, u)
		} else {
			followUp.imageURLs = append(followUp.imageURLs, u)
		}
	}
	followUp.downloads = p.downloads
	return event, followUp
}

// LinkName is the file name a link stands for: its path's last part, or,
// when that has no extension, the name its query gives (Zendesk's and
// Jira's attachment links end in …/?name=screenshot.png).
func LinkName(u *url.URL) string {
	name := path.Base(u.Path)
	if path.Ext(name) != "" {
		return name
	}
	q := u.Query()
	for _, key := range []string{"name", "filename", "file", "fileName"} {
		if v := q.Get(key); v != "" {
			return path.Base(strings.ReplaceAll(v, `\`, "/"))
		}
	}
	if name == "/" || name == "." {
		return ""
	}
	return name
}

func linkNameOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	return LinkName(u)
}

// resolveFile finds a local attachment under its root and checks it can be
// sent: it exists, is a regular file within the size limit (errTooBig
// otherwise), and neither its path nor a symbolic link leads outside the
// root. Folders keeps each root open: one stat per file, or for an image
// one open. checkFiles calls it for every record, ahead of the checks.
func resolveFile(folders *confined.Folders, a readers.Attachment) (File, error) {
	if a.Root == "" {
		return File{}, fmt.Errorf("%q: no attachment folder to find it in: give --attachments-root DIR", a.Ref)
	}
	rel := filepath.FromSlash(strings.ReplaceAll(a.Path, `\`, "/"))
	if filepath.IsAbs(rel) || strings.HasPrefix(a.Path, "/") || strings.HasPrefix(a.Path, `\`) || filepath.VolumeName(rel) != "" {
		return File{}, fmt.Errorf("%q is an absolute path; attachment paths must be relative to %s", a.Ref, a.Root)
	}
	if !filepath.IsLocal(rel) {
		return File{}, fmt.Errorf("%q leads outside the attachment folder %s", a.Ref, a.Root)
	}
	root, err := folders.Abs(a.Root)
	if err != nil {
		return File{}, fmt.Errorf("attachment folder %s: %w", a.Root, err)
	}
	// An image is opened, once, for its type; any other file is looked at.
	image := assembly.IsImageName(a.Name)
	var st fs.FileInfo
	var head []byte
	if image {
		st, head, err = folders.Head(root, rel, 512)
	} else {
		st, err = folders.Stat(root, rel)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return File{}, &missingError{a.Ref, a.Root}
	case errors.Is(err, confined.ErrOutside):
		return File{}, fmt.Errorf("%q is a symbolic link leading outside the attachment folder %s", a.Ref, a.Root)
	case err != nil:
		return File{}, fmt.Errorf("%q: %w", a.Ref, err)
	}
	if st.Size() > assembly.MaxReplyFileSize {
		return File{}, fmt.Errorf("%q is %.1f MB: %w", a.Ref, float64(st.Size())/assembly.MB, errTooBig)
	}
	f := File{Ref: a.Ref, Root: root, Rel: rel, Name: a.Name, ContentType: contentType(a.Name, rel), Size: st.Size()}
	if image {
		// An image's type comes from its bytes: a "png" that is not one
		// must not go on an event, which the API would refuse.
		f.ContentType, _, _ = strings.Cut(http.DetectContentType(head), ";")
	}
	return f, nil
}

// contentType is a file's type from its own name, or failing that its
// stored name: storage keys often have no extension.
func contentType(name, stored string) string {
	for _, n := range []string{name, stored} {
		if ct := mime.TypeByExtension(strings.ToLower(filepath.Ext(n))); ct != "" {
			return ct
		}
	}
	return "application/octet-stream"
}
