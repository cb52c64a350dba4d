package app

import (
	"bytes"
	"fmt"
	"io"
	"slices"

	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/lawsource"
	"github.com/scalefit/scalefit/internal/runs"
)

// Inputs names runs to read: files, directories or globs ("-" is Stdin) with the loader's
// options (columns, --where, --meta, ...).
type Inputs struct {
	Paths   []string
	Options runs.Options
	Stdin   io.Reader
	stdin   []byte // standard input read once (Buffered), replayed by every Load
	read    bool
}

// Load reads the runs.
func (in Inputs) Load() (*runs.Set, error) {
	stdin := in.Stdin
	if in.read {
		stdin = bytes.NewReader(in.stdin)
	}
	return runs.LoadFiles(in.Paths, stdin, in.Options)
}

// Buffered returns the inputs with standard input read into memory when a path is "-", so
// that they can be loaded more than once (a comparison of groups after a fit, a holdout
// pool before --where).
func (in Inputs) Buffered() (Inputs, error) {
	if in.read || !slices.Contains(in.Paths, "-") {
		return in, nil
	}
	b, err := io.ReadAll(in.Stdin)
	if err != nil {
		return in, fmt.Errorf("cannot read standard input: %w", err)
	}
	in.stdin, in.read = b, true
	return in, nil
}

// given reports whether any loader option differs from its zero value (auto format aside).
func (in Inputs) given() bool {
	o := in.Options
	if o.Format == runs.FormatAuto {
		o.Format = ""
	}
	return o != (runs.Options{})
}

// LawSpec says where the law of optimal, predict and check comes from: exactly one of a
// fit.json (Fit, with Approach), a built-in published law (Law) or runs fitted on the fly
// (Runs, Approach 3).
type LawSpec struct {
	Fit      string // fit.json written by scalefit fit -o
	Approach int    // with Fit: 3 (the parametric law, default), 2 or 1 (their allocation)
	Law      string // built-in name, case-insensitive (scalefit laws)
	Runs     Inputs // runs to fit with Chinchilla Approach 3 when Paths is not empty
}

// Validate checks that exactly one source is given and the flags that go with it; errors
// are usage errors.
func (s LawSpec) Validate() error {
	n := 0
	for _, set := range []bool{s.Fit != "", s.Law != "", len(s.Runs.Paths) > 0} {
		if set {
			n++
		}
	}
	if len(s.Runs.Paths) == 0 && s.Runs.given() {
		return Usagef("the runs flags (--group, --where, --drop-highest-loss, column overrides, --meta, ...) apply only to a RUNS.csv argument fitted on the fly")
	}
	approach := s.Approach
	if approach == 0 {
		approach = 3
	}
	switch {
	case len(s.Runs.Paths) > 1:
		return Usagef("at most one RUNS.csv argument, got %d", len(s.Runs.Paths))
	case n == 0:
		return Usagef("no law given: want one of --fit fit.json, --law NAME (see scalefit laws) or a RUNS.csv to fit")
	case n > 1:
		return Usagef("more than one law given (--fit, --law, RUNS.csv): want exactly one")
	case approach < 1 || approach > 3:
		return Usagef("--approach %d: want 1, 2 or 3", approach)
	case approach != 3 && s.Fit == "":
		return Usagef("--approach %d applies to --fit fit.json: built-in laws and runs fitted on the fly use Approach 3", approach)
	case len(s.Runs.Paths) > 0 && s.Runs.Options.GroupCol != "":
		return Usagef("--group: fit each group with scalefit fit --group COL -o fit.json, then pass --fit fit.json")
	}
	return nil
}

// Resolve validates the spec and returns the law.
func (s LawSpec) Resolve() (*lawsource.Source, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	switch {
	case s.Fit != "":
		approach := s.Approach
		if approach == 0 {
			approach = 3
		}
		return lawsource.FromFile(s.Fit, approach)
	case s.Law != "":
		l, err := laws.Lookup(s.Law)
		if err != nil {
			return nil, Usagef("--law: %v", err)
		}
		return lawsource.FromBuiltin(l), nil
	}
	set, err := s.Runs.Load()
	if err != nil {
		return nil, err
	}
	return lawsource.FromRuns(set, s.Runs.Paths[0])
}
