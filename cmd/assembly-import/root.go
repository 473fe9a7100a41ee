package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"
)

// keyEnv holds the API key.
const keyEnv = "ASSEMBLY_API_KEY"

// env is what every command writes to.
type env struct {
	stdout, stderr io.Writer
	logOut         *logWriter // where log writes: stderr, or above the progress bars while they are drawn
	log            *slog.Logger
	prog           string   // the program as invoked, for resume hints
	args           []string // its arguments
	getenv         func(string) string
}

// execute runs the command line args of prog, reading the environment
// through getenv, and returns the exit code. main calls it with the
// process's own; tests call it in-process with theirs.
func execute(ctx context.Context, prog string, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	stdout = controlEscaper{stdout} // stderr carries the progress bars' own control sequences: its lines escape theirs
	// Ctrl-C or a stop from the system, at any moment of any command,
	// cancels ctx: planning stops (exit 4, as for a run), and a run stops
	// resumably, saying how to resume. A second one ends the process at
	// once: the journal keeps that safe.
	ctx, stopSignals := notifyStop(ctx)
	defer stopSignals()
	defer context.AfterFunc(ctx, stopSignals)()
	logOut := &logWriter{w: stderr}
	e := &env{stdout: stdout, stderr: stderr, logOut: logOut, log: slog.New(slog.NewTextHandler(logOut, nil)), prog: prog, args: args, getenv: getenv}
	root := newRoot(e)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	code, err := exitCode(root.ExecuteContext(ctx))
	if err != nil {
		fmt.Fprintf(stderr, "error: %s\n", escapeControls([]byte(err.Error())))
	}
	return code
}

// newRoot builds the command tree, writing to e: execute runs it, and the
// command reference (docs/cli, docs/man) is generated from it.
func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "assembly-import",
		Short: "Migrate a helpdesk's tickets, replies and attachments into Assembly",
		Long: `assembly-import moves a helpdesk's history into Assembly through its public API:
it says what an export is and how it is read (inspect), validates it (plan), then sends every ticket and reply within
the API's rate limits (run), keeping a checkpoint so that an interrupted run
resumes where it stopped (status shows where it stands). sandbox serves a
strict fake of the API to try it all on.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(inspectCommand(e), planCommand(e), runCommand(e), statusCommand(e), sandboxCommand(e), versionCommand(e))
	return root
}
