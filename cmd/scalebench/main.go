// Command scalebench measures planning and resuming at scale: for exports of
// 10,000, 100,000 and 1,000,000 unsorted replies (written by genexport),
// it runs the tool as a process and prints the time and peak RSS of `plan`,
// the ratio to a plain read of the same files, and the start-up of `run`
// resuming a checkpoint in which every job is done. `make bench` runs it.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/assembly-import", "the tool to measure")
	gen := flag.String("genexport", "bin/genexport", "the export generator, run as its own process: a child's peak RSS counts its parent's until it execs")
	flag.Parse()
	tmp, err := os.MkdirTemp("", "scalebench-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)
	// Fixed widths, not a tabwriter: each row is printed as soon as it is measured.
	const row = "%9s %8s %5s %7s %7s %12s %8s %12s %9s %14s\n"
	fmt.Printf(row, "replies", "tickets", "MB", "read s", "plan s", "plan ÷ read", "rows/s", "plan RSS MB", "resume s", "resume RSS MB")
	for _, replies := range []int{10_000, 100_000, 1_000_000} {
		tickets := replies / 5
		dir := filepath.Join(tmp, fmt.Sprint(replies))
		cp := filepath.Join(tmp, fmt.Sprint(replies, ".checkpoint"))
		if out, err := exec.Command(*gen, "-out", dir, "-tickets", fmt.Sprint(tickets), "-replies", fmt.Sprint(replies),
			"-checkpoint", cp, "-done", fmt.Sprint(tickets+replies)).CombinedOutput(); err != nil {
			fail(fmt.Errorf("%s: %v\n%s", *gen, err, out))
		}
		size, read := readAll(dir)
		plan, planRSS := measure(*bin, "plan", "--csv", dir)
		total, resumeRSS := measure(*bin, "run", "--csv", dir, "--api-url", "http://127.0.0.1:9", "--checkpoint", cp)
		fmt.Printf(row, fmt.Sprint(replies), fmt.Sprint(tickets), fmt.Sprintf("%.0f", float64(size)/(1<<20)),
			fmt.Sprintf("%.2f", read.Seconds()), fmt.Sprintf("%.2f", plan.Seconds()), fmt.Sprintf("%.0f×", plan.Seconds()/read.Seconds()),
			fmt.Sprintf("%.0f", float64(replies+tickets)/plan.Seconds()), fmt.Sprintf("%.0f", float64(planRSS)/1024),
			fmt.Sprintf("%.2f", (total-plan).Seconds()), fmt.Sprintf("%.0f", float64(resumeRSS)/1024))
		os.RemoveAll(dir)
		os.Remove(cp)
	}
	fmt.Println("resume s: run's start-up beyond planning, with a checkpoint holding every job as done (nothing is sent).")
	fmt.Println("read s: reading the export's files once, as cat does (from the page cache, as planning reads them).")
}

// readAll reads an export's files and returns their size and the time it took.
func readAll(dir string) (int64, time.Duration) {
	start := time.Now()
	var total int64
	for _, name := range []string{"tickets.csv", "replies.csv"} {
		f, err := os.Open(filepath.Join(dir, name))
		if err != nil {
			fail(err)
		}
		n, err := io.Copy(io.Discard, f)
		f.Close()
		if err != nil {
			fail(err)
		}
		total += n
	}
	return total, time.Since(start)
}

// measure runs the tool and returns its wall time and peak RSS in KB.
func measure(bin string, args ...string) (time.Duration, int64) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "ASSEMBLY_API_KEY=scalebench")
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if code := cmd.ProcessState.ExitCode(); err != nil && code != 0 && code != 2 {
		fail(fmt.Errorf("%s %v: %v\n%s", bin, args, err, out))
	}
	return took, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
