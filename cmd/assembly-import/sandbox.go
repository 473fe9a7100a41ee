package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/assembly/sandbox"
)

func sandboxCommand(e *env) *cobra.Command {
	var (
		listen, store string
		opts          sandbox.Options
	)
	cmd := &cobra.Command{
		Use:   "sandbox --listen ADDR --key KEY",
		Short: "Serve a strict fake of the Assembly API, for trying migrations",
		Long: `sandbox serves POST /interactions and POST /interactions/reply the way the
Assembly API documents them, strictly: the key, the multipart fields, file
limits, ticket deduplication, replies only to existing tickets, and both rate
limits counted at arrival (429 with Retry-After) by a sliding window, fixed
windows or GCRA. Fault injection brings what real networks and servers do:
transit jitter, slow processing, 503s, answers lost after the work was done.
It prints "listening on http://ADDR" first, and a summary when stopped (Ctrl-C).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Key == "" {
				return exitf(exitUsage, "sandbox needs --key KEY: the API key it accepts")
			}
			srv := sandbox.New(opts)
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return exitf(exitUsage, "listen on %s: %w", listen, err)
			}
			fmt.Fprintf(e.stdout, "listening on http://%s\n", ln.Addr())
			hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
			ctx, stop := notifyStop(cmd.Context())
			defer stop()
			go func() {
				<-ctx.Done()
				shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				hs.Shutdown(shut)
			}()
			if err := hs.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			fmt.Fprint(e.stdout, srv.Stats().Summary())
			if store != "" {
				data, err := json.MarshalIndent(srv.Tickets(), "", "  ")
				if err != nil {
					return err
				}
				if err := os.WriteFile(store, data, 0o600); err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "store written to %s\n", store)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&listen, "listen", "127.0.0.1:8080", "address to serve on")
	f.StringVar(&opts.Key, "key", "", "the API key to accept")
	f.IntVar(&opts.EventsPerSec, "events-per-sec", assembly.EventsPerWindow, "events allowed per second")
	f.IntVar(&opts.RepliesPerMin, "replies-per-min", assembly.RepliesPerWindow, "replies allowed per minute")
	f.BoolVar(&opts.ReplyDedup, "reply-dedup", false, "refuse replies whose source_specific_id the ticket has (Assembly does so only for Slack)")
	f.IntVar(&opts.DuplicateTicket, "duplicate-ticket", 409, "answer to a second create of a ticket: 409, 200 or 400")
	f.StringVar(&opts.DuplicateMessage, "duplicate-message", "", "the error text of a duplicate ticket's 400 or 409 (other servers' words)")
	f.BoolVar(&opts.RequireUserID, "require-user-id", false, "refuse replies whose user has no Assembly id")
	f.BoolVar(&opts.BinaryMegabytes, "binary-megabytes", false, `read the page's "4MB" and "32MB" as MiB (the larger reading) instead of millions of bytes`)
	f.StringVar(&opts.UserIDMessage, "user-id-message", "", `with --require-user-id: the error text (default "user.id is required")`)
	f.BoolVar(&opts.NoRetryAfter, "no-retry-after", false, "send 429s without a Retry-After header")
	opts.LimitModel = sandbox.Sliding
	f.Var(modelFlag{&opts.LimitModel}, "limit-model", "how arrivals are counted: a sliding window, fixed clock windows, or GCRA")
	f.DurationVar(&opts.GCRATolerance, "gcra-tolerance", 0, "how early a request may come under GCRA (default two emission intervals)")
	f.Var(rangeFlag{&opts.Transit}, "transit", "random delay before a request is counted: network jitter (e.g. 0-50ms)")
	f.Var(rangeFlag{&opts.Latency}, "latency", "random processing time after a request is counted (e.g. 20ms-300ms)")
	f.Float64Var(&opts.Fail503, "fail-503", 0, "probability of answering 503 to a request")
	f.Float64Var(&opts.Fail500Acted, "fail-500-acted", 0, "probability of acting on a request, then answering 500")
	f.Float64Var(&opts.Stall, "stall", 0, "probability of holding a request unanswered until the client gives up")
	f.Float64Var(&opts.LostAck, "lost-ack", 0, "probability of acting on a request, then dropping the connection unanswered")
	f.StringVar(&store, "store", "", "write what was stored, as JSON, to this file on exit")
	return cmd
}
