package main

import "github.com/assembly-import/assembly-import/assembly/sandbox"

// rangeFlag is a flag holding a range of durations: "20ms-300ms".
type rangeFlag struct{ r *sandbox.Range }

func (f rangeFlag) String() string {
	if f.r == nil || *f.r == (sandbox.Range{}) {
		return "0"
	}
	return f.r.String()
}

func (f rangeFlag) Set(s string) error {
	r, err := sandbox.ParseRange(s)
	if err != nil {
		return err
	}
	*f.r = r
	return nil
}

func (rangeFlag) Type() string { return "MIN-MAX" }

// modelFlag is a flag holding a limit model.
type modelFlag struct{ m *sandbox.Model }

func (f modelFlag) String() string { return string(*f.m) }

func (f modelFlag) Set(s string) error {
	m, err := sandbox.ParseModel(s)
	if err != nil {
		return err
	}
	*f.m = m
	return nil
}

func (modelFlag) Type() string { return "sliding|fixed|gcra" }
