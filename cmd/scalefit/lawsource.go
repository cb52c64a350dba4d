package main

import (
	"github.com/scalefit/scalefit/internal/laws"
	"github.com/scalefit/scalefit/internal/lawsource"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/spf13/pflag"
)

// lawFlags are the flags of commands that use a law (optimal, predict, check, plot): the law
// comes from exactly one of --fit fit.json, --law NAME, or a RUNS.csv argument fitted on
// the fly (with the runs flags).
type lawFlags struct {
	fitPath  string
	approach int
	law      string
	strict   bool
	runs     runFlags
}

func (f *lawFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.fitPath, "fit", "", "use the Chinchilla Approach-3 fit of this fit.json (written by scalefit fit -o)")
	fs.IntVar(&f.approach, "approach", 3, "with --fit: which fit of the file plans: 3 (the parametric law), or 2 or 1 (their N_opt ∝ C^a allocation, without losses)")
	fs.StringVar(&f.law, "law", "", "use a built-in published law, e.g. chinchilla2022-a3 (case-insensitive; see scalefit laws)")
	fs.BoolVar(&f.strict, "strict", false, "exit 1, after the full output, when the fit used (from RUNS.csv or --fit) did not converge")
	f.runs.register(fs)
}

// resolve finds the law from the flags and the positional arguments (at most one RUNS.csv).
func (f *lawFlags) resolve(e *env, args []string) (*lawsource.Source, error) {
	n := 0
	for _, set := range []bool{f.fitPath != "", f.law != "", len(args) > 0} {
		if set {
			n++
		}
	}
	if len(args) > 1 {
		return nil, usagef("at most one RUNS.csv argument, got %d", len(args))
	}
	if ro := f.runs.opts; len(args) == 0 && ro.Format == runs.FormatAuto {
		ro.Format = ""
		if ro != (runs.Options{}) {
			return nil, usagef("the runs flags (--group, --where, --drop-highest-loss, column overrides, --meta, ...) apply only to a RUNS.csv argument fitted on the fly")
		}
	} else if len(args) == 0 && ro != (runs.Options{}) {
		return nil, usagef("the runs flags (--group, --where, --drop-highest-loss, column overrides, --meta, ...) apply only to a RUNS.csv argument fitted on the fly")
	}
	switch {
	case n == 0:
		return nil, usagef("no law given: want one of --fit fit.json, --law NAME (see scalefit laws) or a RUNS.csv to fit")
	case n > 1:
		return nil, usagef("more than one law given (--fit, --law, RUNS.csv): want exactly one")
	case f.approach < 1 || f.approach > 3:
		return nil, usagef("--approach %d: want 1, 2 or 3", f.approach)
	case f.approach != 3 && f.fitPath == "":
		return nil, usagef("--approach %d applies to --fit fit.json: built-in laws and runs fitted on the fly use Approach 3", f.approach)
	case f.fitPath != "":
		return lawsource.FromFile(f.fitPath, f.approach)
	case f.law != "":
		l, err := laws.Lookup(f.law)
		if err != nil {
			return nil, usagef("--law: %v", err)
		}
		return lawsource.FromBuiltin(l), nil
	}
	if f.runs.opts.GroupCol != "" {
		return nil, usagef("--group: fit each group with scalefit fit --group COL -o fit.json, then pass --fit fit.json")
	}
	set, err := f.runs.load(e, args[0])
	if err != nil {
		return nil, err
	}
	return lawsource.FromRuns(set, args[0])
}
