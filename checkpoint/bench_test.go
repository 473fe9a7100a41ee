package checkpoint_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/assembly-import/assembly-import/checkpoint"
)

// BenchmarkSendingDone is the journal's cost per job: a fsynced "sending"
// line, then a "done" line.
func BenchmarkSendingDone(b *testing.B) {
	j, err := checkpoint.Open(filepath.Join(b.TempDir(), "cp.jsonl"), header, limits)
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	i := 0
	for b.Loop() {
		key := fmt.Sprintf("reply/%d", i)
		if err := j.Sending(key); err != nil {
			b.Fatal(err)
		}
		if err := j.Done(key, "01HZY3V4K8J5T3Q8W6X9RZ2B7C"); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkReplay is resume's start-up cost: replaying a journal of 100,000
// jobs (200,000 lines).
func BenchmarkReplay(b *testing.B) {
	const jobs = 100_000
	path := filepath.Join(b.TempDir(), "cp.jsonl")
	j, err := checkpoint.Open(path, header, limits)
	if err != nil {
		b.Fatal(err)
	}
	for i := range jobs {
		key := fmt.Sprintf("reply/%d", i)
		j.Retry(key, "") // unsynced: only the file's content matters here
		j.Done(key, "01HZY3V4K8J5T3Q8W6X9RZ2B7C")
	}
	j.Close()
	for b.Loop() {
		snap, err := checkpoint.Read(path)
		if err != nil || len(snap.Jobs) != jobs {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(jobs)*float64(b.N)/b.Elapsed().Seconds(), "jobs/s")
}
