package uploader

import "strings"

// The circuit breaker: a run stops (ErrRepeatedFailure) when a lane's first
// openingStreak items of the run, or any longStreak items in a row, all
// fail the same way — a wrong setting or a server change, not bad items.
const (
	openingStreak = 5
	longStreak    = 20
)

// streak counts a lane's consecutive items not delivered for the same reason.
type streak struct {
	kind    string
	n       int
	settled int // items settled in the lane in this run
	opening bool
}

// failed counts a failure of kind and says whether the breaker trips.
func (s *streak) failed(kind string) bool {
	s.settled++
	if kind != s.kind {
		s.kind, s.n = kind, 0
	}
	s.n++
	if s.settled == s.n && s.n <= openingStreak {
		s.opening = true // every item so far failed alike
	}
	return s.opening && s.n >= openingStreak || s.n >= longStreak
}

func (s *streak) delivered() {
	s.settled++
	s.kind, s.n, s.opening = "", 0, false
}

// failureKind groups failures that differ only in the item they name:
// digits and quoted ids are left out.
func failureKind(reason string) string {
	var b strings.Builder
	for _, c := range reason {
		if c < '0' || c > '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}
