package sft

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/scalefit/scalefit/internal/family"
	"github.com/scalefit/scalefit/internal/fit"
	"github.com/scalefit/scalefit/internal/format"
	"github.com/scalefit/scalefit/internal/stats"
	"github.com/scalefit/scalefit/internal/warn"
)

// minRuns is the fewest runs fitted: four constants and at least one degree of freedom.
const minRuns = 5

// Start grid: beta and D_l (0.1 to 1e5 examples, half decades); each pair gets its best B and
// E by linear least squares on the loss, and the lowest startsPolished pairs start Newton.
var (
	gridBeta       = []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0, 1.3}
	gridLog10Dl    = []float64{-1, -0.5, 0, 0.5, 1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5, 5}
	startsPolished = 10
)

// bootStarts is how many distinct local optima of the full-data search each bootstrap
// resample starts from.
const bootStarts = 3

// Warning codes of this family (catalogued in internal/warn/catalogue.go).
const (
	// CodeNoPrePower: the fitted pre-power phase ends below the smallest fine-tuning set fitted.
	CodeNoPrePower = "sft-no-pre-power"
	// CodeFarFromE: even the largest fine-tuning set is far above the fitted E, so E is an extrapolation.
	CodeFarFromE = "sft-far-from-e"
)

// model is the law's residuals r_i = ln L_i − ln(B/(D_l + D_i^β) + E) over
// θ = (ln B, ln D_l, β, ln E): log-loss residuals, so Huber's delta is a relative error.
type model struct {
	y, d, ld []float64 // ln L, D, ln D (0 where D = 0)
}

func (m *model) Len() int { return len(m.y) }
func (m *model) Dim() int { return 4 }

func (m *model) Residual(i int, th, jac []float64) float64 {
	b, dl, beta, e := math.Exp(th[0]), math.Exp(th[1]), th[2], math.Exp(th[3])
	g := 0.0
	if m.d[i] > 0 {
		g = math.Exp(beta * m.ld[i])
	}
	q := dl + g
	mod := b/q + e
	r := m.y[i] - math.Log(mod)
	if jac != nil {
		bq := b / q
		jac[0] = -bq / mod
		jac[1] = bq * dl / q / mod
		jac[2] = bq * g * m.ld[i] / q / mod
		jac[3] = -e / mod
	}
	return r
}

func lawOf(th []float64) Law {
	return Law{B: math.Exp(th[0]), Dl: math.Exp(th[1]), Beta: th[2], E: math.Exp(th[3])}
}

func theta(l Law) []float64 {
	return []float64{math.Log(l.B), math.Log(l.Dl), l.Beta, math.Log(l.E)}
}

// Fit fits the law to one base model's runs (the app fits one law per --group): every run
// needs D ≥ 0 examples and a positive loss. Variable projection over a grid of (beta, D_l)
// gives the starts, Newton polishes the best of them (multi-start), and the bootstrap refits
// resamples of the runs from the best optima.
func (Family) Fit(ctx context.Context, in family.Input) ([]family.Result, error) {
	loss, err := in.RobustLoss(fit.DefaultDelta)
	if err != nil {
		return nil, err
	}
	m, err := prepare(in)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	starts := startGrid(m)
	if len(starts) == 0 {
		return nil, fmt.Errorf("%s: %s: no start of the fit has positive B and E: the losses do not fall with the data as the law does", Name, in.Source)
	}
	obj := &fit.NLS{Model: m, Loss: loss}
	ms, err := fit.MultiStart(obj, starts, fit.MultiStartOptions{Workers: in.Workers, Admissible: admissible})
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", Name, in.Source, err)
	}
	law := lawOf(ms.X)
	res := family.Result{Family: Name, Law: law, Params: law.Params(), Converged: ms.Converged, Status: ms.Status.String(),
		Objective: ms.F, Starts: ms.Starts, AtBest: ms.StartsAtBest, Runs: len(m.y), Warnings: lawWarnings(law, m)}
	if in.Bootstrap > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		refits := fit.Refits(m, loss, fit.DistinctOptima(ms, bootStarts), in.Bootstrap,
			fit.RefitOptions{Seed: in.Seed, Workers: in.Workers, Progress: in.Progress})
		names := Family{}.Info().ParamNames()
		rows, failed := make([][]float64, 0, len(refits)), 0
		for _, r := range refits {
			if r.X == nil || !r.Converged || !admissible(r.X) {
				failed++
			}
			if r.X != nil {
				p := lawOf(r.X).Params()
				row := make([]float64, len(names))
				for j, n := range names {
					row[j] = p[n]
				}
				rows = append(rows, row)
			}
		}
		res.Draws, res.Intervals = family.Summarize(names, rows)
		if failed > 0 {
			res.Warnings = append(res.Warnings, warn.New(warn.CodeBootstrapFailures, "%s bootstrap: %d of %d resamples did not converge", Name, failed, in.Bootstrap))
		}
	}
	return []family.Result{res}, nil
}

// admissible keeps optima with a positive exponent below 10 and constants that do not
// overflow.
func admissible(th []float64) bool {
	for _, v := range th {
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 700 {
			return false
		}
	}
	return th[2] > 0 && th[2] < 10
}

// prepare reads and checks the runs' column.
func prepare(in family.Input) (*model, error) {
	ds := in.Cols["sft_data_size"]
	k := len(in.Runs)
	m := &model{y: make([]float64, k), d: make([]float64, k), ld: make([]float64, k)}
	distinct := map[float64]bool{}
	for i := range in.Runs {
		r := &in.Runs[i]
		d := ds[i]
		switch {
		case math.IsNaN(d) || math.IsInf(d, 0) || d < 0:
			return nil, family.RunError(r, "sft_data_size %s: want 0 or more fine-tuning examples", format.Short(d, 6))
		case !(r.Loss > 0):
			return nil, family.RunError(r, "loss %s: want a positive loss in nats per token", format.Short(r.Loss, 6))
		}
		m.y[i], m.d[i] = math.Log(r.Loss), d
		if d > 0 {
			m.ld[i] = math.Log(d)
		}
		distinct[d] = true
	}
	switch {
	case k < minRuns:
		return nil, fmt.Errorf("%s: %s: %d runs: want at least %d (the law has four constants)", Name, in.Source, k, minRuns)
	case len(distinct) < 4:
		return nil, fmt.Errorf("%s: %s: %d distinct fine-tuning set sizes: want at least 4 (four constants)", Name, in.Source, len(distinct))
	}
	return m, nil
}

// startGrid returns the starts of the multi-start: for every (beta, D_l) of the grid the
// least-squares B and E of L = B/(D_l + D^beta) + E, the lowest startsPolished of them by
// residual sum of squares (pairs with B or E not positive are left out).
func startGrid(m *model) [][]float64 {
	type cand struct {
		th  []float64
		sse float64
	}
	var cands []cand
	l := make([]float64, len(m.y))
	for i, v := range m.y {
		l[i] = math.Exp(v)
	}
	x := make([]float64, len(m.y))
	for _, beta := range gridBeta {
		for _, ldl := range gridLog10Dl {
			dl := math.Pow(10, ldl)
			for i, d := range m.d {
				x[i] = 1 / (dl + powD(d, beta))
			}
			c, sse, ok := fit.LeastSquares(len(l), 2, func(i int, r []float64) { r[0], r[1] = x[i], 1 }, l)
			if !ok || !(c[0] > 0 && c[1] > 0) {
				continue
			}
			cands = append(cands, cand{theta(Law{B: c[0], Dl: dl, Beta: beta, E: c[1]}), sse})
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return stats.CompareNaNLast(a.sse, b.sse) })
	var out [][]float64
	for _, c := range cands[:min(len(cands), startsPolished)] {
		out = append(out, c.th)
	}
	return out
}

// lawWarnings flags constants the runs do not pin down.
func lawWarnings(l Law, m *model) []warn.Warning {
	var ws []warn.Warning
	minD, maxD := math.Inf(1), 0.0
	for _, d := range m.d {
		if d > 0 {
			minD = math.Min(minD, d)
		}
		maxD = math.Max(maxD, d)
	}
	// The pre-power phase lasts while D^beta is below D_l: up to D = D_l^(1/beta).
	if end := math.Pow(l.Dl, 1/l.Beta); end < minD {
		ws = append(ws, warn.New(CodeNoPrePower, "the pre-power phase ends at %s examples (D_l^(1/beta)), below the smallest fine-tuning set fitted (%s): D_l is an extrapolation", format.Short(end, 3), format.Short(minD, 3)))
	}
	if red := l.Loss(maxD) - l.E; red > l.E {
		ws = append(ws, warn.New(CodeFarFromE, "at the largest fine-tuning set (%s examples) the loss is still %s above E = %s: E is an extrapolation", format.Short(maxD, 3), format.Float(red, 3), format.Float(l.E, 4)))
	}
	return ws
}
