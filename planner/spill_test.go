package planner

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/assembly-import/assembly-import/readers"
)

func TestSpillRoundTrip(t *testing.T) {
	created := time.Date(2024, 3, 1, 9, 30, 15, 123456789, time.UTC)
	files := []File{{Ref: "a/ü.pdf", Path: "/x/a/ü.pdf", Name: "ü.pdf", ContentType: "application/pdf", Size: 32 << 20}}
	user := readers.User{Email: "ann@example.com", Name: "Ann Ärger", SourceID: "u-1", AssemblyID: "42"}
	events := []Event{
		{Origin: "tickets.csv:2", SSID: "T-1", Title: "Drucker", Body: "line 1\nline 2 \x00 ✓", Created: created, Requester: user,
			Company: "ACME", Properties: map[string]string{"b": "2", "a": "", "": "empty key"}, Files: files, ImageURLs: []string{"https://x/a.png", ""}},
		{}, // every field empty, the zero time included
	}
	replies := []Reply{
		{Origin: "replies!A7", SSID: "R-1", TicketSSID: "T-1", Body: "ok", Created: created, Author: user, Files: files,
			ImageURLs: []string{"https://x/b.jpg"}, Downloads: []string{"https://x/c.zip"}},
		{},
	}
	for _, want := range events {
		var e spillEncoder
		e.event(want)
		d := spillDecoder{b: e.b}
		got := d.event()
		if want.Created.IsZero() && got.Created.IsZero() {
			got.Created = want.Created // the zero time, however represented
		}
		if d.err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("event %+v\nread back as %+v (%v)", want, got, d.err)
		}
		for cut := range len(e.b) { // every truncation is noticed, never a panic
			d := spillDecoder{b: e.b[:cut]}
			if d.event(); !errors.Is(d.err, errSpillCorrupt) {
				t.Fatalf("event cut at %d of %d bytes: err %v", cut, len(e.b), d.err)
			}
		}
	}
	for _, want := range replies {
		var e spillEncoder
		e.reply(want)
		d := spillDecoder{b: e.b}
		got := d.reply()
		if want.Created.IsZero() && got.Created.IsZero() {
			got.Created = want.Created // the zero time, however represented
		}
		if d.err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("reply %+v\nread back as %+v (%v)", want, got, d.err)
		}
		d = spillDecoder{b: append(e.b, 0)}
		if d.reply(); !errors.Is(d.err, errSpillCorrupt) {
			t.Errorf("a byte too many: err %v", d.err)
		}
	}
}
