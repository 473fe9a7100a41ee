package main

import (
	"context"
	"os"
	"path/filepath"

	"github.com/assembly-import/assembly-import/readers"
	"github.com/assembly-import/assembly-import/report"
)

// namedPath is a file a command reads or writes, with the flag that named it.
type namedPath struct{ flag, path string }

// guardOutputs refuses, before anything is read, an output that is — or
// resolves to, through a link or another spelling — an input, the
// checkpoint, or another output: --rejects pointed at the export's own
// folder would otherwise empty it, and --report could overwrite the
// checkpoint.
func guardOutputs(inputs, outputs []namedPath) error {
	var seen []namedPath
	for _, in := range inputs {
		if in.path != "" {
			seen = append(seen, in)
		}
	}
	for _, out := range outputs {
		if out.path == "" {
			continue
		}
		for _, other := range seen {
			if samePath(out.path, other.path) {
				return exitf(exitUsage, "%s would write %s, which is %s: choose another path", out.flag, out.path, describePath(other))
			}
		}
		seen = append(seen, out)
	}
	return nil
}

func describePath(p namedPath) string {
	if p.flag == "--checkpoint" {
		return "the checkpoint"
	}
	return "what " + p.flag + " names (" + p.path + ")"
}

// samePath reports whether a and b name the same file: the same file on
// disk when both exist (links, hard links and case-insensitive systems
// included), else the same absolute path with links resolved.
func samePath(a, b string) bool {
	ai, aerr := os.Stat(a)
	bi, berr := os.Stat(b)
	if aerr == nil && berr == nil {
		return os.SameFile(ai, bi)
	}
	return resolved(a) == resolved(b)
}

// resolved is path made absolute with the links of its existing part
// resolved.
func resolved(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Clean(path)
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		return real
	}
	dir, base := filepath.Split(abs)
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		return filepath.Join(real, base)
	}
	return abs
}

// inputs are the files the source flags name.
func (o *sourceOptions) inputs(ctx context.Context) []namedPath {
	in := []namedPath{{"--xlsx", o.xlsxFile}, {"--mapping", o.mapping}, {"--user-map", o.userMap}, {"--people", o.people}, {"--json", o.jsonPath},
		{"--query-file", o.queryFile}, {"--pg-dump", o.pgDump}}
	for _, f := range o.csvFiles(ctx) {
		in = append(in, namedPath{"--csv", f})
	}
	return in
}

// csvFiles are the files --csv names, in the layout the mapping gives.
func (o *sourceOptions) csvFiles(ctx context.Context) []string {
	if o.csvDir == "" {
		return nil
	}
	m, _ := o.loadMapping(ctx) // a mapping that cannot be read is reported when the source opens
	return readers.CSVOptions{Path: o.csvDir, Mapping: m}.Files()
}

// rejectsOutputs are the files --rejects DIR would write.
func (o *sourceOptions) rejectsOutputs(ctx context.Context, dir string) []namedPath {
	switch {
	case dir == "":
		return nil
	case o.xlsxFile != "":
		return []namedPath{{"--rejects", filepath.Join(dir, filepath.Base(o.xlsxFile))}}
	}
	var out []namedPath
	for _, f := range o.csvFiles(ctx) {
		out = append(out, namedPath{"--rejects", filepath.Join(dir, filepath.Base(f))})
	}
	return out
}

// checkReportPath refuses, as a usage error, a report file of a format
// the report package does not write.
func checkReportPath(path string) error {
	if err := report.CheckPath(path); err != nil {
		return exitf(exitUsage, "%w", err)
	}
	return nil
}
