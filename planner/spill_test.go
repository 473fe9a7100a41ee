package planner

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/assembly-import/assembly-import/internal/arena"
	"github.com/assembly-import/assembly-import/readers"
)

func TestSpillRoundTrip(t *testing.T) {
	created := time.Date(2024, 3, 1, 9, 30, 15, 123456789, time.UTC)
	files := []File{{Ref: "a/ü.pdf", Root: "/x", Rel: "a/ü.pdf", Name: "ü.pdf", ContentType: "application/pdf", Size: 32 << 20}}
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

// Payloads spread over many blocks read back from where the writer said
// they went, bodies from a few bytes to more than a block.
func TestSpillWriterBlocks(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "spill")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := newSpillWriter(f)
	p := &Plan{spill: f, keys: new(arena.Strings)}
	var jobs []Job
	var want []Reply
	for i := range 2000 {
		size := i * 7919 % 4000
		if i%250 == 0 {
			size = spillBlock + i // more than a block
		}
		r := Reply{SSID: fmt.Sprint("R", i), Body: strings.Repeat("x", size), Created: time.Unix(int64(i), 0).UTC()}
		j := Job{key: p.keys.AddRef(r.SSID)}
		if j.at, j.n, j.Hash, err = s.putReply(&r); err != nil {
			t.Fatal(err)
		}
		jobs, want = append(jobs, j), append(want, r)
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	for i, j := range jobs {
		if got, err := p.Reply(j); err != nil || !reflect.DeepEqual(got, want[i]) {
			t.Fatalf("payload %d: %v (body %d bytes, want %d)", i, err, len(got.Body), len(want[i].Body))
		}
	}
}

// A spill file that cannot be written stops planning with that error, and
// close still ends the writing goroutine.
func TestSpillWriterFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spill")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path) // read-only: every write fails
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := newSpillWriter(f)
	body := strings.Repeat("x", spillBlock/4)
	for i := 0; err == nil && i < 100; i++ {
		_, _, _, err = s.putReply(&Reply{Body: body})
	}
	cerr := s.close()
	if err == nil || !strings.Contains(err.Error(), "write plan spill file") || cerr == nil {
		t.Fatalf("putting 25 MB into a read-only file: %v, close: %v; want both to fail", err, cerr)
	}
}
