package main

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// flagError explains a flag the command does not have: the closest one it
// has (--cvs → --csv), and for --api-key where the key comes from instead.
// Cobra suggests mistyped commands itself, not flags.
func flagError(cmd *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return exitf(exitUsage, "%w (see %s --help)", err, cmd.CommandPath())
	}
	if name == "api-key" || strings.HasPrefix(name, "api-key=") {
		return exitf(exitUsage, "there is no --api-key: the key is read from $%s or from the file --api-key-file names, "+
			"so that it never shows in the process list or the shell's history", keyEnv)
	}
	if best := closestFlag(cmd, name); best != "" {
		return exitf(exitUsage, "%w; did you mean --%s?", err, best)
	}
	return exitf(exitUsage, "%w (see %s --help)", err, cmd.CommandPath())
}

// closestFlag is the command's flag nearest to name, or "" when none is
// within a third of its length in edits (at least two).
func closestFlag(cmd *cobra.Command, name string) string {
	name, _, _ = strings.Cut(name, "=")
	best, bestDist := "", max(2, len(name)/3)+1
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden {
			return
		}
		if d := editDistance(name, f.Name); d < bestDist {
			best, bestDist = f.Name, d
		}
	})
	return best
}

// editDistance is the Damerau–Levenshtein distance (optimal string
// alignment) between a and b: insertions, deletions, substitutions and
// swaps of neighbours count one each, so "cvs" is one edit from "csv".
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
