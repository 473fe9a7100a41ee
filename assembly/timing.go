package assembly

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// servedKey is the context key of the function WithServed attaches.
type servedKey struct{}

// WithServed returns ctx carrying fn, which the client calls before it
// returns, with how long the server says it spent on the request: the
// longest duration of its Server-Timing header (the W3C standard many
// servers and gateways send). fn is not called for an answer without one.
// The pacer bounds a request's arrival by that: the server had it at
// least that long before it answered.
func WithServed(ctx context.Context, fn func(time.Duration)) context.Context {
	return context.WithValue(ctx, servedKey{}, fn)
}

// reportServed calls ctx's WithServed function with the time h's
// Server-Timing header gives, if both are there.
func reportServed(ctx context.Context, h http.Header) {
	fn, _ := ctx.Value(servedKey{}).(func(time.Duration))
	if fn == nil {
		return
	}
	if d := serverTiming(h.Values("Server-Timing")); d > 0 {
		fn(d)
	}
}

// serverTiming returns the longest "dur" of Server-Timing header values
// (`app;dur=123.4, db;dur=20;desc="query"`), in milliseconds as the
// standard has it; 0 when none gives one. The longest, not the sum:
// metrics may nest (a database's time within the application's), and
// every one of them passed after the server had the request.
func serverTiming(values []string) time.Duration {
	var longest float64
	for _, v := range values {
		for _, metric := range splitOutsideQuotes(v, ',') {
			params := splitOutsideQuotes(metric, ';')
			for _, p := range params[1:] { // the first is the metric's name
				name, val, ok := strings.Cut(strings.TrimSpace(p), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(name), "dur") {
					continue
				}
				ms, err := strconv.ParseFloat(strings.Trim(strings.TrimSpace(val), `"`), 64)
				if err == nil && ms > longest && ms < 24*3600*1000 {
					longest = ms
				}
			}
		}
	}
	return time.Duration(longest * float64(time.Millisecond))
}

// splitOutsideQuotes splits s at sep where sep is not inside a quoted
// string (a desc="a, b" keeps its comma).
func splitOutsideQuotes(s string, sep byte) []string {
	var parts []string
	quoted, from := false, 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && quoted:
			i++
		case s[i] == '"':
			quoted = !quoted
		case s[i] == sep && !quoted:
			parts = append(parts, s[from:i])
			from = i + 1
		}
	}
	return append(parts, s[from:])
}
