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
	for _, want := range []Event{
		{Origin: "tickets.csv:2", SSID: "T-1", Title: "Drucker", Body: "line 1\nline 2 \x00 ✓", Created: created, Requester: user,
			Company: "ACME", Properties: map[string]string{"b": "2", "a": "", "": "empty key"}, Files: files, ImageURLs: []string{"https://x/a.png", ""}},
		{Created: time.Unix(0, 0).UTC()},
	} {
		roundTrip(t, want, (*spillEncoder).event, (*spillDecoder).event)
	}
	for _, want := range []Reply{
		{Origin: "replies!A7", SSID: "R-1", TicketSSID: "T-1", Body: "ok", Created: created, Author: user, Files: files,
			ImageURLs: []string{"https://x/b.jpg"}, Downloads: []string{"https://x/c.zip"}},
		{Created: time.Unix(0, 0).UTC()},
	} {
		roundTrip(t, want, (*spillEncoder).reply, (*spillDecoder).reply)
	}
}

// roundTrip checks a payload reads back as written, and that every
// truncation and a byte too many are reported, never a panic.
func roundTrip[T any](t *testing.T, want T, encode func(*spillEncoder, *T), decode func(*spillDecoder) T) {
	t.Helper()
	var e spillEncoder
	encode(&e, &want)
	d := spillDecoder{b: e.b}
	if got := decode(&d); d.err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("%+v\nread back as %+v (%v)", want, got, d.err)
	}
	for cut := range len(e.b) {
		d := spillDecoder{b: e.b[:cut]}
		if decode(&d); !errors.Is(d.err, errSpillCorrupt) {
			t.Fatalf("cut at %d of %d bytes: err %v", cut, len(e.b), d.err)
		}
	}
	d = spillDecoder{b: append(e.b, 0)}
	if decode(&d); !errors.Is(d.err, errSpillCorrupt) {
		t.Errorf("a byte too many: err %v", d.err)
	}
}
