package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/app"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/lawsource"
	"github.com/scalefit/scalefit/internal/plan"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/warn"
	"github.com/spf13/cobra"
)

var _ = register("check", newCheckCmd)

// defaultTolerance is the relative band of `check` when neither --tolerance nor --sigma is
// given: 3% of the predicted loss, about the spread of Chinchilla-style fits' extrapolations
// one decade of compute out (Epoch's refit has a log-loss rmse of ~2% on its own runs).
const defaultTolerance = 0.03

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

// wideBand is the relative band above which check warns that its gate can hardly fail: a
// regressed run would need a loss more than 20% above the law's to be caught, while the
// regressions worth catching (a bad learning rate, a data bug) cost a few percent.
const wideBand = 0.20

// codeWideBand is the warning that check's band is wider than wideBand.
const codeWideBand = "wide-band"

func newCheckCmd(e *env) *cobra.Command {
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
			if o.backtest != "" {
				return runCheckBacktest(cmd, e, o, args)
			}
			if len(args) == 0 {
				return app.Usagef("check needs NEW.csv (runs to check against --fit), or --backtest RUNS")
			}
			o.runs.more = args[1:]
			return runCheck(e, o, args[0], cmd.Flags().Changed("sigma"))
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

// runCheckBacktest is check --backtest RUNS: the backtest's output, exit 1 when its gate fails.
func runCheckBacktest(cmd *cobra.Command, e *env, o *checkOptions, args []string) error {
	outFmt, err := parseFormat(o.format)
	if err != nil {
		return err
	}
	if o.fit != "" || cmd.Flags().Changed("sigma") || o.worseOnly || cmd.Flags().Changed("side") {
		return app.Usagef("--backtest takes --tolerance only: --fit, --sigma, --side and --worse-only check runs against a fit")
	}
	tol := 0.0
	if o.tolerance != "" {
		if tol, err = parseTolerance(o.tolerance); err != nil {
			return &app.UsageError{Err: err}
		}
	}
	req := (&backtestFlags{runs: o.runs}).request(e, append([]string{o.backtest}, args...), tol)
	res, err := app.CheckBacktest(cmd.Context(), req)
	if res == nil {
		return err
	}
	if rerr := render(e, res, outFmt, false); rerr != nil {
		return rerr
	}
	return err
}

// parseTolerance reads "3%" or "0.03".
func parseTolerance(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("--tolerance %q: want a percentage like 3%% or a fraction like 0.03", s)
	}
	if pct {
		v /= 100
	}
	if !(v > 0) || v >= 1 {
		return 0, fmt.Errorf("--tolerance %q: want a relative error above 0 and below 1, as a fraction or a percentage (0.03 or 3%%)", s)
	}
	return v, nil
}

func runCheck(e *env, o *checkOptions, path string, sigmaSet bool) error {
	outFmt, err := format.Parse(o.format)
	if err != nil {
		return &app.UsageError{Err: err}
	}
	if o.fit == "" {
		return app.Usagef("--fit is required: a fit.json written by scalefit fit -o")
	}
	if o.runs.opts.GroupCol != "" {
		return app.Usagef("--group: check compares every run with the one Approach-3 fit of --fit; filter groups with --where")
	}
	res := &report.CheckResult{SchemaVersion: report.SchemaVersion, Fit: o.fit, Rule: "tolerance", Tolerance: defaultTolerance, Side: report.SideBoth}
	switch strings.ToLower(o.side) {
	case report.SideBoth, report.SideWorse, report.SideBetter:
		res.Side = strings.ToLower(o.side)
	default:
		return app.Usagef("--side %q: want both, worse or better", o.side)
	}
	if o.worseOnly {
		if res.Side == report.SideBetter {
			return app.Usagef("--worse-only and --side better contradict each other: give one")
		}
		res.Side = report.SideWorse
	}
	switch {
	case sigmaSet && o.tolerance != "":
		return app.Usagef("--tolerance and --sigma are exclusive: give one band")
	case sigmaSet:
		if !(o.sigma > 0) || math.IsInf(o.sigma, 0) {
			return app.Usagef("--sigma %v: want a positive number of standard deviations", o.sigma)
		}
		res.Rule, res.Tolerance, res.K = "sigma", 0, o.sigma
	case o.tolerance != "":
		tol, err := parseTolerance(o.tolerance)
		if err != nil {
			return &app.UsageError{Err: err}
		}
		res.Tolerance = tol
	}
	rl, err := lawsource.ReadRunLaw(o.fit)
	if err != nil {
		return err
	}
	doc, fit, draws := rl.Doc, rl.Fit, rl.Draws
	res.Warnings = append(res.Warnings, lawsource.FitWarnings(o.fit, fit)...)
	res.Law = rl.Name
	if fit.Group != "" {
		res.Law += ", group " + fit.Group
	}
	rmse := 0.0
	if fit.RMSE != nil && *fit.RMSE > 0 {
		rmse = *fit.RMSE
	}
	if res.Rule == "sigma" && rmse == 0 && len(draws) < 2 {
		return fmt.Errorf("--sigma: %s has neither bootstrap draws nor rmse_log_loss to give the prediction a spread: refit with --bootstrap K, or use --tolerance", o.fit)
	}
	set, err := o.runs.load(e, path)
	if err != nil {
		return err
	}
	if len(set.Runs) == 0 {
		return fmt.Errorf("%s: no runs to check", set.Source)
	}
	res.Warnings = append(res.Warnings, set.Warnings...)
	unique, note, err := rl.UniqueTokens(set)
	if err != nil {
		return err
	}
	if note != "" {
		res.Law += "; " + note
	}
	band := plan.Band{Tolerance: res.Tolerance, RMSE: rmse, Draws: draws}
	if res.Rule == "sigma" {
		band.K = o.sigma
	}
	extrapolated, wide := 0, 0
	for i, r := range set.Runs {
		pred := rl.Predict(r.Params, r.Tokens, unique[i])
		row := report.CheckRow{Line: r.Line, ID: r.ID, Params: r.Params, Tokens: r.Tokens, FLOPs: r.FLOPs,
			Loss: r.Loss, Predicted: pred, RelError: (r.Loss - pred) / pred}
		var beyond bool
		row.Sigma, row.Band, beyond = band.AtSpread(rl.Spread(r.Params, r.Tokens, unique[i]), pred, r.Loss)
		if row.Band > wideBand {
			wide++
		}
		row.Outside, row.Ungated = report.GateSide(res.Side, beyond, row.RelError)
		if doc.Range != nil && doc.Range.FLOPs[1] > 0 && (r.FLOPs > doc.Range.FLOPs[1]*(1+1e-9) || r.FLOPs < doc.Range.FLOPs[0]*(1-1e-9)) {
			row.Extrapol = true
			extrapolated++
		}
		if row.Outside {
			res.Outside++
		}
		res.Rows = append(res.Rows, row)
	}
	res.Runs = len(res.Rows)
	if wide > 0 {
		res.Warnings = append(res.Warnings, warn.New(codeWideBand, "the band exceeds ±%s of the prediction at %d of %d runs (%s): a regressed run would pass unless its loss is that far above the law; refit with more runs or --bootstrap, or use --tolerance",
			format.Percent(wideBand), wide, res.Runs, res.RuleText()))
	}
	if extrapolated > 0 {
		res.Warnings = append(res.Warnings, warn.New(plan.CodeExtrapolated, "%d of %d runs lie outside the compute range of the fitted runs (%s to %s FLOPs): their predictions are extrapolations",
			extrapolated, res.Runs, format.Sci(doc.Range.FLOPs[0]), format.Sci(doc.Range.FLOPs[1])))
	}
	if err := report.CheckFinite(res); err != nil {
		return err // the same error in every format
	}
	switch outFmt {
	case format.JSON:
		err = report.WriteJSON(e.stdout, res)
	case format.CSV:
		err = report.WriteRowsCSV(e.stdout, res.Rows)
	default:
		err = report.RenderAll(e.stdout, outFmt, []*report.Table{report.CheckTable(res)}, stdoutWarnings(outFmt, res.Warnings))
	}
	emitWarnings(e, res.Warnings)
	if err != nil {
		return err
	}
	if res.Outside > 0 {
		return &app.NoError{Msg: res.Summary()}
	}
	return nil
}
