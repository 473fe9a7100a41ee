package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/uploader"
)

// Exit codes, as docs/reports.md documents them.
const (
	exitOK      = 0
	exitUsage   = 1 // bad flags, configuration, unreadable input
	exitInvalid = 2 // plan: some items have errors
	exitNotAll  = 3 // run: some items were rejected or failed
	exitStopped = 4 // run: interrupted or the key was refused; resumable
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

// exitCode is the code an error ends the process with, and the error to
// print: an exitError's own code; Ctrl-C before run's own handling (while
// a source is read or planned) stops resumably; anything else is a usage
// or input error.
func exitCode(err error) (int, error) {
	var ee *exitError
	switch {
	case err == nil:
		return exitOK, nil
	case errors.As(err, &ee):
		return ee.code, err
	case errors.Is(err, context.Canceled):
		return exitStopped, errors.New("interrupted before anything was sent")
	}
	return exitUsage, err
}

// runOutcome decides how a run ended from the uploader's error — each
// stop reason with its advice and the command that resumes — or nil when
// the run went to its end.
func runOutcome(ctx context.Context, runErr error, resume string, o runOptions) error {
	switch {
	case errors.Is(runErr, assembly.ErrUserIDRequired) && o.source.userMap != "":
		return exitf(exitStopped, "%w.\nThe replies' authors named above have no Assembly user id in %s: add a row for each (assembly_id, and their email, "+
			"source_id or name), and resume with:\n  %s", runErr, o.source.userMap, resume)
	case errors.Is(runErr, assembly.ErrUnauthorized):
		return exitf(exitStopped, "%w; put a valid key in $%s (or --api-key-file) and resume with:\n  %s", runErr, keyEnv, resume)
	case errors.Is(runErr, assembly.ErrUserIDRequired):
		return exitf(exitStopped, "%w.\nThe API returns no user ids, so give them in a CSV file with the columns assembly_id and email "+
			"(or source_id, the person's id in the old helpdesk), one row per agent and customer, and resume with:\n  %s --user-map FILE",
			runErr, resume)
	case errors.Is(runErr, assembly.ErrNotAPI):
		return exitf(exitUsage, "%w.\nAn answer that is not the API's was never taken as delivered, but for at most %d in a row before the run stopped "+
			"(the run report lists their answers as \"undocumented answer\"). Once --api-url is right, resume with:\n  %s", runErr, assembly.MaxOddAnswers-1, resume)
	case errors.Is(runErr, assembly.ErrRedirected), errors.Is(runErr, assembly.ErrWrongEndpoint):
		return exitf(exitStopped, "%w. Nothing was rejected. Once --api-url is right, resume with:\n  %s", runErr, resume)
	case errors.Is(runErr, uploader.ErrRepeatedFailure):
		return exitf(exitStopped, "%w. They are listed above. Fix the cause (a setting, the export, or ask Assembly), then resume "+
			"sending them again with:\n  %s --retry-rejected", runErr, resume)
	case errors.Is(runErr, uploader.ErrThrottled):
		return exitf(exitStopped, "%w. Nothing was rejected. Check that no other client uses the key and what limits Assembly "+
			"set for it (--events-per-sec, --replies-per-min), then resume with:\n  %s", runErr, resume)
	case errors.Is(runErr, assembly.ErrUntrusted):
		return exitf(exitUsage, "%w; behind a corporate TLS proxy, give its CA certificate with --ca-file FILE and resume with:\n  %s", runErr, resume)
	case errors.Is(runErr, uploader.ErrTooManyErrors):
		return exitf(exitNotAll, "%w (--max-errors %d); they are listed above. Fix the cause, then resume with:\n  %s", runErr, o.maxErrors, resume)
	case ctx.Err() != nil:
		return exitf(exitStopped, "interrupted; the checkpoint is saved. Resume with:\n  %s", resume)
	case runErr != nil:
		return exitf(exitUsage, "%w; nothing was sent without being recorded. Resume, once fixed, with:\n  %s", runErr, resume)
	}
	return nil
}

// withAlso adds to an outcome the outputs that could not be written.
func withAlso(outcome error, also []error) error {
	if len(also) == 0 {
		return outcome
	}
	code, _ := exitCode(outcome)
	return exitf(code, "%w\nAlso: %w", outcome, errors.Join(also...))
}
