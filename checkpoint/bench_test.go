package checkpoint_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/internal/wine"
)

// BenchmarkSendingDone is the journal's cost per job: a fsynced "sending"
// line, then a "done" line.
func BenchmarkSendingDone(b *testing.B) {
	j, err := checkpoint.Open(filepath.Join(wine.TempDir(b), "cp.jsonl"), checkpoint.Options{Header: header, Run: limits})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	i := 0
	for b.Loop() {
		key := fmt.Sprintf("reply/%d", i)
		if err := j.Sending(key, uint64(i)); err != nil {
			b.Fatal(err)
		}
		if err := j.Done(key, "01HZY3V4K8J5T3Q8W6X9RZ2B7C"); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkReplay is resume's start-up cost: replaying a journal of a
// million jobs (two million lines: sending, done), as Open does.
func BenchmarkReplay(b *testing.B) {
	const jobs = 1_000_000
	path := filepath.Join(wine.TempDir(b), "cp.jsonl")
	j, err := checkpoint.Open(path, checkpoint.Options{Header: header, Run: limits})
	if err != nil {
		b.Fatal(err)
	}
	j.Close()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range jobs {
		fmt.Fprintf(w, `{"t":"2026-11-25T23:13:44.123456789Z","k":"reply/r-%d","s":"sending","h":"9f86d081884c7d65"}`+"\n", i)
		fmt.Fprintf(w, `{"t":"2026-11-25T23:13:44.223456789Z","k":"reply/r-%d","s":"done","id":"01HZY3V4K8J5T3Q8W6X9RZ2B7C"}`+"\n", i)
	}
	w.Flush()
	f.Close()
	for b.Loop() {
		snap, err := checkpoint.Read(path)
		if err != nil || snap.Len() != jobs {
			b.Fatal(err)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/resume")
}
