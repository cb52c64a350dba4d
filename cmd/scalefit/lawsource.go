package main

import (
	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/lawsource"
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

// spec is the law the flags and positional arguments (at most one RUNS.csv) name.
func (f *lawFlags) spec(e *env, args []string) app.LawSpec {
	s := app.LawSpec{Fit: f.fitPath, Approach: f.approach, Law: f.law, Runs: app.Inputs{Options: f.runs.opts, Stdin: e.stdin}}
	if len(args) > 0 {
		s.Runs.Paths = append(args, f.runs.more...)
	}
	return s
}

// resolve finds the law from the flags and the positional arguments (at most one RUNS.csv).
func (f *lawFlags) resolve(e *env, args []string) (*lawsource.Source, error) {
	return f.spec(e, args).Resolve()
}
