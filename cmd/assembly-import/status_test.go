package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/assembly-import/assembly-import/checkpoint"
)

// A ticket resent after an uncertain send cannot be doubled (the server
// deduplicates tickets by id); a reply can, and status names it.
func TestStatusListsOnlyRepliesThatMayBeDoubled(t *testing.T) {
	path := filepath.Join(t.TempDir(), "cp")
	j, err := checkpoint.Open(path, checkpoint.Options{
		Header: checkpoint.Header{Fingerprint: "f", Source: "csv:x", Jobs: map[string]int{"ticket": 1, "reply": 1}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"ticket/7", "reply/71"} {
		for _, step := range []func() error{
			func() error { return j.Sending(key, 1) },
			func() error { return j.Uncertain(key) },
			func() error { return j.Sending(key, 1) },
			func() error { return j.Done(key, "") },
		} {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	snap, err := checkpoint.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	writeStatus(&out, snap)
	if !strings.Contains(out.String(), "replies may appear twice in Assembly: 1\n    reply/71\n") || strings.Contains(out.String(), "ticket/7") {
		t.Errorf("status:\n%s", out.String())
	}
}
