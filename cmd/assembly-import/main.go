// Command assembly-import migrates a helpdesk's history into Assembly.
package main

import (
	"context"
	"os"
	"time"

	"github.com/assembly-import/assembly-import/internal/memlimit"
)

func main() {
	// The garbage collector's soft limit: half the machine's (or the
	// container's) memory, or $GOMEMLIMIT (docs/scale.md).
	memlimit.Set(os.Getenv)
	// Below it, the heap grows by a twentieth of what is live, not all of it,
	// once that is more than memlimit.Headroom, and the soft limit follows
	// the collector's target so freed memory goes back to the system; or
	// as $GOGC says.
	ctx := context.Background()
	go memlimit.Pace(ctx, os.Getenv, 250*time.Millisecond)
	os.Exit(execute(ctx, os.Args[0], os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
