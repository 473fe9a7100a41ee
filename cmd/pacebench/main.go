// Command pacebench measures how well the uploader's lanes use the API's
// limits: it runs them against the sandbox under each limit model, with
// transit jitter and processing latency, and prints per lane the
// utilisation (achieved ÷ limit over the steady part), 429s, request
// latency percentiles and the most arrivals the server saw in any window;
// with --references, two reference clients' events lanes beside the
// tool's; with --runs, each of those several times, and each lane's median.
// `make bench` runs it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/assembly-import/assembly-import/assembly"
	"github.com/assembly-import/assembly-import/assembly/sandbox"
	"github.com/assembly-import/assembly-import/checkpoint"
	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
	"github.com/assembly-import/assembly-import/uploader"
)

const key = "pacebench"

// scenario is one server the lanes run against.
type scenario struct {
	model     sandbox.Model
	tolerance float64 // GCRA tolerance in emission intervals; 0 is the default (2)
}

func main() {
	duration := flag.Duration("duration", time.Minute, "how long each scenario runs")
	transit := flag.String("transit", "0-50ms", "transit jitter: random delay before the server counts a request")
	latency := flag.String("latency", "20ms-300ms", "processing time after the server counts a request")
	jitter := flag.Duration("jitter", 50*time.Millisecond, "the uploader's narrowest jitter allowance (--jitter)")
	eventsJitter := flag.Duration("events-jitter", uploader.WideJitter, "the allowance the events lane starts with and probes narrower from (the command line's, without --jitter)")
	repliesWindow := flag.Duration("replies-window", 6*time.Second, "the replies limit's window (60 per minute, scaled)")
	models := flag.String("models", "sliding,fixed,gcra,gcra-tight", "the limit models to run, comma-separated")
	references := flag.Bool("references", false, "also run the reference clients' events lanes (a sliding window) beside the tool's")
	serverTiming := flag.Bool("server-timing", false, "the server says how long it had each request (Server-Timing)")
	runs := flag.Int("runs", 1, "how many times to run each scenario and reference: every run's rows, then each lane's median")
	flag.Parse()
	if *runs < 1 {
		fmt.Fprintln(os.Stderr, "--runs: at least 1")
		os.Exit(2)
	}
	tr, err1 := sandbox.ParseRange(*transit)
	lat, err2 := sandbox.ParseRange(*latency)
	if err := errors.Join(err1, err2); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	timing := "no Server-Timing"
	if *serverTiming {
		timing = "Server-Timing"
	}
	fmt.Printf("Each scenario: %v; events 30 per 1s, replies 60 per %v; transit %v, latency %v, %s; jitter allowance %v, the events lane's from %v.\n",
		*duration, *repliesWindow, tr, lat, timing, *jitter, max(*jitter, *eventsJitter))
	fmt.Printf("Ceiling for zero 429s under transit jitter J: W/(W+J) = %.1f%% events, %.1f%% replies.\n\n",
		100/(1+(tr.Max-tr.Min).Seconds()), 100/(1+(tr.Max-tr.Min).Seconds()/repliesWindow.Seconds()))
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "model\tlane\tlimit\tutilisation\t429s\tp50\tp99\tmost in a window\tlimit at end\tallowance at end\t")
	scenarios := map[string]scenario{"sliding": {sandbox.Sliding, 0}, "fixed": {sandbox.Fixed, 0}, "gcra": {sandbox.GCRA, 0}, "gcra-tight": {sandbox.GCRA, 0.5}}
	for _, name := range strings.Split(*models, ",") {
		sc, ok := scenarios[name]
		if !ok {
			fmt.Fprintf(os.Stderr, "no model %q (there is: sliding, fixed, gcra, gcra-tight)\n", name)
			os.Exit(2)
		}
		repeat(tw, *runs, func() ([]row, error) {
			return measure(sc, *duration, tr, lat, *serverTiming, *jitter, *eventsJitter, *repliesWindow)
		})
	}
	if *references {
		for _, ref := range []func() *reference{
			func() *reference { return windowReference(30, time.Second) },
			func() *reference { return bucketReference(30, time.Second, 8) },
		} {
			repeat(tw, *runs, func() ([]row, error) {
				r, err := measureReference(ref(), *duration, tr, lat, *serverTiming)
				return []row{r}, err
			})
		}
	}
	tw.Flush()
}

// timings records request latencies per lane, at the client.
type timings struct {
	next http.RoundTripper
	mu   sync.Mutex
	lane map[string][]time.Duration
}

func (t *timings) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.next.RoundTrip(r)
	t.mu.Lock()
	t.lane[r.URL.Path] = append(t.lane[r.URL.Path], time.Since(start))
	t.mu.Unlock()
	return resp, err
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	ds = slices.Sorted(slices.Values(ds))
	return ds[int(p*float64(len(ds)-1))].Round(time.Millisecond)
}

func measure(sc scenario, d time.Duration, transit, latency sandbox.Range, serverTiming bool, jitter, eventsJitter, repliesWindow time.Duration) ([]row, error) {
	opts := sandbox.Options{
		Key: key, LimitModel: sc.model, RecordArrivals: true, ServerTiming: serverTiming,
		EventsPerSec: 30, EventsWindow: time.Second,
		RepliesPerMin: 60, RepliesWindow: repliesWindow,
		Transit: transit, Latency: latency,
	}
	name := string(sc.model)
	if sc.tolerance > 0 {
		opts.GCRATolerance = time.Duration(sc.tolerance * float64(time.Second) / 30)
		name += fmt.Sprintf(" (tolerance %.1f intervals)", sc.tolerance)
	}
	sb := sandbox.New(opts)
	srv := httptest.NewServer(sb)
	defer srv.Close()

	tmp, err := os.MkdirTemp("", "pacebench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	// Enough work to keep both lanes busy: 30 tickets/s, 10 replies/s.
	tickets := int(d.Seconds()*30*1.3) + 30
	if err := writeExport(tmp, tickets); err != nil {
		return nil, err
	}
	src, err := readers.OpenCSV(readers.CSVOptions{Path: tmp})
	if err != nil {
		return nil, err
	}
	plan, err := planner.Build(context.Background(), src, planner.Options{SpillDir: tmp})
	src.Close()
	if err != nil {
		return nil, err
	}
	defer plan.Close()
	j, err := checkpoint.Open(filepath.Join(tmp, "cp"), checkpoint.Options{Header: checkpoint.Header{Fingerprint: plan.Fingerprint}})
	if err != nil {
		return nil, err
	}
	defer j.Close()
	tm := &timings{next: http.DefaultTransport, lane: map[string][]time.Duration{}}
	client, err := assembly.NewClient(srv.URL, key, &http.Client{Transport: tm, Timeout: time.Minute})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	res, err := uploader.Run(ctx, plan, uploader.Options{
		Client: client, Journal: j,
		EventsPerSec: 30, EventsWindow: time.Second,
		RepliesPerMin: 60, RepliesWindow: repliesWindow,
		Jitter: jitter, EventsJitter: eventsJitter, Backoff: 100 * time.Millisecond,
	})
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, err
	}
	st := sb.Stats()
	laneRow := func(lane sandbox.Lane, path string, ls sandbox.LaneStats, lr uploader.LaneResult) row {
		return row{name: name, lane: string(lane), limit: fmt.Sprintf("%d/%v", ls.Limit, ls.Window),
			utilisation: sb.Utilisation(lane), tooMany: ls.TooMany,
			rest: []string{fmt.Sprint(percentile(tm.lane[path], 0.5)), fmt.Sprint(percentile(tm.lane[path], 0.99)),
				fmt.Sprintf("%d/%d", ls.MaxInWindow, ls.Limit), fmt.Sprint(lr.EffectiveLimit), fmt.Sprint(lr.Allowance.Round(time.Millisecond))}}
	}
	return []row{
		laneRow(sandbox.Events, assembly.EventsPath, st.Events, res.Events),
		laneRow(sandbox.Replies, assembly.RepliesPath, st.Replies, res.Replies),
	}, nil
}

// row is what one run measured of one lane.
type row struct {
	name, lane, limit string
	utilisation       float64  // achieved ÷ limit over the steady part
	tooMany           int      // 429s
	rest              []string // the columns after the 429s, as printed
}

// print writes r as a line of the table, its name followed by label.
func (r row) print(tw io.Writer, label string) {
	line(tw, append([]string{r.name + label, r.lane, r.limit, percent(r.utilisation), fmt.Sprint(r.tooMany)}, r.rest...)...)
}

// line writes one line of the table's ten columns.
func line(tw io.Writer, cells ...string) {
	for len(cells) < 10 {
		cells = append(cells, "")
	}
	fmt.Fprintln(tw, strings.Join(cells, "\t")+"\t")
}

// percent prints a share as a percentage.
func percent(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

// repeat measures runs times and prints every run's rows; after more than
// one, it prints each lane's median utilisation, its range and the 429s of
// every run (the median line gives the range where a run gives p50): the
// machine is shared and a single run can be an outlier.
func repeat(tw io.Writer, runs int, run func() ([]row, error)) {
	var all [][]row
	for k := range runs {
		rows, err := run()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		label := ""
		if runs > 1 {
			label = fmt.Sprintf(", run %d", k+1)
		}
		for _, r := range rows {
			r.print(tw, label)
		}
		all = append(all, rows)
	}
	if runs == 1 {
		return
	}
	for i, first := range all[0] {
		utils := make([]float64, runs)
		refused := make([]string, runs)
		for k, rows := range all {
			utils[k], refused[k] = rows[i].utilisation, fmt.Sprint(rows[i].tooMany)
		}
		slices.Sort(utils)
		line(tw, first.name+fmt.Sprintf(", median of %d", runs), first.lane, first.limit, percent(utils[runs/2]),
			strings.Join(refused, "/"), "range "+percent(utils[0])+"–"+percent(utils[runs-1]))
	}
}

// writeExport writes a CSV export of n tickets, every other one with a reply.
func writeExport(dir string, n int) error {
	var tk, rp strings.Builder
	tk.WriteString("ticket_id,title,created_at,requester_email,body\n")
	rp.WriteString("reply_id,ticket_id,created_at,author_email,body\n")
	for i := range n {
		fmt.Fprintf(&tk, "t%d,Ticket %d,2024-01-01T00:00:00Z,c%d@example.com,Body\n", i, i, i)
		if i%2 == 0 {
			fmt.Fprintf(&rp, "r%d,t%d,2024-01-02T00:00:00Z,agent@example.com,Reply\n", i, i)
		}
	}
	return errors.Join(
		os.WriteFile(filepath.Join(dir, readers.TicketsFile), []byte(tk.String()), 0o600),
		os.WriteFile(filepath.Join(dir, readers.RepliesFile), []byte(rp.String()), 0o600))
}
