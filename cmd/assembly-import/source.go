package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/assembly-import/assembly-import/planner"
	"github.com/assembly-import/assembly-import/readers"
)

// sourceOptions are the flags that say what to read and how to plan it.
type sourceOptions struct {
	csvDir          string
	timezone        string
	attachmentsRoot string
	idPrefix        string
	internalNotes   string
	userMap         string
}

func (o *sourceOptions) flags(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.csvDir, "csv", "", "folder holding tickets.csv and replies.csv")
	f.StringVar(&o.timezone, "timezone", "UTC", `time zone of timestamps written without one ("Europe/Berlin")`)
	f.StringVar(&o.attachmentsRoot, "attachments-root", "", "folder attachment paths are relative to (default: the source's folder)")
	f.StringVar(&o.idPrefix, "id-prefix", "", "prepended to ticket and reply ids to form Assembly's source_specific_id")
	f.StringVar(&o.userMap, "user-map", "", "CSV of people's Assembly user ids: columns assembly_id and email and/or source_id")
	f.StringVar(&o.internalNotes, "internal-notes", string(planner.InternalSkip), "internal notes: skip, or include (sent as replies marked [Internal note])")
}

// describe names the source for logs and the checkpoint.
func (o *sourceOptions) describe() string {
	return "csv:" + o.csvDir
}

// build reads the source and plans it.
func (o *sourceOptions) build(ctx context.Context) (*planner.Plan, error) {
	if o.csvDir == "" {
		return nil, exitf(exitUsage, "say what to read: --csv DIR")
	}
	loc, err := time.LoadLocation(o.timezone)
	if err != nil {
		return nil, exitf(exitUsage, "--timezone %q: %v", o.timezone, err)
	}
	mode := planner.InternalNotes(o.internalNotes)
	if mode != planner.InternalSkip && mode != planner.InternalInclude {
		return nil, exitf(exitUsage, "--internal-notes must be skip or include, not %q", o.internalNotes)
	}
	var users *readers.UserMap
	if o.userMap != "" {
		if users, err = readers.ReadUserMap(o.userMap); err != nil {
			return nil, exitf(exitUsage, "%w", err)
		}
	}
	src, err := readers.OpenCSV(readers.CSVOptions{Dir: o.csvDir, Location: loc, AttachmentsRoot: o.attachmentsRoot})
	if err != nil {
		return nil, exitf(exitUsage, "%w", err)
	}
	defer src.Close()
	plan, err := planner.Build(ctx, src, planner.Options{IDPrefix: o.idPrefix, InternalNotes: mode, Users: users})
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", o.describe(), err)
	}
	return plan, nil
}
