package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"
)

// Exit codes, as the README documents them.
const (
	exitOK      = 0
	exitUsage   = 1 // bad flags, configuration, unreadable input
	exitInvalid = 2 // plan: some items have errors
	exitNotAll  = 3 // run: some items were rejected or failed
	exitStopped = 4 // run: interrupted or the key was refused; resumable
	keyEnv      = "ASSEMBLY_API_KEY"
)

// exitError ends a command with a code and a message for the user.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func exitf(code int, format string, args ...any) error {
	return &exitError{code: code, err: fmt.Errorf(format, args...)}
}

// env is what every command writes to.
type env struct {
	stdout, stderr io.Writer
	log            *slog.Logger
	prog           string   // the program as invoked, for resume hints
	args           []string // its arguments
}

func execute(ctx context.Context, prog string, args []string, stdout, stderr io.Writer) int {
	e := &env{stdout: stdout, stderr: stderr, log: slog.New(slog.NewTextHandler(stderr, nil)), prog: prog, args: args}
	root := &cobra.Command{
		Use:   "assembly-import",
		Short: "Migrate a helpdesk's tickets, replies and attachments into Assembly",
		Long: `assembly-import moves a helpdesk's history into Assembly through its public API:
it validates the export first (plan), then sends every ticket and reply within
the API's rate limits (run), keeping a checkpoint so that an interrupted run
resumes where it stopped (status shows where it stands). sandbox serves a
strict fake of the API to try it all on.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(flagError)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetArgs(args)
	root.AddCommand(planCommand(e), runCommand(e), statusCommand(e), sandboxCommand(e), versionCommand(e))
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	var ee *exitError
	if !errors.As(err, &ee) && errors.Is(err, context.Canceled) {
		// Ctrl-C before run's own handling (while a source is read or planned).
		err = exitf(exitStopped, "interrupted before anything was sent")
	}
	fmt.Fprintln(stderr, "error:", err)
	if errors.As(err, &ee) {
		return ee.code
	}
	return exitUsage
}
