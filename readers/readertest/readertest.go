// Package readertest is the contract every reader passes, tested once for
// all formats: records in source order, io.EOF at the end and after it,
// origins on every record, cancellation honoured, Close safe.
package readertest

import (
	"context"
	"errors"
	"io"
	"regexp"
	"testing"

	"github.com/assembly-import/assembly-import/planner"
)

// Want is the record a source must yield, by its kind and key.
type Want struct {
	Ticket bool
	Key    string
}

// origin is what every origin looks like: "tickets.csv:12", "tickets!B17",
// "conversations id=88".
var origin = regexp.MustCompile(`^\S+(:\d+|!\w+\d+| \w+=\S+)$`)

// Run checks the source open returns against the contract; want lists the
// records it holds, in order. open is called more than once.
func Run(t *testing.T, open func(t *testing.T) planner.Source, want []Want) {
	t.Run("order and EOF", func(t *testing.T) {
		src := open(t)
		defer src.Close()
		ctx := context.Background()
		for i, w := range want {
			rec, err := src.Next(ctx)
			if err != nil {
				t.Fatalf("record %d: Next() error %v, want %+v", i, err, w)
			}
			got := Want{Ticket: rec.Ticket != nil}
			if rec.Ticket != nil {
				got.Key = rec.Ticket.Key
			} else {
				got.Key = rec.Reply.Key
			}
			if got != w {
				t.Errorf("record %d = %+v, want %+v", i, got, w)
			}
			if (rec.Ticket == nil) == (rec.Reply == nil) {
				t.Errorf("record %d: exactly one of Ticket and Reply must be set", i)
			}
			if !origin.MatchString(rec.Origin()) {
				t.Errorf("record %d: origin %q does not name a place in the source", i, rec.Origin())
			}
		}
		for range 2 {
			if _, err := src.Next(ctx); !errors.Is(err, io.EOF) {
				t.Fatalf("Next() after the last record = %v, want io.EOF", err)
			}
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		src := open(t)
		defer src.Close()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := src.Next(ctx); !errors.Is(err, context.Canceled) {
			t.Fatalf("Next(cancelled) = %v, want context.Canceled", err)
		}
	})
	t.Run("close early", func(t *testing.T) {
		src := open(t)
		if len(want) > 0 {
			if _, err := src.Next(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if err := src.Close(); err != nil {
			t.Fatalf("Close() = %v", err)
		}
	})
}

// Keys is a helper for building want lists: Keys(true, "1", "2") are tickets.
func Keys(ticket bool, keys ...string) []Want {
	out := make([]Want, len(keys))
	for i, k := range keys {
		out[i] = Want{Ticket: ticket, Key: k}
	}
	return out
}
