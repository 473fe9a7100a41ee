package assembly

import (
	"testing"
	"time"
)

func TestServerTiming(t *testing.T) {
	tests := []struct {
		values []string
		want   time.Duration
	}{
		{nil, 0},
		{[]string{"app;dur=123.4"}, 123400 * time.Microsecond},
		{[]string{`db;dur=20;desc="query, slow", app;dur=53`}, 53 * time.Millisecond}, // the longest; a quoted comma is no separator
		{[]string{"cache;desc=hit", "total;dur=7"}, 7 * time.Millisecond},             // two headers
		{[]string{`cfL4;desc="?proto=TCP&rtt=1234"`}, 0},                              // no duration at all
		{[]string{"app;DUR = 5"}, 5 * time.Millisecond},
		{[]string{"app;dur=-3", "x;dur=abc", "y;dur=1e12"}, 0}, // nonsense is ignored
	}
	for _, tt := range tests {
		if got := serverTiming(tt.values); got != tt.want {
			t.Errorf("serverTiming(%q) = %v, want %v", tt.values, got, tt.want)
		}
	}
}
