package moe

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

// minRuns is the fewest runs fitted: six constants and at least one degree of freedom.
const minRuns = 7

// Start grid: E_start values, and E_max as multiples of the largest expert count fitted
// (2^-4 .. 2^6); each pair gets its best a, b, c, d by linear least squares, and the lowest
// startsPolished pairs start Newton.
var (
	gridEStart     = []float64{1.2, 1.6, 2, 3, 4.5, 7}
	gridEMaxPow2   = []int{-4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6}
	startsPolished = 12
)

// bootStarts is how many of the full-data search's distinct local optima (the best first)
// each bootstrap resample starts from.
const bootStarts = 3

// model is the law's residuals r_i = ln L_i − ln10·(a ℓ_i + b x_i + c ℓ_i x_i + d), with
// ℓ = log10 N, x = log10 Ê(E), over θ = (a, b, c, d, ln E_start, ln(E_max − E_start)):
// residuals of the natural log of the loss, so Huber's delta is a relative error.
type model struct {
	y, l, e []float64
}

func (m *model) Len() int { return len(m.y) }
func (m *model) Dim() int { return 6 }

func (m *model) Residual(i int, th, jac []float64) float64 {
	a, b, c, d := th[0], th[1], th[2], th[3]
	es, ew := math.Exp(th[4]), math.Exp(th[5])
	emax := es + ew
	k := ew / (es * emax) // 1/E_start − 1/E_max, without cancellation
	S := m.e[i] - 1 + 1/k
	u := 1/S + 1/emax // 1/Ê
	x := -math.Log10(u)
	l := m.l[i]
	r := m.y[i] - math.Ln10*(a*l+b*x+c*l*x+d)
	if jac == nil {
		return r
	}
	jac[0] = -math.Ln10 * l
	jac[1] = -math.Ln10 * x
	jac[2] = -math.Ln10 * l * x
	jac[3] = -math.Ln10
	g := (b + c*l) / u // ∂r/∂u
	duk := 1 / (S * S * k * k)
	m2 := 1 / (emax * emax)
	dkp, dkw := -k*(emax+es)/emax, ew*m2
	jac[4] = g * (duk*dkp - es*m2)
	jac[5] = g * (duk*dkw - ew*m2)
	return r
}

// theta maps a law to the free parameters.
func theta(l Law) []float64 {
	return []float64{l.A, l.B, l.C, l.D, math.Log(l.EStart), math.Log(l.EMax - l.EStart)}
}

// lawOf maps free parameters to the law.
func lawOf(th []float64) Law {
	es := math.Exp(th[4])
	return Law{A: th[0], B: th[1], C: th[2], D: th[3], EStart: es, EMax: es + math.Exp(th[5])}
}

// Fit fits the law to the runs: every run needs params N > 0, experts E ≥ 1 and a positive
// loss (the loader checks it). Variable projection over a grid of (E_start, E_max) gives the
// starts; Newton polishes the best of them (multi-start); the bootstrap refits resamples of
// the runs from the best optima.
func (Family) Fit(ctx context.Context, in family.Input) ([]family.Result, error) {
	loss, err := in.RobustLoss(fit.DefaultDelta)
	if err != nil {
		return nil, err
	}
	m, ws, err := prepare(in)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	starts := startGrid(m)
	if len(starts) == 0 {
		return nil, fmt.Errorf("%s: %s: no start of the fit is finite: the losses do not follow the law at any grid point", Name, in.Source)
	}
	obj := &fit.NLS{Model: m, Loss: loss}
	ms, err := fit.MultiStart(obj, starts, fit.MultiStartOptions{Workers: in.Workers, Admissible: admissible})
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", Name, in.Source, err)
	}
	law := lawOf(ms.X)
	res := family.Result{Family: Name, Law: law, Params: law.Params(), Converged: ms.Converged, Status: ms.Status.String(),
		Objective: ms.F, Starts: ms.Starts, AtBest: ms.StartsAtBest, Runs: len(m.y), Warnings: ws}
	res.Warnings = append(res.Warnings, lawWarnings(law, m)...)
	if in.Bootstrap > 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		refits := fit.Refits(m, loss, fit.DistinctOptima(ms, bootStarts), in.Bootstrap,
			fit.RefitOptions{Seed: in.Seed, Workers: in.Workers, Progress: in.Progress})
		rows, failed := make([][]float64, 0, len(refits)), 0
		names := Family{}.Info().ParamNames()
		for _, r := range refits {
			if r.X == nil || !r.Converged {
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

// admissible rejects optima whose constants overflow.
func admissible(th []float64) bool {
	for _, v := range th {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return false
		}
	}
	return th[4] < 50 && th[5] < 50
}

// prepare reads and checks the runs' columns.
func prepare(in family.Input) (*model, []warn.Warning, error) {
	n, e, tok := in.Cols["params"], in.Cols["experts"], in.Cols["tokens"]
	m := &model{y: make([]float64, len(in.Runs)), l: make([]float64, len(in.Runs)), e: make([]float64, len(in.Runs))}
	sizes, experts := map[float64]bool{}, map[float64]bool{}
	tokens := map[float64]bool{}
	for i := range in.Runs {
		r := &in.Runs[i]
		switch {
		case !(n[i] > 0) || math.IsInf(n[i], 0):
			return nil, nil, family.RunError(r, "params %s: want a positive parameter count (the dense model's N)", format.Short(n[i], 6))
		case !(e[i] >= 1) || math.IsInf(e[i], 0):
			return nil, nil, family.RunError(r, "experts %s: want an expert count of 1 or more (1: the dense model)", format.Short(e[i], 6))
		case !(r.Loss > 0):
			return nil, nil, family.RunError(r, "loss %s: want a positive loss in nats per token", format.Short(r.Loss, 6))
		}
		m.y[i], m.l[i], m.e[i] = math.Log(r.Loss), math.Log10(n[i]), e[i]
		sizes[n[i]], experts[e[i]] = true, true
		if tok != nil && !math.IsNaN(tok[i]) {
			tokens[tok[i]] = true
		}
	}
	switch {
	case len(in.Runs) < minRuns:
		return nil, nil, fmt.Errorf("%s: %s: %d runs: want at least %d (the law has six constants)", Name, in.Source, len(in.Runs), minRuns)
	case len(sizes) < 2:
		return nil, nil, fmt.Errorf("%s: %s: every run has the same dense size: want at least 2 sizes (a, c)", Name, in.Source)
	case len(experts) < 4:
		return nil, nil, fmt.Errorf("%s: %s: %d distinct expert counts: want at least 4 (E_start and E_max bend the curve)", Name, in.Source, len(experts))
	}
	var ws []warn.Warning
	if len(tokens) > 1 {
		lo, hi := math.Inf(1), 0.0
		for t := range tokens {
			lo, hi = math.Min(lo, t), math.Max(hi, t)
		}
		ws = append(ws, warn.New(CodeMixedTokens, "the runs were trained on %d token counts (%s to %s): the law holds the data fixed, so its constants mix data effects in; fit one token count at a time (--where or --group)",
			len(tokens), format.Short(lo, 3), format.Short(hi, 3)))
	}
	return m, ws, nil
}

// startGrid returns the starts of the multi-start: for every (E_start, E_max) of the grid the
// least-squares a, b, c, d, the lowest startsPolished of them by residual sum of squares.
func startGrid(m *model) [][]float64 {
	maxE := slices.Max(m.e)
	y10 := make([]float64, len(m.y))
	for i, v := range m.y {
		y10[i] = v / math.Ln10
	}
	type cand struct {
		th  []float64
		sse float64
	}
	var cands []cand
	for _, es := range gridEStart {
		for _, p := range gridEMaxPow2 {
			emax := maxE * math.Pow(2, float64(p))
			if emax <= 1.5*es {
				continue
			}
			probe := Law{EStart: es, EMax: emax}
			x := make([]float64, len(m.e))
			for i, e := range m.e {
				x[i] = math.Log10(probe.EHat(e))
			}
			beta, sse, ok := fit.LeastSquares(len(m.y), 4, func(i int, r []float64) {
				r[0], r[1], r[2], r[3] = m.l[i], x[i], m.l[i]*x[i], 1
			}, y10)
			if !ok {
				continue
			}
			probe.A, probe.B, probe.C, probe.D = beta[0], beta[1], beta[2], beta[3]
			cands = append(cands, cand{theta(probe), sse})
		}
	}
	slices.SortStableFunc(cands, func(a, b cand) int { return stats.CompareNaNLast(a.sse, b.sse) })
	var out [][]float64
	for _, c := range cands[:min(len(cands), startsPolished)] {
		out = append(out, c.th)
	}
	return out
}

// lawWarnings flags fitted constants that say the data do not pin the law down.
func lawWarnings(l Law, m *model) []warn.Warning {
	var ws []warn.Warning
	if l.EStart < 1 {
		ws = append(ws, warn.New(CodeEStartBelowOne, "E_start = %s is below 1: the dense model counts as fewer than one expert; the runs may not include enough small expert counts", format.Float(l.EStart, 4)))
	}
	if maxE := slices.Max(m.e); l.EMax > 10*maxE {
		ws = append(ws, warn.New(CodeEMaxBeyondData, "E_max = %s is more than 10x the largest expert count fitted (%s): the runs do not show where the gains saturate, so E_max is an extrapolation", format.Float(l.EMax, 4), format.Short(maxE, 4)))
	}
	lo, hi := slices.Min(m.l), slices.Max(m.l)
	if l.B+l.C*lo >= 0 && l.B+l.C*hi >= 0 {
		ws = append(ws, warn.New(CodeNoRoutingGain, "at the fitted constants more experts do not lower the loss at any fitted size (b + c log10 N >= 0 from %s to %s parameters)", format.Short(math.Pow(10, lo), 3), format.Short(math.Pow(10, hi), 3)))
	}
	return ws
}
