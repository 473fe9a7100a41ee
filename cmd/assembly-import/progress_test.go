package main

import (
	"testing"
	"time"
)

func TestPace(t *testing.T) {
	for _, c := range []struct {
		settled, remaining int64
		elapsed            time.Duration
		rate, left         string
	}{
		{0, 10, time.Minute, "0/min", "unknown"},
		{0, 0, time.Minute, "0/min", "0s"},
		{60, 120, time.Minute, "60.0/min", "2m0s"},
		{30, 0, 30 * time.Second, "60.0/min", "0s"},
		{59, 400000, time.Minute, "59.0/min", "112h59m40s"},
	} {
		rate, left := pace(c.settled, c.remaining, c.elapsed)
		if rate != c.rate || left != c.left {
			t.Errorf("pace(%d, %d, %v) = %s, %s; want %s, %s", c.settled, c.remaining, c.elapsed, rate, left, c.rate, c.left)
		}
	}
}
