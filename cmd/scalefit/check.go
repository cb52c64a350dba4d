package main

import (
	"github.com/scalefit/scalefit/internal/app"
	"github.com/spf13/cobra"
)

var _ = register("check", newCheckCmd)

// checkOptions holds the flags of `scalefit check`.
type checkOptions struct {
	runs      runFlags
	fit       string
	tolerance string
	sigma     float64
	side      string
	worseOnly bool
	format    string
	backtest  string // RUNS to backtest instead of checking runs against a fit
}

func newCheckCmd(e *env) *cobra.Command { return newCheckCmdF(e, nil) }

// newCheckCmdF is check with a run hook: runF, when not nil, receives the request instead
// of running it.
func newCheckCmdF(e *env, runF func(*app.CheckRequest) error) *cobra.Command {
	o := &checkOptions{}
	cmd := &cobra.Command{
		Use:   "check (--fit fit.json NEW.csv | --backtest RUNS)",
		Short: "Check new runs against a fitted law: exit 1 when any falls outside the prediction",
		Long: `Predict the loss of each run of NEW.csv with the Chinchilla Approach-3 law of a fit.json
(written by scalefit fit -o) and compare it with the actual loss. The exit status is 0 when
every run lies within the band, 1 when any falls outside it, 2 on bad input.

The band is one of:
  --tolerance T   |actual - predicted| / predicted <= T, T as 3% or 0.03 (default 3%)
  --sigma K       |ln actual - ln predicted| <= K·σ, where σ combines in quadrature the spread
                  (standard deviation) of ln L̂ over the fit's bootstrap draws at that run and
                  the fit's residual scale rmse_log_loss; needs either in fit.json.

Which side fails (--side, or --worse-only for --side worse):
  both    (default) a run outside the band on either side fails
  worse   only a run worse than the law (actual above the band) fails; a run better than
          predicted passes and is marked "better": the gate that catches a regressed run
  better  only a run better than the law fails (e.g. to flag a suspiciously low loss)
error = (actual - predicted) / predicted throughout: > 0 is worse than the law. A band wider
than 20% warns (wide-band): such a gate hardly ever fails.

For CI: fit once on the runs you trust, then check each new run before scaling up.

--backtest RUNS instead backtests the laws on RUNS (scalefit backtest) and exits 1 when no
candidate is recommended or the recommended law misses the largest budget at the largest cut
by more than --tolerance (default 3%).`,
		Example: `  scalefit fit runs.csv --bootstrap 1000 --seed 1 -o fit.json
  scalefit check --fit fit.json new_runs.csv
  scalefit check --fit fit.json new_runs.csv --tolerance 5% --worse-only
  scalefit check --fit fit.json new_runs.csv --sigma 2 --format json
  scalefit check --backtest runs.csv --tolerance 3%`,
		Args: argsRange(0, maxRunArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if _, err := parseFormat(o.format); err != nil {
				return err
			}
			if o.backtest != "" {
				return runCheckBacktest(cmd, e, o, args)
			}
			req, err := o.request(cmd, e, args)
			if err != nil {
				return err
			}
			if runF != nil {
				return runF(req)
			}
			res, err := app.Check(cmd.Context(), *req)
			if err != nil {
				return err
			}
			return render(e, res, outFmt(o.format), false)
		},
	}
	fs := cmd.Flags()
	o.runs.register(fs)
	fs.StringVar(&o.fit, "fit", "", "fit.json written by scalefit fit -o (required)")
	fs.StringVar(&o.tolerance, "tolerance", "", "allowed relative error, e.g. 3% or 0.03 (default 3% unless --sigma)")
	fs.Float64Var(&o.sigma, "sigma", 0, "allowed deviation in units of the prediction's σ (bootstrap spread and residual scale)")
	fs.StringVar(&o.side, "side", "both", "which side of the band fails: both, worse (actual above the prediction) or better")
	fs.BoolVar(&o.worseOnly, "worse-only", false, "one-sided gate: fail only runs worse than the law (same as --side worse)")
	fs.StringVar(&o.format, "format", "table", "output format: table, json, csv or markdown")
	fs.StringVar(&o.backtest, "backtest", "", "backtest the laws on these runs and exit 1 when the recommended law misses the largest budget by more than --tolerance")
	return cmd
}

// request builds check's request from the flags and the runs to check.
func (o *checkOptions) request(cmd *cobra.Command, e *env, args []string) (*app.CheckRequest, error) {
	if len(args) == 0 {
		return nil, app.Usagef("check needs NEW.csv (runs to check against --fit), or --backtest RUNS")
	}
	r := &app.CheckRequest{Fit: o.fit, Runs: app.Inputs{Paths: args, Options: o.runs.opts, Stdin: e.stdin}, Side: o.side, WorseOnly: o.worseOnly}
	if cmd.Flags().Changed("sigma") {
		r.Sigma = &o.sigma
	}
	if o.tolerance != "" {
		if r.Sigma != nil {
			return nil, app.Usagef("--tolerance and --sigma are exclusive: give one band")
		}
		tol, err := app.ParseTolerance(o.tolerance)
		if err != nil {
			return nil, err
		}
		r.Tolerance = tol
	}
	return r, nil
}

// runCheckBacktest is check --backtest RUNS: the backtest's output, exit 1 when its gate fails.
func runCheckBacktest(cmd *cobra.Command, e *env, o *checkOptions, args []string) error {
	if o.fit != "" || cmd.Flags().Changed("sigma") || o.worseOnly || cmd.Flags().Changed("side") {
		return app.Usagef("--backtest takes --tolerance only: --fit, --sigma, --side and --worse-only check runs against a fit")
	}
	tol := 0.0
	if o.tolerance != "" {
		var err error
		if tol, err = app.ParseTolerance(o.tolerance); err != nil {
			return err
		}
	}
	req := (&backtestFlags{runs: o.runs}).request(e, append([]string{o.backtest}, args...), tol)
	res, err := app.CheckBacktest(cmd.Context(), req)
	if res == nil {
		return err
	}
	if rerr := render(e, res, outFmt(o.format), false); rerr != nil {
		return rerr
	}
	return err
}
