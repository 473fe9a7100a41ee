// Command genexport writes a synthetic export of any size, the same for
// the same seed: tickets.csv and replies.csv, replies in random order
// (real exports are rarely sorted), with realistic field lengths; or with
// -zendesk-mb, a Zendesk-shaped JSON export (tickets.json, users.json) of
// that size. `make bench` uses it to measure planning at scale.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/assembly-import/assembly-import/internal/synth"
)

func main() {
	dir := flag.String("out", "", "folder to write tickets.csv and replies.csv into (created)")
	tickets := flag.Int("tickets", 1000, "how many tickets")
	replies := flag.Int("replies", 5000, "how many replies, spread over the tickets")
	files := flag.Int("files", 0, "how many replies have a file attached (written under OUT/files)")
	seed := flag.Uint64("seed", 1, "the same seed writes the same export")
	cp := flag.String("checkpoint", "", "also write a checkpoint for this export in which -done jobs are delivered, to measure resuming")
	done := flag.Int("done", 0, "with -checkpoint: how many jobs, in sending order, are delivered")
	zendesk := flag.Int64("zendesk-mb", 0, "write a Zendesk-shaped JSON export of this many megabytes instead")
	flag.Parse()
	if *dir != "" && *zendesk > 0 {
		tickets, comments, err := synth.WriteZendesk(*dir, *zendesk<<20, *seed)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Printf("%d tickets, %d comments\n", tickets, comments)
		return
	}
	if *dir == "" || *tickets <= 0 || *replies < 0 {
		fmt.Fprintln(os.Stderr, "usage: genexport -out DIR [-tickets N] [-replies N] [-files N] [-seed S]")
		os.Exit(2)
	}
	if err := synth.Write(*dir, *tickets, *replies, *files, *seed); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if *cp != "" {
		if err := synth.WriteCheckpoint(*dir, *cp, *done); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
}
