package sandbox

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/assembly-import/assembly-import/assembly"
)

// admit checks the key and the rate limit, and asks for injected faults.
func (s *Server) admit(lane Lane, r *http.Request, arrival time.Time) (*Fault, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests++
	if r.Header.Get(assembly.HeaderKey) != s.opts.Key || s.opts.Key == "" ||
		(s.opts.RevokeAfter > 0 && s.requests > s.opts.RevokeAfter) {
		s.stats.Unauthorized++
		return nil, fail(http.StatusUnauthorized, "invalid or expired API key")
	}
	if ok, wait := s.limits[lane].admit(arrival); !ok {
		s.lane(lane).TooMany++
		e := &rateLimited{wait: wait}
		if s.opts.NoRetryAfter {
			e.wait = 0
		}
		return nil, e
	}
	m := s.meters[lane]
	m.add(arrival)
	s.lane(lane).MaxInWindow = m.max
	if r.Header.Get(assembly.HeaderProbe) != "" {
		s.lane(lane).Probes++
		return &Fault{Status: http.StatusBadRequest, Message: "query is required"}, nil // as any event without one
	}
	s.n[lane]++
	if s.opts.Hook != nil {
		if f := s.opts.Hook(Request{Lane: lane, N: s.n[lane], TicketSSID: r.URL.Query().Get("source_specific_id")}); f != nil {
			if !f.LostAck {
				s.lane(lane).Injected++
			}
			return f, nil
		}
	}
	if s.opts.Fail503 > 0 && rand.Float64() < s.opts.Fail503 {
		s.lane(lane).Injected++
		return &Fault{Status: http.StatusServiceUnavailable, Message: "service unavailable"}, nil
	}
	if s.opts.Fail500Acted > 0 && rand.Float64() < s.opts.Fail500Acted {
		s.lane(lane).Injected++
		return &Fault{Status: http.StatusInternalServerError, Acted: true, Body: `{"error":"internal server error"}`}, nil
	}
	if s.opts.Stall > 0 && rand.Float64() < s.opts.Stall {
		s.lane(lane).Injected++
		return &Fault{Stall: true}, nil
	}
	if s.opts.LostAck > 0 && rand.Float64() < s.opts.LostAck {
		return &Fault{LostAck: true}, nil
	}
	return nil, nil
}

// answer writes the fault's answer.
func (f *Fault) answer(w http.ResponseWriter) {
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", fmt.Sprint(int(math.Ceil(f.RetryAfter.Seconds()))))
	}
	if f.Location != "" {
		w.Header().Set("Location", f.Location)
	}
	if f.Body != "" || f.Acted {
		w.WriteHeader(f.Status)
		io.WriteString(w, f.Body)
		return
	}
	writeJSON(w, f.Status, map[string]string{"error": f.Message})
}

// pause waits d, or reports false when the client went away.
func pause(r *http.Request, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-r.Context().Done():
		return false
	}
}

// stall holds a request unanswered until its client gives up. The body is
// read first: only then does the server notice the connection closing.
func stall(r *http.Request) {
	io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		conn.Close()
		return
	}
	panic(http.ErrAbortHandler)
}
