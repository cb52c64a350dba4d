package app

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/scalefit/scalefit/internal/backtest"
	"github.com/scalefit/scalefit/internal/chinchilla"
	"github.com/scalefit/scalefit/internal/doc"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/limits"
	"github.com/scalefit/scalefit/internal/plot"
	"github.com/scalefit/scalefit/internal/registry"
	"github.com/scalefit/scalefit/internal/runs"
	"github.com/scalefit/scalefit/internal/warn"
)

// BacktestRequest asks `scalefit backtest RUNS`: which law to trust on these runs, and is
// scaling slowing down.
type BacktestRequest struct {
	Inputs Inputs
	// Tolerance is the recommendation's threshold on the mean |error| at the largest budget,
	// a fraction (0: 3%).
	Tolerance float64
	// Scored is how many of the largest cuts score the candidates (0: the default, 3).
	Scored int
	// Bootstrap resamples behind the local exponent's and the break's intervals (0: the
	// default, 200; -1: none), seeded by Seed.
	Bootstrap int
	Seed      uint64
	// Vertex locates each budget's observed minimum ("": parabola; akima or auto).
	Vertex string
	// Smoothness of the broken power law's break in decades (0: its default).
	Smoothness float64
	// BudgetTolerance is Approach 2's clustering of FLOPs into budgets (0: its default).
	BudgetTolerance float64
	// NoLeaveOneOut skips Marin's leave-one-budget-out check.
	NoLeaveOneOut bool
	// Figure, when not empty, is where the local-exponent figure is written (.png, .svg or
	// .pdf), atomically.
	Figure  string
	Workers int
}

// Validate checks the request; errors are usage errors.
func (r *BacktestRequest) Validate() error {
	if len(r.Inputs.Paths) == 0 {
		return Usagef("backtest needs RUNS: a file, directory or glob of training runs")
	}
	if r.Inputs.Options.GroupCol != "" {
		return Usagef("--group: backtest scores one set of runs; select a group with --where")
	}
	if r.Tolerance < 0 || r.Tolerance >= 1 || math.IsNaN(r.Tolerance) {
		return Usagef("--tolerance %g: want a relative error above 0 and below 1 (0.03 or 3%%)", r.Tolerance)
	}
	if r.Scored < 0 {
		return Usagef("--scored-cuts %d: want 1 or more", r.Scored)
	}
	if r.Bootstrap < -1 {
		return Usagef("--bootstrap %d: want 0 or more resamples", r.Bootstrap)
	}
	if r.Bootstrap > 0 {
		if err := limits.Resamples(r.Bootstrap, 1); err != nil {
			return &UsageError{err}
		}
	}
	switch r.Vertex {
	case "", "parabola", "akima", "auto":
	default:
		return Usagef("--vertex %q: want parabola, akima or auto", r.Vertex)
	}
	if r.Smoothness < 0 || math.IsInf(r.Smoothness, 0) || math.IsNaN(r.Smoothness) {
		return Usagef("--smoothness %g: want a positive number of decades such as 0.3", r.Smoothness)
	}
	if r.BudgetTolerance < 0 {
		return Usagef("--budget-tolerance %g: want a positive fraction such as 0.15", r.BudgetTolerance)
	}
	if r.Figure != "" {
		if _, err := plot.Format(r.Figure); err != nil {
			return &UsageError{err}
		}
	}
	return nil
}

// BacktestResult is a backtest of the runs.
type BacktestResult struct {
	R      *backtest.Result
	Set    *runs.Set
	Figure string // the figure written ("" for none)
	warns  []warn.Warning
}

// Contract is the backtest's JSON (CONTRACTS-backtest-layout.md).
func (r *BacktestResult) Contract() any { return r.R }

// Warnings are the input's and the backtest's.
func (r *BacktestResult) Warnings() []warn.Warning { return r.warns }

// NotConverged names the fits at the largest cut that did not converge.
func (r *BacktestResult) NotConverged() []string { return r.R.NotConverged() }

// Backtest loads the runs and backtests every candidate law on them: the built-in
// Chinchilla and Kaplan candidates and every registered family that applies (a frontier
// family when the runs have IsoFLOP budgets, a family that joins fit automatically when the
// runs have its columns).
func Backtest(ctx context.Context, r BacktestRequest) (*BacktestResult, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	set, err := r.Inputs.Load()
	if err != nil {
		return nil, err
	}
	if set.IsCurves() {
		set.Runs = runs.FinalPoints(set.Runs)
	}
	o := backtest.Options{Source: set.Source, Tolerance: r.Tolerance, Scored: r.Scored, BudgetTolerance: r.BudgetTolerance,
		Bootstrap: r.Bootstrap, Seed: r.Seed, Smoothness: r.Smoothness, Workers: r.Workers, LeaveOneOut: !r.NoLeaveOneOut,
		Vertex: chinchilla.VertexMethod(r.Vertex)}
	for _, fam := range registry.All() {
		info := fam.Info()
		switch {
		case info.Name == backtest.FamilyChinchilla || info.Name == backtest.FamilyKaplan:
			// built in, with their variants
		case info.Frontier:
			o.Families = append(o.Families, backtest.Extra{Family: fam})
		case info.Auto:
			cols, _, err := familyColumns(info, set, set.Runs, nil, nil)
			if err != nil {
				continue // the runs lack its columns: not applicable
			}
			o.Families = append(o.Families, backtest.Extra{Family: fam, Cols: cols})
		}
	}
	res, err := backtest.Run(ctx, set.Runs, o)
	if err != nil {
		return nil, err
	}
	out := &BacktestResult{R: res, Set: set, warns: append(append([]warn.Warning(nil), set.Warnings...), res.Warnings...)}
	if r.Figure != "" && res.Frontier == nil {
		out.warns = append(out.warns, warn.New(backtest.CodeNoSlope, "no figure written to %s: the runs have no frontier of IsoFLOP minima to read a local exponent from", r.Figure))
	} else if r.Figure != "" {
		fig, err := plot.Slope(slopeInput(res))
		if err != nil {
			return nil, err
		}
		if err := fig.Save(r.Figure); err != nil {
			return nil, err
		}
		out.Figure = r.Figure
	}
	return out, nil
}

// slopeInput is the figure's data: the local exponent with its band, and the break.
func slopeInput(r *backtest.Result) *plot.SlopeInput {
	in := &plot.SlopeInput{Title: "Is scaling slowing? Local exponent of the frontier"}
	in.FLOPs, in.Exponent, in.Lo, in.Hi, in.Total = r.Frontier.Curve(160)
	for _, s := range r.Slope {
		in.Budgets = append(in.Budgets, s.FLOPs)
		in.AtBudgets = append(in.AtBudgets, s.LocalExponent)
	}
	if r.Break != nil {
		in.Break = &plot.SlopeBreak{FLOPs: r.Break.FLOPs, Lo: r.Break.Interval[0], Hi: r.Break.Interval[1]}
	}
	if r.BreakTest != nil {
		in.Caption = r.BreakTest.Text
	}
	return in
}

// Blocks are the largest cut's table, the ranking with the recommendation, every cut's
// error on the largest budget, the local exponent with the break and the leave-one-out.
func (r *BacktestResult) Blocks(f format.Output) []doc.Block {
	res := r.R
	var out []doc.Block
	rec := res.Recommendation
	out = append(out, &doc.Verdict{Text: "recommendation: " + rec.Text, OK: rec.Family != nil})
	top := res.Cuts[len(res.Cuts)-1]
	t := &doc.Table{Title: fmt.Sprintf("Backtest of %d runs, %d budgets (%s), %d cuts. At the largest cut, runs with C <= %s FLOPs (%d runs) predict the next budget (%s FLOPs) and the largest (%s FLOPs, %d runs)",
		res.Runs, len(res.Budgets), res.BudgetsFrom, len(res.Cuts), format.Sci(top.FLOPs), top.NTrain, format.Sci(top.Next.FLOPs), format.Sci(res.Largest.FLOPs), res.Largest.Runs)}
	t.Header = []string{"candidate", "params", "error next", "error largest", "|error| largest", "frontier error", "converged"}
	for _, c := range top.Candidates {
		conv := "-"
		if c.Converged != nil {
			conv = map[bool]string{true: "yes", false: "NO"}[*c.Converged]
		}
		t.AddRow(c.Family+" "+c.Variant, fmt.Sprint(c.NParams), signed(c.ErrorNext), signed(c.ErrorLargest), unsigned(c.AbsErrorLargest), signed(c.FrontierError), conv)
	}
	t.Notes = append(t.Notes, "error = (actual - predicted)/predicted: positive when the runs are worse than the law; frontier-only laws (Approach 2, the broken power law) are scored on the budgets' observed minimum loss")
	out = append(out, t)
	rk := &doc.Table{Title: fmt.Sprintf("Ranking: mean |error| on the largest budget over the %d largest cuts (tolerance %s)", res.ScoredCuts, format.Percent(res.Tolerance))}
	rk.Header = []string{"candidate", "params", "mean |error|", "spread"}
	for _, x := range res.Ranking {
		rk.AddRow(x.Family+" "+x.Variant, fmt.Sprint(x.NParams), format.Percent(x.Error), format.Percent(x.Spread))
	}
	out = append(out, rk)
	ct := &doc.Table{Title: "Error on the largest budget at every cut (out of sample)"}
	ct.Header = []string{"cut (FLOPs)", "runs"}
	for _, c := range top.Candidates {
		ct.Header = append(ct.Header, c.Family+" "+c.Variant)
	}
	for _, cut := range res.Cuts {
		row := []string{format.Sci(cut.FLOPs), fmt.Sprint(cut.NTrain)}
		for _, c := range cut.Candidates {
			row = append(row, signed(c.ErrorLargest))
		}
		ct.AddRow(row...)
	}
	out = append(out, ct)
	out = append(out, &doc.Heading{Level: 2, Text: "Is scaling slowing?"})
	if res.BreakTest != nil {
		out = append(out, &doc.Paragraph{Text: res.BreakTest.Text})
	} else {
		out = append(out, &doc.Paragraph{Text: "the runs have no IsoFLOP budgets, so there is no frontier of minima to read a local exponent or a break from"})
	}
	if len(res.Slope) > 0 {
		st := &doc.Table{Title: "Local exponent of the frontier (broken power law through every budget's minimum, 95% bootstrap intervals)"}
		st.Header = []string{"budget (FLOPs)", "-d ln(L*-E)/d ln C", "95% interval", "-d ln L*/d ln C", "95% interval"}
		for _, s := range res.Slope {
			st.AddRow(format.Sci(s.FLOPs), format.Float(s.LocalExponent, 3), interval(s.Interval), format.Float(s.LocalExponentTotal, 3), interval(s.IntervalTotal))
		}
		out = append(out, st)
	}
	if len(res.LeaveOneOut) > 0 {
		lt := &doc.Table{Title: fmt.Sprintf("Leave one budget out (Marin's check): change of N_opt at the largest budget (%s FLOPs) when a budget leaves the largest cut's fit", format.Sci(res.Largest.FLOPs))}
		var variants []string
		byBudget := map[float64]map[string]float64{}
		var budgets []float64
		for _, s := range res.LeaveOneOut {
			if !contains(variants, s.Variant) {
				variants = append(variants, s.Variant)
			}
			if byBudget[s.Budget] == nil {
				byBudget[s.Budget] = map[string]float64{}
				budgets = append(budgets, s.Budget)
			}
			byBudget[s.Budget][s.Variant] = s.NOptShift
		}
		lt.Header = append([]string{"budget left out"}, variants...)
		for _, b := range budgets {
			row := []string{format.Sci(b)}
			for _, v := range variants {
				if x, ok := byBudget[b][v]; ok {
					row = append(row, signed(&x))
				} else {
					row = append(row, "-")
				}
			}
			lt.AddRow(row...)
		}
		out = append(out, lt)
	}
	if r.Figure != "" {
		out = append(out, &doc.Figure{Name: "local exponent", File: r.Figure, Caption: "the local exponent of the frontier against compute, with its 95% band; the break and its interval marked when the break test finds one"})
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// signed formats a relative error as a signed percentage, "-" for null.
func signed(p *float64) string {
	if p == nil {
		return "-"
	}
	s := format.Percent(*p)
	if *p > 0 {
		s = "+" + s
	}
	return s
}

func unsigned(p *float64) string {
	if p == nil {
		return "-"
	}
	return format.Percent(*p)
}

func interval(iv [2]float64) string {
	return "[" + format.Float(iv[0], 3) + ", " + format.Float(iv[1], 3) + "]"
}

// CheckBacktest is `check --backtest RUNS --tolerance T`: the backtest, and a NoError (exit
// 1) when there is no recommendation or the recommended law's |error_largest| at the
// largest cut exceeds the tolerance.
func CheckBacktest(ctx context.Context, r BacktestRequest) (*BacktestResult, error) {
	if r.Tolerance == 0 {
		r.Tolerance = backtest.DefaultTolerance
	}
	res, err := Backtest(ctx, r)
	if err != nil {
		return nil, err
	}
	return res, res.Gate()
}

// Gate is check --backtest's answer: nil when the recommended law extrapolates within the
// tolerance at the largest cut, a NoError saying why otherwise.
func (r *BacktestResult) Gate() error {
	rec := r.R.Recommendation
	switch {
	case rec.Family == nil:
		return &NoError{Msg: "check --backtest: " + strings.SplitN(rec.Text, "; chosen", 2)[0]}
	case rec.ErrorLargest == nil:
		return &NoError{Msg: fmt.Sprintf("check --backtest: the recommended %s %s has no error at the largest cut", *rec.Family, *rec.Variant)}
	case math.Abs(*rec.ErrorLargest) > r.R.Tolerance:
		return &NoError{Msg: fmt.Sprintf("check --backtest: the recommended %s %s misses the largest budget by %s at the largest cut, beyond the tolerance %s",
			*rec.Family, *rec.Variant, format.Percent(*rec.ErrorLargest), format.Percent(r.R.Tolerance))}
	}
	return nil
}

// AutoLaw is the law `fit --law auto` fits: the candidate the runs' own backtest recommends,
// or the best-ranked one (with a warning) when none extrapolates within the tolerance.
type AutoLaw struct {
	Family, Variant string
	// Note says which law was chosen and on what evidence, for the fit's input notes.
	Note     string
	Warnings []warn.Warning
}

// ChooseLaw backtests the runs (without the bootstrap and the leave-one-out, which the
// choice does not use) and returns the law to fit.
func ChooseLaw(ctx context.Context, r BacktestRequest) (*AutoLaw, error) {
	r.Bootstrap, r.NoLeaveOneOut, r.Figure = -1, true, ""
	res, err := Backtest(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("--law auto: %w", err)
	}
	rec := res.R.Recommendation
	if len(res.R.Ranking) == 0 {
		return nil, fmt.Errorf("--law auto: no candidate law could be fitted at the largest cuts of the backtest: choose --law yourself")
	}
	best := res.R.Ranking[0]
	out := &AutoLaw{Family: best.Family, Variant: best.Variant}
	out.Note = fmt.Sprintf("--law auto: %s %s, the candidate with the lowest mean |error| on the largest budget (%s, spread %s) over the %d largest cuts of these runs' own backtest (scalefit backtest)",
		best.Family, best.Variant, format.Percent(best.Error), format.Percent(best.Spread), res.R.ScoredCuts)
	if rec.Family == nil {
		out.Warnings = append(out.Warnings, warn.New(backtest.CodeNoRecommendation, "--law auto: no candidate extrapolates within %s on these runs' backtest; fitting the best-ranked, %s %s, which misses the largest budget by %s on average",
			format.Percent(res.R.Tolerance), best.Family, best.Variant, format.Percent(best.Error)))
	}
	return out, nil
}
