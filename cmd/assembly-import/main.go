// Command assembly-import migrates a helpdesk's history into Assembly.
package main

import (
	"context"
	"os"
	"runtime/debug"
)

// memoryLimit is the soft limit the garbage collector keeps the heap under
// unless $GOMEMLIMIT says otherwise: a million replies plan in it, and the
// whole process stays under 256 MB (README, Scale).
const memoryLimit = 192 << 20

func main() {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(memoryLimit)
	}
	os.Exit(execute(context.Background(), os.Args[0], os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}
