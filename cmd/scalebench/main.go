//go:build unix

// Command scalebench measures planning and resuming at scale: for exports of
// growing numbers of unsorted replies (written by genexport; -replies), it
// runs the tool as a process and prints the time and peak RSS of `plan`,
// its ratio to a plain read of the same files and to parsing them with
// encoding/csv alone (what any CSV planner built on it spends at least),
// planning that folds every ticket, the checkpoint's bytes per job before
// and after a run compacts it, `status`, and what `run` adds to planning
// when it resumes a checkpoint in which every job is done: its start-up
// (reading the checkpoint, comparing the plan with it) and its whole time
// beyond planning, both as the run itself times them: medians of -runs
// rounds, each of which times every export in turn (all of them are
// written first), so that a machine whose speed drifts over minutes slows
// every size alike and the sizes' ratios hold. `make bench` runs it.
package main

import (
	"bufio"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/assembly-import", "the tool to measure")
	gen := flag.String("genexport", "bin/genexport", "the export generator, run as its own process: a child's peak RSS counts its parent's until it execs")
	sizes := flag.String("replies", "10000,100000,1000000", "the exports' sizes in replies, comma-separated (a fifth as many tickets); every export is on disk at once, about 460 MB a million replies")
	files := flag.Int("files", 0, "in each export, how many replies have a file attached (planning checks each file)")
	runs := flag.Int("runs", 3, "how many rounds: each times every command on every export in turn, so the machine's drift touches every size alike; times are medians, RSS the largest")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "scalebench-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)
	var exports []*export
	for _, f := range strings.Split(*sizes, ",") {
		replies, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			fail(fmt.Errorf("-replies: %w", err))
		}
		exports = append(exports, prepare(*bin, *gen, tmp, replies, *files))
	}
	for round := range *runs {
		for _, x := range exports {
			fmt.Fprintf(os.Stderr, "round %d of %d: %d replies\n", round+1, *runs, x.replies)
			x.measure(*bin)
		}
	}
	// Fixed widths, not a tabwriter: the columns line up with earlier runs' tables.
	// "÷" and "×" take two bytes for one column: one more byte of width.
	fmt.Printf("%9s %8s %5s %7s %8s %7s %13s %14s %8s %12s %7s %13s %10s %10s %8s %10s %9s %14s\n", "replies", "tickets", "MiB", "read s", "parse s",
		"plan s", "plan ÷ read", "plan ÷ parse", "rows/s", "plan RSS MiB", "fold s", "fold ÷ plan", "journal B", "compact B", "status s", "start-up s", "resume s", "resume RSS MiB")
	for _, x := range exports {
		x.print()
	}
	for i := 1; i < len(exports); i++ {
		a, b := exports[i-1], exports[i]
		fmt.Printf("%d → %d replies (%.1f× as many): plan %.2f× the time\n", a.replies, b.replies,
			float64(b.replies)/float64(a.replies), median(b.plan).Seconds()/median(a.plan).Seconds())
	}
	fmt.Printf("Times are medians of %d rounds, each timing every export in turn; RSS the largest (the kernel's maximum resident set); MiB: 2^20 bytes.\n", *runs)
	fmt.Println("fold s: plan --fold-before 2100-01-01 --fold-open, which folds every ticket.")
	fmt.Println("journal B, compact B: the checkpoint's bytes per job as a run writes it (a sending and a done line each), and compacted at a run's end.")
	fmt.Println("status s: status of the compacted checkpoint. A run then resumes it, every job done (nothing is sent); as the run logs it,")
	fmt.Println("start-up s is from its plan made to ready to send (the checkpoint read, the plan compared with it); resume s its whole time beyond planning.")
	fmt.Println("read s: reading the export's files once, as cat does (from the page cache, as planning reads them).")
	fmt.Println("parse s: splitting the same files into fields with encoding/csv alone, in 1 MB reads, nothing kept.")
}

// export is one generated export and what was measured on it.
type export struct {
	replies, tickets                                 int
	dir, checkpoint                                  string
	written, compacted, size                         int64
	read, parse, plan, fold, status, startup, resume []time.Duration
	planRSS, resumeRSS                               int64
}

// prepare writes an export of replies replies (and a checkpoint in which
// every job is done) into tmp, and has a first run compact the checkpoint.
func prepare(bin, gen, tmp string, replies, files int) *export {
	x := &export{replies: replies, tickets: replies / 5, dir: filepath.Join(tmp, fmt.Sprint(replies)), checkpoint: filepath.Join(tmp, fmt.Sprint(replies, ".checkpoint"))}
	fmt.Fprintf(os.Stderr, "writing an export of %d replies\n", replies)
	if out, err := exec.Command(gen, "-out", x.dir, "-tickets", fmt.Sprint(x.tickets), "-replies", fmt.Sprint(replies), "-files", fmt.Sprint(files),
		"-checkpoint", x.checkpoint, "-done", fmt.Sprint(x.tickets+replies)).CombinedOutput(); err != nil {
		fail(fmt.Errorf("%s: %v\n%s", gen, err, out))
	}
	x.written = fileSize(x.checkpoint)
	// The first run finds every job done in a journal as a run writes
	// it, and compacts it as it ends; the later ones resume from that.
	measure(bin, x.run()...)
	x.compacted = fileSize(x.checkpoint)
	return x
}

// run is the command line of a run that resumes the export's checkpoint.
func (x *export) run() []string {
	return []string{"run", "--csv", x.dir, "--api-url", "http://127.0.0.1:9", "--checkpoint", x.checkpoint}
}

// measure times every command once on the export.
func (x *export) measure(bin string) {
	var d time.Duration
	x.size, d = readAll(x.dir, copyOut)
	x.read = append(x.read, d)
	_, d = readAll(x.dir, parseCSV)
	x.parse = append(x.parse, d)
	d, _, _ = measure(bin, "plan", "--csv", x.dir, "--fold-before", "2100-01-01", "--fold-open") // folds every ticket
	x.fold = append(x.fold, d)
	d, _, _ = measure(bin, "status", "--checkpoint", x.checkpoint)
	x.status = append(x.status, d)
	p, rss, _ := measure(bin, "plan", "--csv", x.dir)
	x.plan, x.planRSS = append(x.plan, p), max(x.planRSS, rss)
	// What a resume adds to planning, as the run times it: a plan
	// timed apart would differ by more than that on a machine
	// whose speed drifts.
	d, rss, out := measure(bin, x.run()...)
	planned, ready := logged(out, "planned"), logged(out, "checkpoint read and the plan compared with it")
	x.startup, x.resume, x.resumeRSS = append(x.startup, ready), append(x.resume, d-planned), max(x.resumeRSS, rss)
}

// print writes the export's row of the table.
func (x *export) print() {
	jobs := float64(x.tickets + x.replies)
	pl := median(x.plan).Seconds()
	fmt.Printf("%9d %8d %5.0f %7.2f %8.2f %7.2f %11.0f× %12.1f× %8.0f %12.0f %7.2f %11.2f× %10.0f %10.0f %8.2f %10.2f %9.2f %14.0f\n", x.replies, x.tickets, float64(x.size)/(1<<20),
		median(x.read).Seconds(), median(x.parse).Seconds(), pl, pl/median(x.read).Seconds(), pl/median(x.parse).Seconds(),
		jobs/pl, float64(x.planRSS)/1024, median(x.fold).Seconds(), median(x.fold).Seconds()/pl, float64(x.written)/jobs, float64(x.compacted)/jobs,
		median(x.status).Seconds(), median(x.startup).Seconds(), median(x.resume).Seconds(), float64(x.resumeRSS)/1024)
}

// median returns the median of ds.
func median(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[len(ds)/2]
}

// fileSize returns the size of the file at path.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		fail(err)
	}
	return fi.Size()
}

// readAll reads an export's files with read and returns their size and
// the time it took.
func readAll(dir string, read func(io.Reader) (int64, error)) (int64, time.Duration) {
	start := time.Now()
	var total int64
	for _, name := range []string{"tickets.csv", "replies.csv"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			fail(err)
		}
		n, err := read(f)
		f.Close()
		if err != nil {
			fail(fmt.Errorf("%s: %w", name, err))
		}
		total += n
	}
	return total, time.Since(start)
}

// copyOut reads r to the end in 1 MB reads, as cat does (io.Discard would read 8 KB at a time).
func copyOut(r io.Reader) (int64, error) {
	buf := make([]byte, 1<<20)
	var total int64
	for {
		n, err := r.Read(buf)
		total += int64(n)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// parseCSV splits r into records with encoding/csv, reusing each record's slice.
func parseCSV(r io.Reader) (int64, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	cr.ReuseRecord = true
	for {
		if _, err := cr.Read(); err == io.EOF {
			return cr.InputOffset(), nil
		} else if err != nil {
			return 0, err
		}
	}
}

// measure runs the tool and returns its wall time, peak RSS in KB and output.
func measure(bin string, args ...string) (time.Duration, int64, []byte) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "ASSEMBLY_API_KEY=scalebench")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if code := cmd.ProcessState.ExitCode(); err != nil && code != 0 && code != 2 {
		fail(fmt.Errorf("%s %v: %v\n%s", bin, args, err, out))
	}
	return took, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss, out
}

// logged returns the took= duration of the log line with message msg in
// a run's output.
func logged(out []byte, msg string) time.Duration {
	m := regexp.MustCompile(`msg="?` + regexp.QuoteMeta(msg) + `"? .*took=(\S+)`).FindSubmatch(out)
	if m == nil {
		fail(fmt.Errorf("no log line %q in the run's output:\n%s", msg, out))
	}
	d, err := time.ParseDuration(string(m[1]))
	if err != nil {
		fail(fmt.Errorf("log line %q: %w", msg, err))
	}
	return d
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
