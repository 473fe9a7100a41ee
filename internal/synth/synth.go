// Package synth writes synthetic helpdesk exports of any size, and
// checkpoints for them, to measure the tool at scale.
package synth

import (
	"bufio"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
)

var words = strings.Fields(`the invoice login password export error page account billing team please thanks
could you check again still failing works now update refund order shipping delayed customer support agent
mobile app crash screen settings email notification webhook integration report monthly annual plan seats`)

func sentence(rng *rand.Rand, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[rng.IntN(len(words))])
	}
	return b.String()
}

// Write writes a CSV export of nTickets tickets and nReplies replies into
// dir, the same for the same seed; replies come in random order. With
// nFiles > 0, that many replies, spread evenly, have one attachment each,
// written under dir/files (writeFiles).
func Write(dir string, nTickets, nReplies, nFiles int, seed uint64) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	nFiles = min(nFiles, nReplies)
	files, err := writeFiles(filepath.Join(dir, "files"), nFiles, seed)
	if err != nil {
		return err
	}
	step := 0
	if nFiles > 0 {
		step = nReplies / nFiles
	}
	rng := rand.New(rand.NewPCG(seed, 42))
	base := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	created := make([]time.Time, nTickets)
	err = writeCSV(filepath.Join(dir, "tickets.csv"), []string{"ticket_id", "title", "created_at", "requester_email", "requester_name", "status", "tags", "body"},
		func(emit func([]string) error) error {
			for i := range nTickets {
				created[i] = base.Add(time.Duration(rng.Int64N(int64(5 * 365 * 24 * time.Hour))))
				c := rng.IntN(nTickets/4 + 1)
				row := []string{fmt.Sprintf("T%07d", i+1), sentence(rng, 3+rng.IntN(6)), created[i].Format(time.DateTime),
					fmt.Sprintf("customer%d@example.com", c), fmt.Sprintf("Customer %d", c), []string{"open", "closed", "pending"}[rng.IntN(3)],
					"synthetic", sentence(rng, 20+rng.IntN(80))}
				if err := emit(row); err != nil {
					return err
				}
			}
			return nil
		})
	if err != nil {
		return err
	}
	header := []string{"reply_id", "ticket_id", "created_at", "author_email", "author_name", "internal", "body"}
	if nFiles > 0 {
		header = append(header, "attachments")
	}
	return writeCSV(filepath.Join(dir, "replies.csv"), header,
		func(emit func([]string) error) error {
			for _, i := range rng.Perm(nReplies) { // unsorted, as exports come
				t := int(uint64(i) * 2654435761 % uint64(nTickets))
				at := created[t].Add(time.Duration(1+i%97) * time.Hour)
				a := rng.IntN(50)
				row := []string{fmt.Sprintf("R%08d", i+1), fmt.Sprintf("T%07d", t+1), at.Format(time.RFC3339),
					fmt.Sprintf("agent%d@helpdesk.example", a), fmt.Sprintf("Agent %d", a), "false", sentence(rng, 10+rng.IntN(60))}
				if nFiles > 0 {
					row = append(row, "")
					if i%step == 0 && i/step < nFiles {
						row[len(row)-1] = files[i/step]
					}
				}
				if err := emit(row); err != nil {
					return err
				}
			}
			return nil
		})
}

// fileKinds are the attachments writeFiles writes, in turn: what real
// exports hold most, with the first bytes of each format, so that an
// image's type read from its bytes is what its name says.
var fileKinds = []struct {
	ext  string
	head []byte
}{
	{".pdf", []byte("%PDF-1.7\n")},
	{".png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")},
	{".txt", []byte("log excerpt\n")},
	{".jpg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00")},
	{".docx", []byte("PK\x03\x04")},
}

// writeFiles writes n small files of the kinds above into dir, 256 B to
// 8 KB each (planning reads no more than an image's first 512 bytes), and
// returns their paths relative to dir's parent, as an export names them.
func writeFiles(dir string, n int, seed uint64) ([]string, error) {
	if n == 0 {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(seed, 7))
	paths := make([]string, n)
	for k := range paths {
		kind := fileKinds[k%len(fileKinds)]
		name := fmt.Sprintf("f%07d%s", k+1, kind.ext)
		body := append(slices.Clip(kind.head), strings.Repeat("x", 256+rng.IntN(8<<10))...)
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
			return nil, err
		}
		paths[k] = filepath.Base(dir) + "/" + name
	}
	return paths, nil
}

func writeCSV(path string, header []string, rows func(func([]string) error) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	w.Write(header)
	if err := rows(w.Write); err != nil {
		f.Close()
		return err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// WriteCheckpoint plans the export in dir as run does and writes a journal
// at path in which its first done jobs were sent and acknowledged.
// crockford is the alphabet of ULIDs.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

func WriteCheckpoint(dir, path string, done int) error {
	src, err := readers.OpenCSV(readers.CSVOptions{Path: dir})
	if err != nil {
		return err
	}
	defer src.Close()
	// In the order a run with the default flags sends (open tickets first),
	// as a real journal is written and a resume with the same flags asks.
	plan, err := planner.Build(context.Background(), src, planner.Options{Order: planner.OrderOpenFirst, OpenStatuses: readers.OpenStatuses("")})
	if err != nil {
		return err
	}
	defer plan.Close()
	j, err := checkpoint.Open(path, checkpoint.Options{Header: checkpoint.Header{
		Fingerprint: plan.Fingerprint, Source: "csv:" + dir, Jobs: plan.Groups(),
	}})
	if err != nil {
		return err
	}
	j.Close()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	n := 0
	rng := rand.New(rand.NewPCG(1, 2))
	for key, hash := range plan.All() {
		if n == done {
			break
		}
		// The server's ids as Assembly gives them: a ticket's display
		// number, a reply's history ULID (a millisecond time, then 80
		// random bits; Crockford's base32).
		id := fmt.Sprintf("ASM-%d", 1000+n)
		if checkpoint.Group(key) != planner.TicketGroup {
			ms := uint64(1767225600000 + n*40) // 2026-01-01, 25 a second
			var b [26]byte
			for i := 9; i >= 0; i-- {
				b[i], ms = crockford[ms%32], ms/32
			}
			for i := 10; i < 26; i++ {
				b[i] = crockford[rng.IntN(32)]
			}
			id = string(b[:])
		}
		fmt.Fprintf(w, `{"t":"2026-01-01T00:00:00.123456789Z","k":%q,"s":"sending","h":"%x"}`+"\n", key, hash)
		fmt.Fprintf(w, `{"t":"2026-01-01T00:00:00.223456789Z","k":%q,"s":"done","id":%q}`+"\n", key, id)
		n++
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
