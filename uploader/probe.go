package uploader

import (
	"context"
	"errors"
	"fmt"

	"github.com/assembly-import/assembly-import/assembly"
)

// proveAPI proves, once per run and before its first item, that the API
// URL is Assembly's API (assembly.Client.Probe): a web server or portal
// that answers every POST with 200 would otherwise have every item
// recorded as delivered while nothing arrives anywhere. It returns the
// error that stops the run, the same to every caller.
func (r *runner) proveAPI(ctx context.Context) error {
	r.probeOnce.Do(func() { r.probeErr = r.probe(ctx) })
	return r.probeErr
}

// probe sends the probe through the events lane's pacer (it counts against
// the limit like any event), waits out a rate limit, and tries again after
// server errors and network failures as deliver does.
func (r *runner) probe(ctx context.Context) error {
	transient, throttled := 0, 0
	for {
		pm, err := r.events.pacer.WaitRank(ctx, -1)
		if err != nil {
			return err
		}
		err = r.opts.Client.Probe(r.reqCtx)
		v := assembly.Classify(assembly.Events, err)
		var notAPI *assembly.NotAPIError
		switch {
		case err == nil:
			pm.Done(true)
			r.opts.Logger.Info("the API URL answers as Assembly's API")
			return nil
		case errors.As(err, &notAPI):
			pm.Done(true)
			return fmt.Errorf("before sending anything: %w", err)
		case v.Outcome == assembly.Throttled:
			pm.Throttled(v.API.RetryAfter)
			if throttled++; throttled >= r.opts.MaxThrottled {
				return fmt.Errorf("%w: the first request was answered %q %d times in a row", ErrThrottled, v.Reason, throttled)
			}
			continue
		case v.Outcome == assembly.Stop:
			pm.Done(true)
			return fmt.Errorf("before sending anything: %w", v.Stop)
		case v.Outcome == assembly.Transient || v.Outcome == assembly.Uncertain:
			pm.Done(v.API != nil)
			if transient++; transient >= r.opts.MaxAttempts {
				return fmt.Errorf("before sending anything, the API URL did not answer after %d attempts: %s", transient, v.Reason)
			}
		default:
			pm.Done(v.API != nil)
			return fmt.Errorf("before sending anything: %w (%s)", assembly.ErrNotAPI, v.Reason)
		}
		r.opts.Logger.Warn("the API URL's first answer was an error; trying again", "err", v.Reason)
		if !sleep(ctx, r.backoff(transient)) {
			return ctx.Err()
		}
	}
}
