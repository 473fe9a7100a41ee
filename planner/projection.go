package planner

import (
	"fmt"
	"math"
	"time"
)

// Limits are the API's rate limits a run keeps to.
type Limits struct {
	EventsPerSec  int `json:"events_per_sec"`
	RepliesPerMin int `json:"replies_per_min"`
}

func (l Limits) String() string {
	return fmt.Sprintf("%d events/s and %d replies/min", l.EventsPerSec, l.RepliesPerMin)
}

// Projection is how long sending takes at the limits.
type Projection struct {
	Limits
	EventsSeconds  float64 `json:"events_seconds"`
	RepliesSeconds float64 `json:"replies_seconds"`
	// TotalSeconds is the wall time: the lanes run side by side, so the
	// longer one, plus the wait for the first ticket before any reply.
	TotalSeconds float64 `json:"projected_seconds"`
}

// Project returns how long tickets events and replies replies take at l.
func Project(tickets, replies int, l Limits) Projection {
	p := Projection{Limits: l}
	if l.EventsPerSec > 0 {
		p.EventsSeconds = float64(tickets) / float64(l.EventsPerSec)
	}
	if l.RepliesPerMin > 0 {
		p.RepliesSeconds = float64(replies) * 60 / float64(l.RepliesPerMin)
	}
	lead := 0.0
	if replies > 0 && l.EventsPerSec > 0 {
		lead = 1 / float64(l.EventsPerSec)
	}
	p.TotalSeconds = math.Max(p.EventsSeconds, p.RepliesSeconds+lead)
	return p
}

// Duration rounds seconds for people: "4d 14h", "56m 40s", "12s".
func Duration(seconds float64) string {
	d := time.Duration(math.Ceil(seconds)) * time.Second
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	switch {
	case days > 0:
		return fmt.Sprintf("%dd %dh", days, d/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh %dm", d/time.Hour, (d%time.Hour)/time.Minute)
	case d >= time.Minute:
		return fmt.Sprintf("%dm %ds", d/time.Minute, (d%time.Minute)/time.Second)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
