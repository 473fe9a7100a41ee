package sandbox

import (
	"testing"
	"time"
)

func TestLimiters(t *testing.T) {
	base := time.Unix(1_700_000_000, 0) // on a second boundary
	at := func(ms ...int) []time.Time {
		out := make([]time.Time, len(ms))
		for i, m := range ms {
			out[i] = base.Add(time.Duration(m) * time.Millisecond)
		}
		return out
	}
	tests := []struct {
		name     string
		model    Model
		arrivals []time.Time
		want     string // + admitted, - refused
	}{
		{"sliding: 3 per second", Sliding, at(0, 100, 200, 999, 1000, 1100), "+++-++"},
		{"fixed: the window resets on the clock", Fixed, at(0, 100, 200, 999, 1000, 1001, 1002, 1003), "+++-+++-"},
		{"fixed: 6 within 200 ms across a boundary", Fixed, at(900, 950, 999, 1000, 1050, 1100), "++++++"},
		{"gcra: one interval apart", GCRA, at(0, 334, 667, 1000), "++++"},
		{"gcra: a burst up to the tolerance", GCRA, at(0, 0, 0, 0), "+++-"},
	}
	for _, tt := range tests {
		l := newLimiter(tt.model, 3, time.Second, 0)
		got := ""
		for _, a := range tt.arrivals {
			if ok, _ := l.admit(a); ok {
				got += "+"
			} else {
				got += "-"
			}
		}
		if got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
}

func TestParseRange(t *testing.T) {
	tests := []struct {
		in   string
		want Range
		bad  bool
	}{
		{in: "0-50ms", want: Range{0, 50 * time.Millisecond}},
		{in: "20ms-300ms", want: Range{20 * time.Millisecond, 300 * time.Millisecond}},
		{in: "1s", want: Range{time.Second, time.Second}},
		{in: "300ms-20ms", bad: true},
		{in: "fast", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseRange(tt.in)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("ParseRange(%q) = %v, %v; want %v (error: %v)", tt.in, got, err, tt.want, tt.bad)
		}
	}
}
