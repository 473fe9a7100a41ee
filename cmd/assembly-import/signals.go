package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// notifyStop returns a context cancelled when the user or the system asks
// the process to stop, and the function that stops listening.
//
// On Unix that is SIGINT (Ctrl-C) and SIGTERM (kill, systemd stop). On
// Windows Go delivers Ctrl-C and Ctrl-Break as os.Interrupt, and closing the
// console window, logging off or shutting down as SIGTERM; Windows then
// allows the process about five seconds, within run's grace for requests in
// flight (the journal keeps an earlier end safe as well).
func notifyStop(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}
