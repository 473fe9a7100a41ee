// Package assembly is the one home of the Assembly API's rules as the
// migration needs them: its endpoints, its documented limits and defaults,
// which files each endpoint takes, the HTTP client, and Classify, which
// says what an answer means for the item sent. Its sibling package sandbox
// is a strict fake of the same API, built on the same constants.
//
// The vendor's page leaves some answers undocumented (see Classify); every
// reading of them lives here, so that a new finding is one edit.
package assembly

import (
	"path"
	"strings"
	"time"
)

// The API's endpoints.
const (
	// EventsPath creates a ticket (an "event"): POST, multipart/form-data.
	EventsPath = "/interactions"
	// RepliesPath adds a message to a ticket named by a query parameter:
	// POST, multipart/form-data.
	RepliesPath = "/interactions/reply"
)

// The documented rate limits, per key: each lane's limit in its window.
const (
	EventsPerWindow  = 30
	EventsWindow     = time.Second
	RepliesPerWindow = 60
	RepliesWindow    = time.Minute
)

// File limits. The page says "32MB" and "4MB" without saying which
// megabyte; the tool keeps to the smaller reading (10^6 bytes), so that a
// server counting either way takes what it sends.
const (
	MaxReplyFileMB  = 32
	MaxEventImageMB = 4
	// MaxReplyFileSize is the largest file a reply takes; above it the API
	// answers 413.
	MaxReplyFileSize = MaxReplyFileMB * MB
	// MaxEventImageSize is the largest image a ticket's event takes.
	MaxEventImageSize = MaxEventImageMB * MB
	// MB is a megabyte as the tool counts and prints them.
	MB = 1_000_000
	// MiB is the other reading of the page's megabyte (the sandbox can
	// enforce it).
	MiB = 1 << 20
)

// How long one request may take: the body may leave at MinUploadRate
// (a 32 MB file over a slow uplink takes minutes), then the answer has
// AnswerTimeout to come. The page documents neither.
const (
	AnswerTimeout = time.Minute
	MinUploadRate = 100_000 // bytes per second
)

// RequestTimeout is how long a request whose body is length bytes may take.
func RequestTimeout(answer time.Duration, length int64) time.Duration {
	return answer + time.Duration(length)*time.Second/MinUploadRate
}

// MaxRetryAfter caps how long a Retry-After makes a lane wait: the page
// documents no such header, and a server's absurd value must not park a
// migration for years.
const MaxRetryAfter = 10 * time.Minute

// HeaderKey carries the raw API key: no "Bearer " prefix.
const HeaderKey = "Authorization"

// HeaderProbe marks Client.Probe's request, which no API needs to know of
// (Assembly's ignores it): the sandbox counts it against the limit, but
// not among the items its fault hooks number.
const HeaderProbe = "X-Assembly-Import-Probe"

// imageExts are the files Assembly fetches by URL on a reply
// (files_image_url); eventImageExts are those a ticket's event takes.
var (
	imageExts      = []string{".jpg", ".jpeg", ".png", ".gif", ".webp"}
	eventImageExts = []string{".jpg", ".jpeg", ".png"}
)

func hasExt(name string, exts []string) bool {
	ext := strings.ToLower(path.Ext(strings.ReplaceAll(name, `\`, "/")))
	for _, e := range exts {
		if ext == e {
			return true
		}
	}
	return false
}

// IsImageName says whether a file or URL path names an image Assembly
// fetches by URL.
func IsImageName(name string) bool { return hasExt(name, imageExts) }

// EventTakesImage says whether a ticket's event can carry a file of this
// name, type and size: a JPG or PNG of at most MaxEventImageSize, whose
// bytes say so too (contentType sniffed from them, as
// http.DetectContentType does): the API refuses an event whose "png" is
// not one, and the ticket with it.
func EventTakesImage(name, contentType string, size int64) bool {
	return hasExt(name, eventImageExts) && IsEventImageType(contentType) && size <= MaxEventImageSize
}

// IsEventImageType says whether a content type is one an event takes.
func IsEventImageType(contentType string) bool {
	return contentType == "image/png" || contentType == "image/jpeg"
}

// EventTakesImageName is EventTakesImage for a link, whose size is unknown.
func EventTakesImageName(name string) bool { return hasExt(name, eventImageExts) }
