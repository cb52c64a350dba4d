package main

import (
	"github.com/scalefit/scalefit/internal/app"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

var _ = register("backtest", newBacktestCmd)

// backtestFlags are the flags of `scalefit backtest` (check --backtest shares them).
type backtestFlags struct {
	runs          runFlags
	scored        int
	bootstrap     int
	seed          uint64
	vertex        string
	smoothness    float64
	budgetTol     float64
	noLeaveOneOut bool
	plot          string
}

func (f *backtestFlags) register(fs *pflag.FlagSet) {
	fs.IntVar(&f.scored, "scored-cuts", 0, "how many of the largest cuts score the candidates and the break (default 3)")
	fs.IntVar(&f.bootstrap, "bootstrap", 0, "resamples behind the local exponent's and the break's 95% intervals (default 200; -1 for none)")
	fs.Uint64Var(&f.seed, "seed", 1, "seed of the bootstrap")
	fs.StringVar(&f.vertex, "vertex", "parabola", "each budget's observed minimum loss: parabola, akima or auto (Approach 2's)")
	fs.Float64Var(&f.smoothness, "smoothness", 0, "broken power law: decades of compute over which its exponent changes (default 0.3)")
	fs.Float64Var(&f.budgetTol, "budget-tolerance", 0, "relative spread of FLOPs within one budget when there is no budget column (default 0.15)")
	fs.BoolVar(&f.noLeaveOneOut, "no-leave-one-out", false, "skip the leave-one-budget-out check of N_opt")
}

// request builds the backtest's request from the flags.
func (f *backtestFlags) request(e *env, paths []string, tolerance float64) app.BacktestRequest {
	return app.BacktestRequest{Inputs: app.Inputs{Paths: paths, Options: f.runs.opts, Stdin: e.stdin}, Tolerance: tolerance,
		Scored: f.scored, Bootstrap: f.bootstrap, Seed: f.seed, Vertex: f.vertex, Smoothness: f.smoothness,
		BudgetTolerance: f.budgetTol, NoLeaveOneOut: f.noLeaveOneOut, Figure: f.plot}
}

func newBacktestCmd(e *env) *cobra.Command {
	f := &backtestFlags{}
	var tolerance, outFormat string
	cmd := &cobra.Command{
		Use:   "backtest RUNS [MORE_RUNS...]",
		Short: "Which law to trust on your runs, and is scaling slowing: extrapolation backtests",
		Long: `Rolling-origin backtest over compute: for every cut from the 4th smallest budget up to the
one below the largest, fit every candidate law (Chinchilla Approach 3 with Huber and with MSE,
Approach 2 with Akima and parabola minima, Kaplan's L(N,D), the broken power law of the
frontier, and registered families such as the data-constrained law when the runs have their
columns) on the runs up to the cut, and score its predictions of the next budget and of the
largest. Budgets are the budget column, else runs whose FLOPs cluster (Approach 2's rule),
else half-decades of compute.

The recommendation is the candidate with the lowest mean |error| on the largest budget over
the largest cuts, when it is within --tolerance; it rests on these runs' own backtest. "Is
scaling slowing?" reads the local exponent -d ln(L* - E)/d ln C of a broken power law through
the budgets' minima, with bootstrap intervals, and claims a break only when the broken law
predicts the largest budget better than a single power law out of sample.
error = (actual - predicted)/predicted: positive when the runs are worse than the law.
See docs/backtest.md.`,
		Example: `  scalefit backtest runs.csv
  scalefit backtest runs.csv --format json --plot slope.png
  scalefit check --backtest runs.csv --tolerance 3%`,
		Args: argsRange(1, maxRunArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			outFmt, err := parseFormat(outFormat)
			if err != nil {
				return err
			}
			tol := 0.0
			if tolerance != "" {
				if tol, err = app.ParseTolerance(tolerance); err != nil {
					return err
				}
			}
			res, err := app.Backtest(cmd.Context(), f.request(e, args, tol))
			if err != nil {
				return err
			}
			return render(e, res, outFmt, false)
		},
	}
	fs := cmd.Flags()
	f.runs.register(fs)
	f.register(fs)
	fs.StringVar(&tolerance, "tolerance", "", "largest mean |error| on the largest budget for a recommendation, e.g. 3% or 0.03 (default 3%)")
	fs.StringVar(&f.plot, "plot", "", "write the local exponent against compute to this file (.png, .svg or .pdf)")
	fs.StringVar(&outFormat, "format", "table", "output format: table, json, csv or markdown")
	return cmd
}
