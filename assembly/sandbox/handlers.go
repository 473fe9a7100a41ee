package sandbox

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"time"

	"github.com/assembly-import/assembly-import/assembly"
)

func (s *Server) createTicket(r *http.Request) (int, any, error) {
	if err := parseForm(r); err != nil {
		return 0, nil, err
	}
	f := r.MultipartForm.Value
	t := &Ticket{
		SSID:    first(f["source_specific_id"]),
		Title:   first(f["title"]),
		Query:   first(f["query"]),
		Company: first(f["company_source_specific_id"]),
		Created: first(f["original_timestamp"]),
	}
	if t.Query == "" {
		return 0, nil, fail(400, "query is required")
	}
	if t.Title == "" {
		return 0, nil, fail(400, "title is required")
	}
	user, err := jsonObject(f, "user")
	if err != nil {
		return 0, nil, err
	}
	if user == nil {
		return 0, nil, fail(400, "user is required")
	}
	if !hasAny(user, "email", "source_specific_id", "id") {
		return 0, nil, fail(400, "user needs one of email, source_specific_id or id")
	}
	t.User = user
	if t.Properties, err = jsonObject(f, "additional_properties"); err != nil {
		return 0, nil, err
	}
	if err := checkTimestamp(t.Created); err != nil {
		return 0, nil, err
	}
	for _, fh := range r.MultipartForm.File["files"] {
		if !assembly.EventTakesImageName(fh.Filename) {
			return 0, nil, fail(400, "file %s could not be opened: only JPG and PNG images are accepted", fh.Filename)
		}
		if fh.Size > s.megabytes(assembly.MaxEventImageMB) {
			return 0, nil, fail(400, "file %s is too large: images may be at most %d MB", fh.Filename, assembly.MaxEventImageMB)
		}
		if ct, err := sniff(fh); err != nil || !assembly.IsEventImageType(ct) {
			return 0, nil, fail(400, "file %s could not be opened as an image", fh.Filename)
		}
		sum, err := digest(fh)
		if err != nil {
			return 0, nil, fail(400, "file %s could not be opened", fh.Filename)
		}
		t.Files = append(t.Files, File{Name: fh.Filename, Size: fh.Size, SHA256: sum})
	}
	if urls := first(f["files_image_url"]); urls != "" {
		t.ImageURLs = strings.Split(urls, ",")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.tickets[t.SSID]; ok && t.SSID != "" {
		s.stats.DuplicateTickets++
		switch s.opts.DuplicateTicket {
		case http.StatusOK:
			return http.StatusOK, map[string]string{"created_ticket_number": prev.Number}, nil
		case http.StatusBadRequest:
			return 0, nil, fail(400, "%s", cmp.Or(s.opts.DuplicateMessage, "a ticket with source_specific_id "+t.SSID+" already exists"))
		default:
			return 0, nil, fail(http.StatusConflict, "%s", cmp.Or(s.opts.DuplicateMessage, "source specific id already exists"))
		}
	}
	s.seq++
	t.Number = fmt.Sprintf("ASM-%d", 100+len(s.order)+1)
	t.ID = ulid(time.Now(), s.seq)
	if t.SSID != "" {
		s.tickets[t.SSID] = t
	}
	s.byID[t.ID] = t
	s.order = append(s.order, t)
	s.stats.Events.Accepted++
	return http.StatusOK, map[string]string{"created_ticket_number": t.Number}, nil
}

func (s *Server) addReply(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	id, ssid := q.Get("id"), q.Get("source_specific_id")
	if (id == "") == (ssid == "") {
		return 0, nil, fail(400, "exactly one of id or source_specific_id must be provided")
	}
	if id != "" && !isULID(id) {
		return 0, nil, fail(400, "invalid ULID format for id parameter")
	}
	if err := parseForm(r); err != nil {
		return 0, nil, err
	}
	f := r.MultipartForm.Value
	rep := Reply{
		SSID:    first(f["source_specific_id"]),
		Content: first(f["content"]),
		Created: first(f["original_timestamp"]),
	}
	if rep.Content == "" {
		return 0, nil, fail(400, "content is required")
	}
	user, err := jsonObject(f, "user")
	if err != nil {
		return 0, nil, err
	}
	if user == nil {
		return 0, nil, fail(400, "user is required")
	}
	if !hasAny(user, "id", "email") {
		return 0, nil, fail(400, "user.id or user.email is required")
	}
	if s.opts.RequireUserID && !hasAny(user, "id") {
		return 0, nil, fail(400, "%s", cmp.Or(s.opts.UserIDMessage, "user.id is required"))
	}
	rep.User = user
	if err := checkTimestamp(rep.Created); err != nil {
		return 0, nil, err
	}
	if urls := first(f["files_image_url"]); urls != "" {
		rep.ImageURLs = strings.Split(urls, ",")
	}
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Size > s.megabytes(assembly.MaxReplyFileMB) {
			return 0, nil, fail(http.StatusRequestEntityTooLarge, "File size exceeds %dMB", assembly.MaxReplyFileMB)
		}
		sum, err := digest(fh)
		if err != nil {
			return 0, nil, fail(400, "file %s could not be opened", fh.Filename)
		}
		rep.Files = append(rep.Files, File{Name: fh.Filename, Size: fh.Size, SHA256: sum})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tickets[ssid]
	if id != "" {
		t = s.byID[id]
	}
	if t == nil {
		return 0, nil, fail(http.StatusNotFound, "ticket not found for identifier: %s%s", id, ssid)
	}
	if rep.SSID != "" {
		for _, prev := range t.Replies {
			if prev.SSID == rep.SSID {
				s.stats.DuplicateReplies++
				if s.opts.ReplyDedup {
					return 0, nil, fail(http.StatusConflict, "source specific id already exists")
				}
				break
			}
		}
	}
	if n := len(t.Replies); n > 0 && rep.Created != "" && rep.Created < t.Replies[n-1].Created {
		s.stats.OrderViolations++ // RFC 3339 UTC strings order as their times
	}
	s.seq++
	rep.HistoryID = ulid(time.Now(), s.seq)
	t.Replies = append(t.Replies, rep)
	s.stats.Replies.Accepted++
	return http.StatusOK, map[string]string{"created_history_id": rep.HistoryID}, nil
}

// megabytes is n of the page's megabytes in bytes, as the server reads them.
func (s *Server) megabytes(n int64) int64 {
	if s.opts.BinaryMegabytes {
		return n * assembly.MiB
	}
	return n * assembly.MB
}

func parseForm(r *http.Request) error {
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return fail(http.StatusRequestEntityTooLarge, "File size exceeds %dMB", assembly.MaxReplyFileMB)
		}
		return fail(400, "the body must be multipart/form-data: %v", err)
	}
	return nil
}

func first(vs []string) string {
	if len(vs) == 0 {
		return ""
	}
	return vs[0]
}

// jsonObject reads a form field holding a JSON object; nil when absent.
func jsonObject(f map[string][]string, name string) (map[string]any, error) {
	v := first(f[name])
	if v == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		return nil, fail(400, "%s must be a JSON object", name)
	}
	return m, nil
}

func hasAny(m map[string]any, keys ...string) bool {
	for _, k := range keys {
		if s, _ := m[k].(string); s != "" {
			return true
		}
	}
	return false
}

func checkTimestamp(v string) error {
	if v == "" {
		return nil
	}
	if _, err := time.Parse(time.RFC3339, v); err != nil {
		return fail(400, "original_timestamp must be RFC 3339")
	}
	return nil
}

// sniff reads a file part's type from its first bytes, as an image
// decoder would find out: a "png" that is not one is refused.
func sniff(fh *multipart.FileHeader) (string, error) {
	f, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	ct, _, _ := strings.Cut(http.DetectContentType(head[:n]), ";")
	return ct, nil
}

func digest(fh *multipart.FileHeader) (string, error) {
	f, err := fh.Open()
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
