// Command assembly-import migrates a helpdesk's history into Assembly.
package main

import (
	"context"
	"os"

	"github.com/assembly-import/assembly-import/internal/memlimit"
)

func main() {
	// The garbage collector's soft limit: half the machine's (or the
	// container's) memory, or $GOMEMLIMIT (docs/scale.md).
	memlimit.Set(os.Getenv)
	os.Exit(execute(context.Background(), os.Args[0], os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
