package main

import (
	"bytes"
	"fmt"
	"io"

	"github.com/scalefit/scalefit/internal/runs"
)

// holdoutPool loads the input without --where when --where is given: --holdout takes its
// runs from there, so --where selects the runs to fit and never changes the test set
// (issue 12). It returns nil without --where, and the env to load the fit set with (its
// standard input, when read, replayed).
func (f *runFlags) holdoutPool(e *env, path string) ([]runs.Run, *env, error) {
	if f.opts.Where == "" {
		return nil, e, nil
	}
	var b []byte
	usesStdin := path == "-"
	for _, m := range f.more {
		usesStdin = usesStdin || m == "-"
	}
	if usesStdin {
		var err error
		if b, err = io.ReadAll(e.stdin); err != nil {
			return nil, nil, fmt.Errorf("cannot read standard input: %w", err)
		}
	}
	all := *f
	all.opts.Where = ""
	set, err := all.load(&env{stdin: bytes.NewReader(b), stdout: e.stdout, stderr: e.stderr}, path)
	if err != nil {
		return nil, nil, err
	}
	return set.Runs, &env{stdin: bytes.NewReader(b), stdout: e.stdout, stderr: e.stderr}, nil
}

// heldOutsideSet returns the held-out runs of res that are not runs of set (taken from the
// input before --where), for the figures to draw them too.
func heldOutsideSet(set *runs.Set, groups [][]runs.Run) []runs.Run {
	type key struct {
		line                 int
		params, tokens, loss float64
	}
	in := make(map[key]bool, len(set.Runs))
	for _, r := range set.Runs {
		in[key{r.Line, r.Params, r.Tokens, r.Loss}] = true
	}
	var out []runs.Run
	for _, held := range groups {
		for _, r := range held {
			if !in[key{r.Line, r.Params, r.Tokens, r.Loss}] {
				out = append(out, r)
			}
		}
	}
	return out
}
