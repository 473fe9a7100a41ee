package main

import (
	"bytes"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/assembly-import/assembly-import/internal/wine"
)

var updateReference = flag.Bool("update-reference", false, "rewrite docs/cli, docs/man and docs/completions from the commands")

// referenceDate dates the man pages: a fixed date keeps them the same
// from one generation to the next; change it with the commands.
var referenceDate = time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)

// TestCLIReference generates the command reference — Markdown (docs/cli),
// man pages (docs/man) and shell completions (docs/completions) — from
// the cobra commands and fails when the checked-in files differ: a flag
// changed without `make docs`. make docs runs it with -update-reference.
func TestCLIReference(t *testing.T) {
	e := &env{stdout: io.Discard, stderr: io.Discard, log: slog.New(slog.DiscardHandler), getenv: func(string) string { return "" }}
	root := newRoot(e)
	root.DisableAutoGenTag = true
	root.InitDefaultCompletionCmd()
	gen := wine.TempDir(t)
	for _, dir := range []string{"cli", "man", "completions"} {
		os.MkdirAll(filepath.Join(gen, dir), 0o755)
	}
	if err := doc.GenMarkdownTree(root, filepath.Join(gen, "cli")); err != nil {
		t.Fatal(err)
	}
	header := &doc.GenManHeader{Title: "ASSEMBLY-IMPORT", Section: "1", Source: "assembly-import", Manual: "assembly-import manual", Date: &referenceDate}
	if err := doc.GenManTree(root, header, filepath.Join(gen, "man")); err != nil {
		t.Fatal(err)
	}
	for name, write := range map[string]func(*cobra.Command, io.Writer) error{
		"assembly-import.bash": func(c *cobra.Command, w io.Writer) error { return c.GenBashCompletionV2(w, true) },
		"_assembly-import":     func(c *cobra.Command, w io.Writer) error { return c.GenZshCompletion(w) },
		"assembly-import.fish": func(c *cobra.Command, w io.Writer) error { return c.GenFishCompletion(w, true) },
		"assembly-import.ps1":  func(c *cobra.Command, w io.Writer) error { return c.GenPowerShellCompletionWithDesc(w) },
	} {
		var b bytes.Buffer
		if err := write(root, &b); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(gen, "completions", name), b.Bytes(), 0o644)
	}
	for _, dir := range []string{"cli", "man", "completions"} {
		want := filepath.Join("../../docs", dir)
		if *updateReference {
			os.RemoveAll(want)
			if err := os.CopyFS(want, os.DirFS(filepath.Join(gen, dir))); err != nil {
				t.Fatal(err)
			}
			continue
		}
		compareTrees(t, filepath.Join(gen, dir), want)
	}
}

// compareTrees fails for each file that differs between the generated tree
// and the checked-in one, or is in only one of them.
func compareTrees(t *testing.T, generated, checkedIn string) {
	t.Helper()
	names := func(dir string) []string {
		entries, _ := os.ReadDir(dir)
		var out []string
		for _, e := range entries {
			out = append(out, e.Name())
		}
		return out
	}
	gen, have := names(generated), names(checkedIn)
	for _, n := range gen {
		if !slices.Contains(have, n) {
			t.Errorf("%s/%s is missing: run make docs", checkedIn, n)
			continue
		}
		a, _ := os.ReadFile(filepath.Join(generated, n))
		b, _ := os.ReadFile(filepath.Join(checkedIn, n))
		if !bytes.Equal(a, b) {
			t.Errorf("%s/%s differs from what the commands generate: run make docs", checkedIn, n)
		}
	}
	for _, n := range have {
		if !slices.Contains(gen, n) {
			t.Errorf("%s/%s is no longer generated (a command went away?): run make docs", checkedIn, n)
		}
	}
}
