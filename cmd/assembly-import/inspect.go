package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/assembly-import/assembly-import/internal/outfile"
	"github.com/assembly-import/assembly-import/readers"
)

func inspectCommand(e *env) *cobra.Command {
	var write string
	cmd := &cobra.Command{
		Use:   "inspect PATH",
		Short: "Say what an export is, what each column becomes, and write a starting mapping",
		Long: `inspect reads the start of an export — a folder, a CSV, XLSX or JSON file, or a
Postgres dump — and recognises the shapes it knows by their headers or keys:
the tool's own columns, Zendesk's JSON export (and its CSV, which has no
conversation), Jira's all-fields CSV, chat exports with a row per message,
Help Scout's CSV, and the Chatwoot, Zammad and FreeScout databases' dumps.
It says what each column becomes and what the export lacks, and prints the
plan command. An export it does not recognise gets the layout and the
columns that fit each field best. --write-mapping FILE writes the mapping,
a comment on each line, to check and give to plan.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := args[0]
			if write != "" {
				if err := guardOutputs([]namedPath{{"PATH", path}}, []namedPath{{"--write-mapping", write}}); err != nil {
					return err
				}
			}
			f, err := readers.Inspect(cmd.Context(), path, filepath.Dir(write))
			if err != nil {
				return exitf(exitUsage, "%w", err)
			}
			writeFinding(e.stdout, f, write)
			if write == "" || f.Guess == nil {
				return nil
			}
			if err := outfile.WriteFile(write, []byte(f.Guess.Mapping)); err != nil {
				return exitf(exitUsage, "--write-mapping: %w", err)
			}
			fmt.Fprintf(e.stdout, "\nMapping written to %s: check each line, then:\n  assembly-import plan %s %s --mapping %s\n", write, f.Source, f.Path, write)
			return nil
		},
	}
	cmd.Flags().StringVar(&write, "write-mapping", "", "write the starting mapping (YAML, a comment on each line) to FILE")
	return cmd
}

// writeFinding says what inspect found.
func writeFinding(w io.Writer, f *readers.Finding, write string) {
	fmt.Fprintf(w, "%s\n", f.Path)
	for _, t := range f.Tables {
		fmt.Fprintf(w, "  %s: %d columns (%s), %d rows read to check formats", t.Name, len(t.Header), strings.Join(t.Header, ", "), len(t.Rows))
		if t.Encoding != "" {
			fmt.Fprintf(w, "; not UTF-8, read as %s", t.Encoding)
		}
		fmt.Fprintln(w)
	}
	if len(f.Keys) > 0 {
		fmt.Fprintf(w, "  the first ticket's keys: %s\n", strings.Join(f.Keys, ", "))
	}
	if f.People != "" {
		fmt.Fprintf(w, "  a people directory beside it: %s (ids to emails and names)\n", filepath.Base(f.People))
	}
	s := f.Shape
	switch {
	case s != nil && s.Unusable != "":
		fmt.Fprintf(w, "Recognised: %s.\n", s.Product)
		writeLacks(w, s)
		fmt.Fprintf(w, "It cannot be migrated: %s.\n", s.Unusable)
		return
	case s != nil && s.Preset != "":
		fmt.Fprintf(w, "Recognised: %s.\nPlan it with the preset (no mapping):\n  assembly-import plan --pg-dump %s --preset %s\n", s.Product, f.Path, s.Preset)
		return
	case s != nil && s.Profile == "":
		fmt.Fprintf(w, "Recognised: %s. It needs no mapping:\n  assembly-import plan %s %s\n", s.Product, f.Source, f.Path)
		return
	case s != nil:
		fmt.Fprintf(w, "Recognised: %s (built-in mapping %s).\n", s.Product, s.Profile)
		writePicks(w, "Each field is read from", f.Guess)
		writeLacks(w, s)
		people := ""
		// A profile that names its people file (Zendesk's users.json)
		// finds it beside the export by itself.
		if m, err := readers.Profile(s.Profile); f.People != "" && err == nil && m.ProfilePeople() == "" {
			people = " --people " + f.People
		}
		fmt.Fprintf(w, "It plans with no mapping file:\n  assembly-import plan %s %s%s\n", f.Source, f.Path, people)
		if write == "" {
			fmt.Fprintln(w, "(--write-mapping FILE writes the built-in mapping out, to adjust.)")
		}
		return
	case f.Source == "--pg-dump":
		fmt.Fprintln(w, "Not a dump of a helpdesk the presets know (chatwoot, freescout, zammad): read the database with --pg-dump FILE --query-file FILE, whose SQL names the fields (docs/postgres.md).")
		return
	case f.Source == "--json":
		fmt.Fprintln(w, "Not a JSON export this tool recognises: write a mapping naming each field's path and the array of messages (messages:), as docs/json.md shows for Help Scout, Freshdesk, Front and Intercom.")
		return
	}
	g := f.Guess
	fmt.Fprintf(w, "Not an export this tool recognises. The layout that fits best: %s.\n", g.Layout)
	writePicks(w, "The columns that fit each field", g)
	if len(g.Missing) > 0 {
		fmt.Fprintf(w, "No column found for: %s (plan needs them: name their columns in the mapping).\n", strings.Join(g.Missing, ", "))
	}
	if len(g.Unused) > 0 {
		fmt.Fprintf(w, "Kept as additional properties: %s.\n", strings.Join(g.Unused, ", "))
	}
	if g.Zoneless {
		fmt.Fprintln(w, "The timestamps carry no time zone: set timezone: to the zone the export was written in.")
	}
	if write == "" {
		fmt.Fprintln(w, "--write-mapping FILE writes this as a mapping, a comment on each line, to check and give to plan.")
	}
}

// writePicks lists the column each field is read from, with an example.
func writePicks(w io.Writer, title string, g *readers.Guess) {
	if g == nil || len(g.Tickets)+len(g.Replies) == 0 {
		return
	}
	fmt.Fprintf(w, "%s:\n", title)
	for _, section := range []struct {
		name  string
		picks []readers.Pick
	}{{"tickets", g.Tickets}, {"replies", g.Replies}} {
		for _, p := range section.picks {
			fmt.Fprintf(w, "  %-24s ← %q", section.name+"."+p.Field, p.Column)
			if p.Example != "" {
				fmt.Fprintf(w, " (e.g. %q)", p.Example)
			}
			fmt.Fprintln(w)
		}
	}
}

// writeLacks says what a recognised export does not carry.
func writeLacks(w io.Writer, s *readers.Shape) {
	for _, l := range s.Lacks {
		fmt.Fprintf(w, "  It lacks %s.\n", l)
	}
}

// recognised loads the built-in mapping of a CSV export given with no
// mapping, when inspect recognises its shape; nil for the tool's own
// columns or an export it does not know. An export that cannot be
// migrated (Zendesk's CSV) is an error saying what to export instead.
func (o *sourceOptions) recognised(ctx context.Context) (*readers.Mapping, error) {
	if o.csvDir == "" || o.mapping != "" {
		return nil, nil
	}
	if _, err := os.Stat(o.csvDir); err != nil {
		return nil, nil // OpenCSV says what is wrong with the path
	}
	m, shape, err := readers.Recognise(ctx, o.csvDir)
	if err != nil {
		return nil, exitf(exitUsage, "%w", err)
	}
	if m != nil {
		o.recognisedAs = fmt.Sprintf("%s, read with the built-in mapping %s (inspect --write-mapping FILE writes it out)", shape.Product, shape.Profile)
	}
	return m, nil
}

// recognisedNote follows the source's name in plan's output when it was
// read with a built-in mapping.
func (o *sourceOptions) recognisedNote() string {
	if o.recognisedAs == "" {
		return ""
	}
	return " (recognised: " + o.recognisedAs + ")"
}
