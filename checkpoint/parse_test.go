package checkpoint

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"
)

// TestParseJobLine checks the fast path reads what encoding/json writes,
// escapes included, and declines what it does not know.
func TestParseJobLine(t *testing.T) {
	for _, l := range []line{
		{Key: "reply/r-1", State: Sending, Hash: "ff00ff00ff00ff00"},
		{Key: "ticket/Ä \"quoted\" <tag> & \\ back\nslash", State: Rejected, Reason: "HTTP 400: \"title\" is required\t!"},
		{Key: "reply/7", State: Done, ID: "01HZY3V4K8J5T3Q8W6X9RZ2B7C"},
		{Key: "reply/8", State: uncertain},
	} {
		l.Time = time.Date(2026, 11, 25, 1, 2, 3, 456, time.UTC)
		b, _ := json.Marshal(l)
		got, ok := parseJobLine(append(b, '\n'))
		hash, _ := strconv.ParseUint(l.Hash, 16, 64)
		if !ok || string(got.key) != l.Key || got.state != l.State || string(got.id) != l.ID || string(got.reason) != l.Reason || got.hash != hash {
			t.Errorf("parseJobLine(%s) = %+v, %v; want %+v", b, got, ok, l)
		}
	}
	for _, in := range []string{
		`{"t":"x","header":{"version":1}}`,
		`{"t":"x","run":{"events_per_sec":30}}`,
		`{"k":"a","s":"weird"}`,
		`{"k":"a","s":"done"`,
		`{"k":"a" "s":"done"}`,
		`{"k":"a","s":"done","n":3}`,
		`{"k":"a","s":"sending","h":"XYZ"}`,
		`garbage`,
	} {
		if l, ok := parseJobLine([]byte(in)); ok {
			t.Errorf("parseJobLine(%s) = %+v, want it declined", in, l)
		}
	}
}
