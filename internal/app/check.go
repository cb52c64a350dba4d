package app

import (
	"context"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/lawsource"
	"github.com/scalefit/scalefit/internal/plan"
	"github.com/scalefit/scalefit/internal/report"
	"github.com/scalefit/scalefit/internal/warn"
)

// DefaultTolerance is the relative band of `check` when neither a tolerance nor a sigma is
// given: 3% of the predicted loss, about the spread of Chinchilla-style fits' extrapolations
// one decade of compute out (Epoch's refit has a log-loss rmse of ~2% on its own runs).
const DefaultTolerance = 0.03

// wideBand is the relative band above which check warns that its gate can hardly fail: a
// regressed run would need a loss more than 20% above the law's to be caught, while the
// regressions worth catching (a bad learning rate, a data bug) cost a few percent.
const wideBand = 0.20

// CodeWideBand is the warning that check's band is wider than wideBand.
const CodeWideBand = "wide-band"

// CheckRequest is `scalefit check --fit fit.json NEW`: predict each new run's loss with the
// fit's law and compare. The band is Tolerance (relative, default DefaultTolerance) or, with
// Sigma, K standard deviations of ln L (bootstrap spread and residual scale in quadrature).
// error = (actual - predicted)/predicted: > 0 is worse than the law.
type CheckRequest struct {
	Fit  string // fit.json written by scalefit fit -o
	Runs Inputs // the runs to check
	// Tolerance, when > 0, is the allowed |relative error| (0: DefaultTolerance unless Sigma).
	Tolerance float64
	// Sigma, when not nil, is the allowed deviation in the prediction's σ.
	Sigma *float64
	// Side is both (default), worse or better: which side of the band fails.
	Side      string
	WorseOnly bool // same as Side worse
}

// Validate checks the request; errors are usage errors.
func (r *CheckRequest) Validate() error {
	if r.Fit == "" {
		return Usagef("--fit is required: a fit.json written by scalefit fit -o")
	}
	if r.Runs.Options.GroupCol != "" {
		return Usagef("--group: check compares every run with the one Approach-3 fit of --fit; filter groups with --where")
	}
	switch strings.ToLower(r.Side) {
	case "", report.SideBoth, report.SideWorse, report.SideBetter:
	default:
		return Usagef("--side %q: want both, worse or better", r.Side)
	}
	if r.WorseOnly && strings.ToLower(r.Side) == report.SideBetter {
		return Usagef("--worse-only and --side better contradict each other: give one")
	}
	switch {
	case r.Sigma != nil && r.Tolerance != 0:
		return Usagef("--tolerance and --sigma are exclusive: give one band")
	case r.Sigma != nil && (!(*r.Sigma > 0) || math.IsInf(*r.Sigma, 0)):
		return Usagef("--sigma %v: want a positive number of standard deviations", *r.Sigma)
	case r.Tolerance != 0 && !(r.Tolerance > 0 && r.Tolerance < 1):
		return Usagef("--tolerance %g: want a relative error above 0 and below 1", r.Tolerance)
	}
	return nil
}

// ParseTolerance reads "3%" or "0.03" (errors are usage errors).
func ParseTolerance(s string) (float64, error) {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, Usagef("--tolerance %q: want a percentage like 3%% or a fraction like 0.03", s)
	}
	if pct {
		v /= 100
	}
	if !(v > 0) || v >= 1 {
		return 0, Usagef("--tolerance %q: want a relative error above 0 and below 1, as a fraction or a percentage (0.03 or 3%%)", s)
	}
	return v, nil
}

// CheckResult is check's answer: a row per run; Answer says no when any is outside the band.
type CheckResult struct{ Doc *report.CheckResult }

// Contract is the check document.
func (r *CheckResult) Contract() any { return r.Doc }

// Blocks is the table of runs.
func (r *CheckResult) Blocks(format.Output) []doc.Block { return []doc.Block{report.CheckTable(r.Doc)} }

// Warnings are the fit's, the input's and the band's.
func (r *CheckResult) Warnings() []warn.Warning { return r.Doc.Warnings }

// NotConverged is empty: check has no --strict (a fit that did not converge is a warning).
func (r *CheckResult) NotConverged() []string { return nil }

// WriteCSV writes one row per run at full precision.
func (r *CheckResult) WriteCSV(w io.Writer) error { return report.WriteRowsCSV(w, r.Doc.Rows) }

// Answer is check's answer: a NoError when any run is outside the band.
func (r *CheckResult) Answer() error {
	if r.Doc.Outside > 0 {
		return &NoError{Msg: r.Doc.Summary()}
	}
	return nil
}

// Check compares each run with the prediction of the fit's law.
func Check(ctx context.Context, r CheckRequest) (*CheckResult, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	res := &report.CheckResult{SchemaVersion: report.SchemaVersion, Fit: r.Fit, Rule: "tolerance", Tolerance: DefaultTolerance, Side: report.SideBoth}
	if r.Side != "" {
		res.Side = strings.ToLower(r.Side)
	}
	if r.WorseOnly {
		res.Side = report.SideWorse
	}
	switch {
	case r.Sigma != nil:
		res.Rule, res.Tolerance, res.K = "sigma", 0, *r.Sigma
	case r.Tolerance != 0:
		res.Tolerance = r.Tolerance
	}
	rl, err := lawsource.ReadRunLaw(r.Fit)
	if err != nil {
		return nil, err
	}
	d, fit, draws := rl.Doc, rl.Fit, rl.Draws
	res.Warnings = append(res.Warnings, lawsource.FitWarnings(r.Fit, fit)...)
	res.Law = rl.Name
	if fit.Group != "" {
		res.Law += ", group " + fit.Group
	}
	rmse := 0.0
	if fit.RMSE != nil && *fit.RMSE > 0 {
		rmse = *fit.RMSE
	}
	if res.Rule == "sigma" && rmse == 0 && len(draws) < 2 {
		return nil, fmt.Errorf("--sigma: %s has neither bootstrap draws nor rmse_log_loss to give the prediction a spread: refit with --bootstrap K, or use --tolerance", r.Fit)
	}
	set, err := r.Runs.Load()
	if err != nil {
		return nil, err
	}
	if len(set.Runs) == 0 {
		return nil, fmt.Errorf("%s: no runs to check", set.Source)
	}
	res.Warnings = append(res.Warnings, set.Warnings...)
	unique, note, err := rl.UniqueTokens(set)
	if err != nil {
		return nil, err
	}
	if note != "" {
		res.Law += "; " + note
	}
	band := plan.Band{Tolerance: res.Tolerance, RMSE: rmse, Draws: draws, K: res.K}
	extrapolated, wide := 0, 0
	for i, run := range set.Runs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pred := rl.Predict(run.Params, run.Tokens, unique[i])
		row := report.CheckRow{Line: run.Line, ID: run.ID, Params: run.Params, Tokens: run.Tokens, FLOPs: run.FLOPs,
			Loss: run.Loss, Predicted: pred, RelError: (run.Loss - pred) / pred}
		var beyond bool
		row.Sigma, row.Band, beyond = band.AtSpread(rl.Spread(run.Params, run.Tokens, unique[i]), pred, run.Loss)
		if row.Band > wideBand {
			wide++
		}
		row.Outside, row.Ungated = report.GateSide(res.Side, beyond, row.RelError)
		if d.Range != nil && d.Range.FLOPs[1] > 0 && (run.FLOPs > d.Range.FLOPs[1]*(1+1e-9) || run.FLOPs < d.Range.FLOPs[0]*(1-1e-9)) {
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
		res.Warnings = append(res.Warnings, warn.New(CodeWideBand, "the band exceeds ±%s of the prediction at %d of %d runs (%s): a regressed run would pass unless its loss is that far above the law; refit with more runs or --bootstrap, or use --tolerance",
			format.Percent(wideBand), wide, res.Runs, res.RuleText()))
	}
	if extrapolated > 0 {
		res.Warnings = append(res.Warnings, warn.New(plan.CodeExtrapolated, "%d of %d runs lie outside the compute range of the fitted runs (%s to %s FLOPs): their predictions are extrapolations",
			extrapolated, res.Runs, format.Sci(d.Range.FLOPs[0]), format.Sci(d.Range.FLOPs[1])))
	}
	return &CheckResult{Doc: res}, nil
}
